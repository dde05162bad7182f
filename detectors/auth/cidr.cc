#include "detectors/auth/cidr.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace mirador::detect {

namespace {

bool is_v4_mapped(const uint8_t* b) {
  static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(b, kPrefix, sizeof kPrefix) == 0;
}

bool prefix_equal(const uint8_t* a, const uint8_t* b, unsigned bits) {
  const unsigned whole = bits / 8;
  if (std::memcmp(a, b, whole) != 0) return false;
  const unsigned rest = bits % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

bool parse_ip(std::string_view text, IpText& out) {
  out = IpText{};
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  if (text.find(':') == std::string_view::npos) {
    if (inet_pton(AF_INET, buf, out.bytes) != 1) return false;
    out.family = 4;
    return true;
  }
  uint8_t v6[16];
  if (inet_pton(AF_INET6, buf, v6) != 1) return false;
  if (is_v4_mapped(v6)) {
    std::memcpy(out.bytes, v6 + 12, 4);
    out.family = 4;
  } else {
    std::memcpy(out.bytes, v6, 16);
    out.family = 6;
  }
  return true;
}

void format_ip(const IpText& ip, std::string& out) {
  char text[INET6_ADDRSTRLEN] = {};
  const int af = ip.family == 4 ? AF_INET : AF_INET6;
  if (ip.family == 0 || inet_ntop(af, ip.bytes, text, sizeof text) == nullptr) {
    out.clear();
    return;
  }
  out.assign(text);
}

bool CidrSet::add(std::string_view cidr) {
  const size_t slash = cidr.find('/');
  Range r;
  if (!parse_ip(cidr.substr(0, slash), r.net)) return false;
  // A mapped IPv6 range is the IPv4 range it maps (::ffff:10.0.0.0/104 = 10.0.0.0/8).
  const bool mapped = r.net.family == 4 && cidr.find(':') != std::string_view::npos;
  const unsigned max = r.net.family == 4 ? 32 : 128;
  if (slash == std::string_view::npos) {
    r.prefix = max;
  } else {
    const std::string_view digits = cidr.substr(slash + 1);
    unsigned p = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) return false;
    if (mapped) {
      if (p < 96 || p > 128) return false;
      p -= 96;
    }
    if (p > max) return false;
    r.prefix = p;
  }
  ranges_.push_back(r);
  return true;
}

bool CidrSet::contains(const IpText& ip) const {
  for (const Range& r : ranges_) {
    if (r.net.family == ip.family && prefix_equal(r.net.bytes, ip.bytes, r.prefix)) return true;
  }
  return false;
}

}  // namespace mirador::detect

// Addresses and CIDR ranges in text form, for deciding which proxies are trusted. An IPv4-mapped
// IPv6 address (::ffff:a.b.c.d, as dual-stack sockets report IPv4 peers) is the IPv4 address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mirador::detect {

struct IpText {
  uint8_t bytes[16] = {};
  uint8_t family = 0;  // 4 or 6; 0 = not parsed
};

// Parses "192.0.2.1" or "2001:db8::1" (no zone, no brackets, no port).
bool parse_ip(std::string_view text, IpText& out);

// The canonical text of an address (dotted quad, or RFC 5952) into `out`.
void format_ip(const IpText& ip, std::string& out);

class CidrSet {
 public:
  // Adds "10.0.0.0/8", "2001:db8::/32" or a single address; false when it does not parse.
  // Host bits after the prefix are ignored ("10.1.2.3/8" is 10.0.0.0/8).
  bool add(std::string_view cidr);
  bool contains(const IpText& ip) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    IpText net;
    unsigned prefix = 0;
  };
  std::vector<Range> ranges_;
};

}  // namespace mirador::detect

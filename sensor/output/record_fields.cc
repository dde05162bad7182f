#include "sensor/output/record_fields.h"

#include <arpa/inet.h>

#include <cstring>

#include "decoders/ascii.h"

namespace mirador {

size_t ip_text(const IpAddress& ip, char (&buf)[kIpTextMax]) {
  if (ip.family == 4) {
    // Dotted quad written directly: inet_ntop goes through sprintf, which showed in profiles.
    size_t n = 0;
    for (size_t i = 0; i < 4; ++i) {
      if (i) buf[n++] = '.';
      const unsigned b = ip.bytes[i];
      if (b >= 100) buf[n++] = static_cast<char>('0' + b / 100);
      if (b >= 10) buf[n++] = static_cast<char>('0' + b / 10 % 10);
      buf[n++] = static_cast<char>('0' + b % 10);
    }
    return n;
  }
  if (ip.family == 6 && inet_ntop(AF_INET6, ip.bytes.data(), buf, kIpTextMax) != nullptr) {
    return std::strlen(buf);
  }
  return 0;
}

void find_record_headers(const std::vector<HttpHeader>& headers, bool request, RecordHeaders& r) {
  uint32_t found = 0;
  auto take = [&](uint32_t bit, std::string_view& to, const HttpHeader& h) {
    if (found & bit) return;
    found |= bit;
    to = h.value;
  };
  // Dispatch on the name's length first: most headers are rejected without a comparison.
  for (const HttpHeader& h : headers) {
    const std::string_view n = h.name;
    switch (n.size()) {
      case 4:
        if (request && ascii_iequals(n, "host")) take(1, r.host, h);
        break;
      case 6:
        if (request && ascii_iequals(n, "origin")) take(2, r.origin, h);
        break;
      case 7:
        if (request && ascii_iequals(n, "referer")) take(4, r.referer, h);
        break;
      case 10:
        if (request && ascii_iequals(n, "user-agent")) take(8, r.user_agent, h);
        break;
      case 12:
        if (ascii_iequals(n, "content-type")) take(16, r.content_type, h);
        break;
      case 16:
        if (ascii_iequals(n, "content-encoding")) take(32, r.content_encoding, h);
        break;
      default:
        break;
    }
  }
}

}  // namespace mirador

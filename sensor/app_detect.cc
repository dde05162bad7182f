#include "sensor/app_detect.h"

#include <cstring>
#include <string_view>

namespace mirador {

namespace {

// Lower case too: "gEt /admin" is an evasion to decode and flag (evasion.method_case), not a
// connection to drop; the target test below still keeps other protocols out.
bool is_method_char(uint8_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_';
}

// "HTTP/1." then a digit and a space (or as much of it as we have).
SniffResult sniff_response(const uint8_t* d, size_t len) {
  static constexpr char kPrefix[] = "HTTP/1.";
  const size_t plen = sizeof(kPrefix) - 1;
  size_t n = len < plen ? len : plen;
  if (std::memcmp(d, kPrefix, n) != 0) return SniffResult::not_http;
  if (len < plen + 2) return SniffResult::need_more;
  if (d[plen] < '0' || d[plen] > '9' || d[plen + 1] != ' ') return SniffResult::not_http;
  return SniffResult::http_response;
}

}  // namespace

SniffResult sniff_http1(const uint8_t* d, size_t len) {
  if (len == 0) return SniffResult::need_more;
  if (d[0] == 'H' && (len < 2 || d[1] == 'T')) {
    SniffResult r = sniff_response(d, len);
    if (r != SniffResult::not_http) return r;
  }
  // Method token: RFC 9110 allows any token, but real methods are short words; this keeps
  // binary protocols from being taken for HTTP.
  size_t i = 0;
  while (i < len && i < 20 && is_method_char(d[i])) ++i;
  if (i == len) return i < 20 ? SniffResult::need_more : SniffResult::not_http;
  if (i < 3 || d[i] != ' ') return SniffResult::not_http;
  if (i + 1 == len) return SniffResult::need_more;
  const uint8_t t = d[i + 1];
  if (t == '/' || t == '*') return SniffResult::http_request;  // origin-form, asterisk-form
  if (i == 7 && std::memcmp(d, "CONNECT", 7) == 0) return SniffResult::http_request;  // authority
  // absolute-form: the target must start with a scheme we know, or this is some other
  // line-based protocol (SMTP's "EHLO host", FTP's "USER name"...).
  // "HTTP/" is not a scheme but a request line missing its target ("GET HTTP/1.1"), which
  // servers answer and attackers send; it is HTTP all the same.
  static constexpr std::string_view kSchemes[] = {"http://", "https://", "HTTP/1."};
  const size_t avail = len - (i + 1);
  bool maybe = false;
  for (std::string_view scheme : kSchemes) {
    size_t n = avail < scheme.size() ? avail : scheme.size();
    bool prefix = true;
    for (size_t k = 0; k < n; ++k) {
      uint8_t c = d[i + 1 + k];
      uint8_t want = static_cast<uint8_t>(scheme[k]);
      if (c >= 'A' && c <= 'Z' && !(want >= 'A' && want <= 'Z')) {
        c = static_cast<uint8_t>(c - 'A' + 'a');
      }
      if (c != want) prefix = false;
    }
    if (prefix && n == scheme.size()) return SniffResult::http_request;
    if (prefix) maybe = true;
  }
  return maybe ? SniffResult::need_more : SniffResult::not_http;
}

}  // namespace mirador

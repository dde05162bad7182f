#include <catch2/catch.hpp>
#include <string>

#include "sensor/app_detect.h"

using mirador::SniffResult;

namespace {
SniffResult sniff(const std::string& s) {
  return mirador::sniff_http1(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
}  // namespace

TEST_CASE("requests are recognised by their method and target") {
  CHECK(sniff("GET / HTTP/1.1\r\n") == SniffResult::http_request);
  CHECK(sniff("POST /api/v1/login HTTP/1.1") == SniffResult::http_request);
  CHECK(sniff("CONNECT example.com:443 HTTP/1.1") == SniffResult::http_request);
  CHECK(sniff("OPTIONS * HTTP/1.1") == SniffResult::http_request);
  CHECK(sniff("PROPFIND /dav/ HTTP/1.1") == SniffResult::http_request);
  CHECK(sniff("GET http://x/ HTTP/1.1") == SniffResult::http_request);
  CHECK(sniff("GET HTTPS://x/ HTTP/1.1") == SniffResult::http_request);
  CHECK(sniff("GET htt") == SniffResult::need_more);
  CHECK(sniff("GET HTTP/1.1") == SniffResult::http_request);  // target missing
  // A method in another case is an evasion (flagged by the parser), still HTTP.
  CHECK(sniff("gEt /admin HTTP/1.1") == SniffResult::http_request);
  CHECK(sniff("post /api HTTP/1.1") == SniffResult::http_request);
}

TEST_CASE("responses are recognised by the status line") {
  CHECK(sniff("HTTP/1.1 200 OK\r\n") == SniffResult::http_response);
  CHECK(sniff("HTTP/1.0 404 Not Found") == SniffResult::http_response);
}

TEST_CASE("short prefixes ask for more bytes, one byte at a time") {
  const std::string req = "GET /x HTTP/1.1";
  for (size_t n = 1; n < 5; ++n) CHECK(sniff(req.substr(0, n)) == SniffResult::need_more);
  CHECK(sniff(req.substr(0, 5)) == SniffResult::http_request);
  const std::string resp = "HTTP/1.1 200";
  for (size_t n = 1; n < 9; ++n) CHECK(sniff(resp.substr(0, n)) == SniffResult::need_more);
  CHECK(sniff(resp.substr(0, 9)) == SniffResult::http_response);
}

TEST_CASE("other protocols are not taken for HTTP") {
  CHECK(sniff(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)) ==
        SniffResult::not_http);                                           // TLS ClientHello
  CHECK(sniff("SSH-2.0-OpenSSH_9.2p1") == SniffResult::not_http);         // lower case in token
  CHECK(sniff("PRI * HTTP/2.0\r\n\r\nSM") == SniffResult::http_request);  // h2 preface: a request
  CHECK(sniff("EHLO mail.example") == SniffResult::not_http);             // target not a path
  CHECK(sniff("USER anonymous") == SniffResult::not_http);                // FTP
  CHECK(sniff("ehlo mail.example") == SniffResult::not_http);             // lower case SMTP
  CHECK(sniff("HTTP/2 200") == SniffResult::not_http);
  CHECK(sniff("GE / HTTP/1.1") == SniffResult::not_http);  // method too short
  CHECK(sniff(std::string(30, 'A')) == SniffResult::not_http);
}

// CEF output against the CEF escaping rules (header: \ and |; extension: \ and =, CR/LF as \r
// \n), with a parse-back: a CEF extension parser that splits on unescaped '=' recovers every
// value.
#include "tools/collector/cef.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "collector_test_util.h"
#include "mirador/v1/event.pb.h"

using namespace mirador::collector;

namespace {

std::string header(std::string_view s) {
  std::string out;
  cef_escape_header(s, out);
  return out;
}

std::string ext(std::string_view s) {
  std::string out;
  cef_escape_extension(s, out);
  return out;
}

// Splits a CEF line into its 7 header fields and the extension at unescaped pipes.
std::vector<std::string> split_header(const std::string& line) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < line.size(); ++i) {
    if (parts.size() == 8) {
      parts.back() += line[i];
    } else if (line[i] == '\\' && i + 1 < line.size()) {
      parts.back() += line[i];
      parts.back() += line[++i];
    } else if (line[i] == '|') {
      parts.emplace_back();
    } else {
      parts.back() += line[i];
    }
  }
  return parts;
}

std::string unescape_header(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

// A SIEM-style extension parser: a key is the word before an unescaped '='; its value runs to
// the space before the next key.
std::map<std::string, std::string> parse_extension(const std::string& x) {
  std::vector<size_t> eqs;  // positions of unescaped '='
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] == '\\') {
      ++i;
    } else if (x[i] == '=') {
      eqs.push_back(i);
    }
  }
  std::map<std::string, std::string> out;
  for (size_t k = 0; k < eqs.size(); ++k) {
    const size_t key_start = k == 0 ? 0 : x.rfind(' ', eqs[k]) + 1;
    const std::string key = x.substr(key_start, eqs[k] - key_start);
    size_t value_end = x.size();
    if (k + 1 < eqs.size()) value_end = x.rfind(' ', eqs[k + 1]);  // the separator
    std::string raw = x.substr(eqs[k] + 1, value_end - eqs[k] - 1), value;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) {
        const char c = raw[++i];
        value += c == 'r' ? '\r' : c == 'n' ? '\n' : c;
      } else {
        value += raw[i];
      }
    }
    out[key] = value;
  }
  return out;
}

}  // namespace

TEST_CASE("CEF header escaping: backslash and pipe escaped, line breaks become spaces") {
  CHECK(header("a|b") == "a\\|b");
  CHECK(header("a\\b") == "a\\\\b");
  CHECK(header("a=b") == "a=b");  // = is not special in the header
  CHECK(header("x\r\ny") == "x  y");
  CHECK(header("\\|") == "\\\\\\|");
  CHECK(header("tab\there\x01\x7f") == "tab here  ");
}

TEST_CASE("CEF extension escaping: backslash and equals escaped, CR/LF as \\r \\n, pipe kept") {
  CHECK(ext("a=b") == "a\\=b");
  CHECK(ext("a\\b") == "a\\\\b");
  CHECK(ext("a|b") == "a|b");
  CHECK(ext("l1\r\nl2\n") == "l1\\r\\nl2\\n");
  CHECK(ext("\\=") == "\\\\\\=");
  CHECK(ext(std::string("nul\0x", 5)) == "nul x");
  CHECK(ext("bell\a esc\x1b del\x7f") == "bell  esc  del ");
}

TEST_CASE("CEF: invalid UTF-8 becomes U+FFFD, C1 controls a space, valid text is kept") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(ext("\xff") == fffd);
  CHECK(ext("a\xe2\x82") == "a" + fffd + fffd);                 // truncated 3-byte sequence
  CHECK(ext("\xc0\xaf") == fffd + fffd);                        // overlong '/'
  CHECK(ext("\xed\xa0\x80") == fffd + fffd + fffd);             // UTF-16 surrogate
  CHECK(ext("\xf4\x90\x80\x80") == fffd + fffd + fffd + fffd);  // above U+10FFFF
  CHECK(ext("nel\xc2\x85x") == "nel x");                        // U+0085
  CHECK(ext("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") ==
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  CHECK(header("\xff|") == fffd + "\\|");
}

TEST_CASE("CEF line of a finding: header fields, severity and extension parse back") {
  auto e = test::finding_event("sensor=1 | edge", 42);
  auto* f = e.mutable_finding();
  f->set_id("rule|with\\pipe");
  f->set_summary("Summary with | pipe, \\ backslash, = equals\nand a newline");
  f->clear_locations();
  f->add_locations("response.body $.a=1");
  f->add_locations("header X\\Y");
  f->clear_masked_samples();
  f->add_masked_samples("p=***|q\r\n");
  f->set_endpoint("GET /x?a=b c=d");
  f->set_risk_class("cat with trailing space ");
  std::string line;
  REQUIRE(format_cef(e, "0.1.0", line));
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);
  const auto parts = split_header(line);
  REQUIRE(parts.size() == 8);
  CHECK(parts[0] == "CEF:0");
  CHECK(parts[1] == "Mirador");
  CHECK(parts[2] == "mirador");
  CHECK(parts[3] == "0.1.0");
  CHECK(unescape_header(parts[4]) == "rule|with\\pipe");
  CHECK(unescape_header(parts[5]) == "Summary with | pipe, \\ backslash, = equals and a newline");
  CHECK(parts[6] == "8");

  const auto x = parse_extension(parts[7]);
  CHECK(x.at("rt") == "1795873875987");
  CHECK(x.at("src") == "198.18.0.1");
  CHECK(x.at("spt") == "40000");
  CHECK(x.at("dst") == "198.18.0.2");
  CHECK(x.at("dpt") == "443");
  CHECK(x.at("app") == "HTTP");
  CHECK(x.at("request") == "GET /x?a=b c=d");
  CHECK(x.at("cat") == "cat with trailing space ");
  CHECK(x.at("cs1") == "API8:2023");
  CHECK(x.at("cs1Label") == "owaspApi");
  CHECK(x.at("cs2") == "response.body $.a=1, header X\\Y");
  CHECK(x.at("cs2Label") == "locations");
  CHECK(x.at("cs3") == "p=***|q\r\n");
  CHECK(x.at("cs3Label") == "samples");
  CHECK(x.at("cnt") == "3");
  CHECK(x.at("deviceExternalId") == "sensor=1 | edge");
  CHECK(x.at("externalId") == "42");
  CHECK(x.at("cs4") == "1:abc=");
  CHECK(x.at("cs4Label") == "communityId");
  CHECK(x.size() == 19);
}

TEST_CASE("CEF: tricky values in every extension position parse back") {
  const std::vector<std::string> tricky = {"=",           "\\",
                                           "\\=",         "a\\",
                                           "ends with =", " leading space",
                                           "k=v k2=v2",   "back\\\\slashes",
                                           "\r\n",        "pipe|pipe",
                                           "x= y =z",     "\\n literal"};
  for (const auto& v : tricky) {
    auto e = test::finding_event(v, 1);
    auto* f = e.mutable_finding();
    f->set_endpoint(v);
    f->set_risk_class(v);
    f->set_owasp_api(v);
    f->mutable_flow()->set_community_id(v);
    f->clear_locations();
    f->add_locations(v);
    f->clear_masked_samples();
    f->add_masked_samples(v);
    std::string line;
    REQUIRE(format_cef(e, "1|2", line));
    const auto parts = split_header(line);
    REQUIRE(parts.size() == 8);
    CHECK(parts[3] == "1\\|2");
    const auto x = parse_extension(parts[7]);
    INFO("value: " << v);
    for (const char* k : {"request", "cat", "cs1", "cs2", "cs3", "cs4", "deviceExternalId"}) {
      CHECK(x.at(k) == v);
    }
  }
}

TEST_CASE("CEF: IPv6 addresses go to c6a2/c6a3; severities; other kinds are not findings") {
  auto e = test::finding_event("s", 1);
  e.mutable_finding()->mutable_flow()->set_src_ip("2001:db8::1");
  e.mutable_finding()->mutable_flow()->set_dst_ip("2001:db8::2");
  std::string line;
  REQUIRE(format_cef(e, "0.1.0", line));
  const auto x = parse_extension(split_header(line)[7]);
  CHECK(x.at("c6a2") == "2001:db8::1");
  CHECK(x.at("c6a3") == "2001:db8::2");
  CHECK(x.count("src") == 0);
  CHECK(x.count("dst") == 0);

  CHECK(cef_severity("info") == 1);
  CHECK(cef_severity("low") == 3);
  CHECK(cef_severity("medium") == 5);
  CHECK(cef_severity("high") == 8);
  CHECK(cef_severity("critical") == 10);
  CHECK(cef_severity("bogus") == 5);
  CHECK(syslog_severity("critical") == 2);
  CHECK(syslog_severity("info") == 6);

  CHECK_FALSE(format_cef(test::http_event("s", 1), "0.1.0", line));
}

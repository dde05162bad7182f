// Test helper: a ClientHello built field by field (GREASE, odd ALPN values, missing extensions),
// as a handshake message body and as a whole handshake record.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mirador::tls::test {

struct HelloSpec {
  uint16_t legacy_version = 0x0303;
  std::vector<uint16_t> suites = {0x1301, 0x1302};
  std::vector<std::pair<uint16_t, std::string>> extensions;  // type, data
};

inline void put16(std::string& s, uint32_t v) {
  s += static_cast<char>(v >> 8);
  s += static_cast<char>(v & 0xff);
}
inline void put24(std::string& s, uint32_t v) {
  s += static_cast<char>(v >> 16);
  put16(s, v & 0xffff);
}

inline std::string u16_vector(const std::vector<uint16_t>& v) {
  std::string s;
  put16(s, static_cast<uint32_t>(v.size() * 2));
  for (uint16_t x : v) put16(s, x);
  return s;
}
inline std::string sni_ext(const std::string& host) {
  std::string name;
  name += '\0';
  put16(name, static_cast<uint32_t>(host.size()));
  name += host;
  std::string s;
  put16(s, static_cast<uint32_t>(name.size()));
  return s + name;
}
inline std::string alpn_ext(const std::vector<std::string>& protos) {
  std::string list;
  for (const auto& p : protos) list += static_cast<char>(p.size()) + p;
  std::string s;
  put16(s, static_cast<uint32_t>(list.size()));
  return s + list;
}
inline std::string versions_ext(const std::vector<uint16_t>& v) {
  std::string s(1, static_cast<char>(v.size() * 2));
  for (uint16_t x : v) put16(s, x);
  return s;
}

inline std::string client_hello_body(const HelloSpec& h) {
  std::string b;
  put16(b, h.legacy_version);
  b += std::string(32, '\x11');  // random
  b += '\0';                     // session id
  put16(b, static_cast<uint32_t>(h.suites.size() * 2));
  for (uint16_t s : h.suites) put16(b, s);
  b += std::string("\x01\x00", 2);  // compression: null
  std::string exts;
  for (const auto& [type, data] : h.extensions) {
    put16(exts, type);
    put16(exts, static_cast<uint32_t>(data.size()));
    exts += data;
  }
  put16(b, static_cast<uint32_t>(exts.size()));
  return b + exts;
}

inline std::string handshake_record(uint8_t type, const std::string& body) {
  std::string msg(1, static_cast<char>(type));
  put24(msg, static_cast<uint32_t>(body.size()));
  msg += body;
  std::string rec = "\x16\x03\x01";
  put16(rec, static_cast<uint32_t>(msg.size()));
  return rec + msg;
}

}  // namespace mirador::tls::test

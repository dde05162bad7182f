// Test-only protobuf wire-format and gRPC framing builders: messages are written field by field
// from the wire format's rules (no .proto, no protobuf library), so tests say what bytes they
// feed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mirador::test {

inline std::string pb_varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}

inline std::string pb_tag(uint32_t field, unsigned wire) {
  return pb_varint((uint64_t{field} << 3) | wire);
}

inline std::string pb_uint(uint32_t field, uint64_t v) {
  return pb_tag(field, 0) + pb_varint(v);
}

// Length-delimited: a string, bytes or an embedded message.
inline std::string pb_bytes(uint32_t field, std::string_view v) {
  return pb_tag(field, 2) + pb_varint(v.size()) + std::string(v);
}

inline std::string pb_fixed(uint32_t field, uint64_t v, unsigned bytes) {
  std::string out = pb_tag(field, bytes == 8 ? 1 : 5);
  for (unsigned i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

// One gRPC length-prefixed message: flag, 4-byte big-endian length, the bytes.
inline std::string grpc_frame(std::string_view msg, uint8_t flag = 0) {
  std::string out;
  out += static_cast<char>(flag);
  const auto n = static_cast<uint32_t>(msg.size());
  for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((n >> s) & 0xff);
  out += msg;
  return out;
}

}  // namespace mirador::test

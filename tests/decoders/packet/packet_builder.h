// Test-only helpers that build frames byte by byte, so every test states exactly what is on
// the wire. Checksums are left at zero: the decoder does not verify them (mirrors often carry
// offloaded, unfilled checksums).
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "decoders/packet/packet_decoder.h"

namespace mirador::test {

using Bytes = std::vector<uint8_t>;

struct Writer {
  Bytes b;
  Writer& u8(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  Writer& u16(uint16_t v) { return u8(static_cast<uint8_t>(v >> 8)).u8(static_cast<uint8_t>(v)); }
  Writer& u32(uint32_t v) {
    return u16(static_cast<uint16_t>(v >> 16)).u16(static_cast<uint16_t>(v));
  }
  Writer& raw(const Bytes& v) {
    b.insert(b.end(), v.begin(), v.end());
    return *this;
  }
  Writer& zeros(size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
};

inline Bytes text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

inline Bytes addr4(const char* s) {
  Bytes b(4);
  inet_pton(AF_INET, s, b.data());
  return b;
}
inline Bytes addr6(const char* s) {
  Bytes b(16);
  inet_pton(AF_INET6, s, b.data());
  return b;
}

// Ethertypes and IP protocols used by the tests.
inline constexpr uint16_t kIpv4 = 0x0800, kIpv6 = 0x86DD, kArp = 0x0806, kVlan = 0x8100,
                          kQinQ = 0x88A8, kMpls = 0x8847, kTeb = 0x6558, kErspan2 = 0x88BE,
                          kErspan3 = 0x22EB;
inline constexpr uint8_t kTcp = 6, kUdp = 17, kGre = 47, kIcmp = 1;

inline Bytes tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                 uint16_t window, const Bytes& payload = {}, const Bytes& options = {}) {
  Writer w;
  const auto doff = static_cast<uint8_t>((20 + options.size()) / 4);
  w.u16(sport).u16(dport).u32(seq).u32(ack).u8(static_cast<uint8_t>(doff << 4)).u8(flags);
  w.u16(window).u16(0).u16(0).raw(options).raw(payload);
  return w.b;
}

inline Bytes udp(uint16_t sport, uint16_t dport, const Bytes& payload) {
  Writer w;
  w.u16(sport).u16(dport).u16(static_cast<uint16_t>(8 + payload.size())).u16(0).raw(payload);
  return w.b;
}

struct Ip4Opts {
  uint8_t ttl = 64;
  uint16_t id = 0x1234;
  uint32_t frag_offset = 0;  // bytes, multiple of 8
  bool more = false;
  Bytes options;  // padded by the caller to a multiple of 4
};

inline Bytes ipv4(const char* src, const char* dst, uint8_t proto, const Bytes& payload,
                  const Ip4Opts& o = {}) {
  Writer w;
  const size_t hl = 20 + o.options.size();
  w.u8(static_cast<uint8_t>(0x40 | hl / 4)).u8(0).u16(static_cast<uint16_t>(hl + payload.size()));
  w.u16(o.id).u16(static_cast<uint16_t>((o.more ? 0x2000 : 0) | o.frag_offset / 8));
  w.u8(o.ttl).u8(proto).u16(0).raw(addr4(src)).raw(addr4(dst)).raw(o.options).raw(payload);
  return w.b;
}

// `payload` starts with the first extension header (if any) whose type is `next`.
inline Bytes ipv6(const char* src, const char* dst, uint8_t next, const Bytes& payload,
                  uint8_t hop_limit = 64) {
  Writer w;
  w.u32(0x60000000).u16(static_cast<uint16_t>(payload.size())).u8(next).u8(hop_limit);
  w.raw(addr6(src)).raw(addr6(dst)).raw(payload);
  return w.b;
}

// Hop-by-hop / routing / destination options header of `total_len` bytes (a multiple of 8).
inline Bytes ip6_ext(uint8_t next, size_t total_len, const Bytes& rest) {
  Writer w;
  w.u8(next).u8(static_cast<uint8_t>(total_len / 8 - 1));
  w.zeros(total_len - 2).raw(rest);
  return w.b;
}
// 16-byte AH: payload length 2 means (2 + 2) * 4 bytes, with a 4-byte ICV.
inline Bytes ip6_ah(uint8_t next, const Bytes& rest) {
  Writer w;
  w.u8(next).u8(2).u16(0).u32(0x100).u32(1).u32(0).raw(rest);
  return w.b;
}
inline Bytes ip6_frag(uint8_t next, uint32_t offset, bool more, uint32_t id, const Bytes& rest) {
  Writer w;
  w.u8(next).u8(0).u16(static_cast<uint16_t>(offset | (more ? 1 : 0))).u32(id).raw(rest);
  return w.b;
}

inline Bytes ethernet(uint16_t type, const Bytes& payload,
                      std::initializer_list<uint16_t> vlans = {}, uint16_t tpid = kVlan) {
  Writer w;
  w.raw({0x02, 0, 0, 0, 0, 0x02}).raw({0x02, 0, 0, 0, 0, 0x01});
  for (uint16_t v : vlans) w.u16(tpid).u16(v);
  w.u16(type).raw(payload);
  return w.b;
}

inline Bytes mpls(std::initializer_list<uint32_t> labels, const Bytes& payload) {
  Writer w;
  size_t i = 0;
  for (uint32_t l : labels) {
    const bool bottom = ++i == labels.size();
    w.u32(l << 12 | (bottom ? 0x100u : 0u) | 64u);
  }
  w.raw(payload);
  return w.b;
}

inline Bytes sll(uint16_t proto, const Bytes& payload) {
  Writer w;
  w.u16(0).u16(1).u16(6).raw({2, 0, 0, 0, 0, 1, 0, 0}).u16(proto).raw(payload);
  return w.b;
}
inline Bytes sll2(uint16_t proto, const Bytes& payload) {
  Writer w;
  w.u16(proto).u16(0).u32(3).u16(1).u8(0).u8(6).raw({2, 0, 0, 0, 0, 1, 0, 0}).raw(payload);
  return w.b;
}

struct GreOpts {
  bool checksum = false;
  bool has_key = false;
  uint32_t key = 0;
  bool has_seq = false;
  uint32_t seq = 0;
};
inline Bytes gre(uint16_t proto, const Bytes& payload, const GreOpts& o = {}) {
  Writer w;
  w.u16(static_cast<uint16_t>((o.checksum ? 0x8000 : 0) | (o.has_key ? 0x2000 : 0) |
                              (o.has_seq ? 0x1000 : 0)));
  w.u16(proto);
  if (o.checksum) w.u32(0);
  if (o.has_key) w.u32(o.key);
  if (o.has_seq) w.u32(o.seq);
  w.raw(payload);
  return w.b;
}

inline Bytes erspan2(uint16_t session, const Bytes& frame) {
  Writer w;
  w.u16(0x1000 | 0x0064).u16(static_cast<uint16_t>(session & 0x3FF)).u32(0x00000007);
  w.raw(frame);
  return w.b;
}
inline Bytes erspan3(uint16_t session, const Bytes& frame, bool platform) {
  Writer w;
  w.u16(0x2000 | 0x0064).u16(static_cast<uint16_t>(session & 0x3FF)).u32(0xCAFEBABE);  // ts
  w.u16(0xABCD).u8(0x00 | 0x01 /*hw id hi*/).u8(platform ? 0x11 : 0x10);
  if (platform) w.u32(0x08000000).u32(0x12345678);
  w.raw(frame);
  return w.b;
}
inline Bytes vxlan(uint32_t vni, const Bytes& frame) {
  Writer w;
  w.u8(0x08).zeros(3).u32(vni << 8).raw(frame);
  return w.b;
}

// Decodes one frame and returns the result; `view` receives the packet. The result owns the
// frame: the view points into it, so a frame built as a temporary in the call stays alive as long
// as the result (moving the result keeps the vector's buffer; do not copy it).
struct Decoded {
  DecodeResult result;
  PacketView view;
  Bytes frame;
};
inline Decoded decode(PacketDecoder& d, Bytes frame, int link = 1, int64_t ts = 1000) {
  Decoded r{};
  r.frame = std::move(frame);
  r.result = d.decode(link, r.frame.data(), static_cast<uint32_t>(r.frame.size()),
                      static_cast<uint32_t>(r.frame.size()), ts, r.view);
  return r;
}

inline std::string payload_text(const PacketView& v) {
  return std::string(reinterpret_cast<const char*>(v.payload), v.payload_len);
}

inline uint64_t error_count(const PacketDecoder& d, DecodeError e) {
  return d.counters().errors[static_cast<size_t>(e)];
}

}  // namespace mirador::test

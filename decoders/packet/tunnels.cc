// Mirror-port tunnels: GRE (RFC 2784/2890), ERSPAN type II/III inside GRE, VXLAN (RFC 7348).
#include <algorithm>

#include "decoders/packet/byte_order.h"
#include "decoders/packet/decode_context.h"

namespace mirador::detail {
namespace {

constexpr uint16_t kGreChecksum = 0x8000, kGreKey = 0x2000, kGreSeq = 0x1000;
// RFC 2784: bits 1 and 4-5 (RFC 1701 routing, strict route, recursion) must be zero.
constexpr uint16_t kGreMustBeZero = 0x4000 | 0x0800 | 0x0400;
constexpr uint16_t kGreVersionMask = 0x0007;
constexpr uint16_t kGreVersionPptp = 1;

constexpr uint16_t kGreIpv4 = 0x0800, kGreIpv6 = 0x86DD, kGreTeb = 0x6558, kGreErspan2 = 0x88BE,
                   kGreErspan3 = 0x22EB;

constexpr uint32_t kErspan2Header = 8, kErspan3Header = 12, kErspan3Platform = 8;
constexpr uint8_t kErspanFrameEthernet = 0, kErspanFrameIp = 2;

constexpr uint32_t kVxlanHeader = 8;
constexpr uint8_t kVxlanFlagI = 0x08;

uint32_t fnv1a32(uint32_t h, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}

uint32_t hash_endpoint(uint32_t h, const IpAddress& a) {
  h = fnv1a32(h, &a.family, 1);
  return fnv1a32(h, a.bytes.data(), a.bytes.size());
}

// Folds one tunnel layer into the context of the enclosing ones. The outer endpoints go in
// sorted, so both directions of a tunnel (and of the inner flow) get the same context.
uint32_t tunnel_hash(const PacketView& o, TunnelKind kind, uint32_t id) {
  uint32_t h = fnv1a32(2166136261u, &o.tunnel_ctx, sizeof o.tunnel_ctx);
  h = fnv1a32(h, &kind, sizeof kind);
  h = fnv1a32(h, &id, sizeof id);
  const auto [lo, hi] = std::minmax(o.src, o.dst);
  h = hash_endpoint(h, lo);
  h = hash_endpoint(h, hi);
  return h == 0 ? 1 : h;  // 0 means "no tunnel"
}

// Enters one more tunnel: the inner packet starts with a clean layer-2/3/4 context.
DecodeResult enter_tunnel(DecodeContext& c, TunnelKind kind, uint32_t id) {
  PacketView& o = c.out;
  if (o.tunnel_depth >= c.cfg().max_tunnel_depth) return c.fail(DecodeError::tunnel_too_deep);
  PacketView inner;
  inner.ts_us = o.ts_us;
  inner.wire_len = o.wire_len;
  inner.cap_len = o.cap_len;
  inner.reassembled = o.reassembled;  // the bytes may live in the defragmenter's buffer
  inner.frag_overlap = o.frag_overlap;
  inner.tunnel = kind;
  inner.tunnel_id = id;
  inner.tunnel_ctx = tunnel_hash(o, kind, id);
  inner.tunnel_depth = static_cast<uint8_t>(o.tunnel_depth + 1);
  o = inner;
  return DecodeResult::ok;
}

// A valid GRE packet whose payload we do not follow is still an IP packet: deliver it as such.
DecodeResult gre_not_followed(DecodeContext& c, const uint8_t* p, uint32_t len) {
  c.out.l4 = L4Proto::other;
  c.out.payload = p;
  c.out.payload_len = len;
  return DecodeResult::ok;
}

DecodeResult decode_erspan(DecodeContext& c, uint16_t gre_proto, bool gre_seq, const uint8_t* p,
                           uint32_t len) {
  ++c.counters().erspan;
  if (gre_proto == kGreErspan2) {
    if (!gre_seq) {
      // Type I: no sequence number and no ERSPAN header, the mirrored frame follows GRE.
      if (const DecodeResult r = enter_tunnel(c, TunnelKind::erspan2, 0); r != DecodeResult::ok) {
        return r;
      }
      return decode_ethernet(c, p, len);
    }
    if (len < kErspan2Header || (p[0] >> 4) != 1) return c.fail(DecodeError::bad_erspan);
    const uint32_t session = load_be16(p + 2) & 0x03FFu;
    if (const DecodeResult r = enter_tunnel(c, TunnelKind::erspan2, session);
        r != DecodeResult::ok) {
      return r;
    }
    return decode_ethernet(c, p + kErspan2Header, len - kErspan2Header);
  }

  if (len < kErspan3Header || (p[0] >> 4) != 2) return c.fail(DecodeError::bad_erspan);
  const uint32_t session = load_be16(p + 2) & 0x03FFu;
  const uint8_t frame_type = (p[10] >> 2) & 0x1F;
  const bool platform = (p[11] & 0x01) != 0;  // O flag: an 8-byte platform subheader follows
  const uint32_t hl = kErspan3Header + (platform ? kErspan3Platform : 0);
  if (len < hl) return c.fail(DecodeError::bad_erspan);
  if (const DecodeResult r = enter_tunnel(c, TunnelKind::erspan3, session); r != DecodeResult::ok) {
    return r;
  }
  switch (frame_type) {
    case kErspanFrameEthernet:
      return decode_ethernet(c, p + hl, len - hl);
    case kErspanFrameIp:
      return decode_ip_by_version(c, p + hl, len - hl);
    default:
      return DecodeResult::not_ip;
  }
}

}  // namespace

DecodeResult decode_gre(DecodeContext& c, const uint8_t* p, uint32_t len) {
  if (len < 4) return c.fail(DecodeError::bad_gre);
  const uint16_t flags = load_be16(p);
  const uint16_t proto = load_be16(p + 2);
  const uint16_t version = flags & kGreVersionMask;
  if (version == kGreVersionPptp) return gre_not_followed(c, p, len);  // PPTP carries PPP
  if (version != 0 || (flags & kGreMustBeZero) != 0) return c.fail(DecodeError::bad_gre);

  uint32_t hl = 4;
  if (flags & kGreChecksum) hl += 4;  // checksum + reserved1
  uint32_t key = 0;
  if (flags & kGreKey) {
    if (len < hl + 4) return c.fail(DecodeError::bad_gre);
    key = load_be32(p + hl);
    hl += 4;
  }
  if (flags & kGreSeq) hl += 4;
  if (len < hl) return c.fail(DecodeError::bad_gre);
  ++c.counters().gre;

  const uint8_t* inner = p + hl;
  const uint32_t inner_len = len - hl;
  switch (proto) {
    case kGreIpv4:
    case kGreIpv6:
    case kGreTeb: {
      if (const DecodeResult r = enter_tunnel(c, TunnelKind::gre, key); r != DecodeResult::ok) {
        return r;
      }
      if (proto == kGreIpv4) return decode_ipv4(c, inner, inner_len);
      if (proto == kGreIpv6) return decode_ipv6(c, inner, inner_len);
      return decode_ethernet(c, inner, inner_len);
    }
    case kGreErspan2:
    case kGreErspan3:
      return decode_erspan(c, proto, (flags & kGreSeq) != 0, inner, inner_len);
    default:
      return gre_not_followed(c, p, len);
  }
}

DecodeResult decode_vxlan(DecodeContext& c, const uint8_t* p, uint32_t len) {
  if (len < kVxlanHeader || (p[0] & kVxlanFlagI) == 0) return c.fail(DecodeError::bad_vxlan);
  const uint32_t vni = load_be32(p + 4) >> 8;
  ++c.counters().vxlan;
  if (const DecodeResult r = enter_tunnel(c, TunnelKind::vxlan, vni); r != DecodeResult::ok) {
    return r;
  }
  return decode_ethernet(c, p + kVxlanHeader, len - kVxlanHeader);
}

}  // namespace mirador::detail

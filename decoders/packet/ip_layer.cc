// IPv4 (options, lengths, fragments) and IPv6 (extension header chain, fragments).
#include "decoders/packet/byte_order.h"
#include "decoders/packet/decode_context.h"

namespace mirador::detail {
namespace {

constexpr uint32_t kIpv4MinHeader = 20;
constexpr uint32_t kIpv6Header = 40;

constexpr uint8_t kOptEnd = 0, kOptNop = 1;

constexpr uint8_t kIp6HopByHop = 0, kIp6Routing = 43, kIp6Fragment = 44, kIp6Esp = 50, kIp6Ah = 51,
                  kIp6NoNext = 59, kIp6DestOpts = 60;

bool ipv4_options_valid(const uint8_t* opt, uint32_t len) {
  uint32_t i = 0;
  while (i < len) {
    const uint8_t type = opt[i];
    if (type == kOptEnd) break;
    if (type == kOptNop) {
      ++i;
      continue;
    }
    if (i + 1 >= len) return false;
    const uint8_t olen = opt[i + 1];
    if (olen < 2 || olen > len - i) return false;
    i += olen;
  }
  return true;
}

FragKey frag_key(const DecodeContext& c, uint32_t id, uint8_t proto) {
  FragKey k;
  k.src = c.out.src;
  k.dst = c.out.dst;
  k.id = id;
  k.tunnel_ctx = c.out.tunnel_ctx;
  k.vlan = static_cast<uint32_t>(c.out.vlan[0]) << 16 | c.out.vlan[1];
  k.proto = proto;
  return k;
}

// Hands a fragment to the defragmenter. On completion, `payload`/`len` point at the rebuilt
// fragmentable part and the caller decodes it like an unfragmented payload.
DecodeResult add_fragment(DecodeContext& c, const FragKey& key, uint32_t offset, bool more,
                          const uint8_t*& payload, uint32_t& len, uint32_t header_len) {
  ++c.counters().fragments;
  const DefragResult r = c.defrag().add(key, offset, more, payload, len, header_len, c.out.ts_us);
  if (r.overlap) ++c.counters().errors[static_cast<size_t>(DecodeError::frag_overlap)];
  switch (r.status) {
    case DefragStatus::pending:
      return DecodeResult::fragment_pending;
    case DefragStatus::dropped:
      return c.fail(r.error);
    case DefragStatus::complete:
      break;
  }
  ++c.counters().reassembled;
  c.out.reassembled = true;
  c.out.frag_overlap = r.datagram_overlap;
  payload = r.data;
  len = r.len;
  return DecodeResult::ok;
}

// Walks the IPv6 extension headers from `nh` to the transport. Every header is bounds-checked
// and consumes at least 8 bytes, so the walk ends. `reassembled`: `p` is a rebuilt fragmentable
// part, in which a second fragment header is invalid.
DecodeResult ipv6_chain(DecodeContext& c, uint8_t nh, const uint8_t* p, uint32_t len,
                        uint32_t header_len, bool reassembled) {
  for (;;) {
    switch (nh) {
      case kIp6HopByHop:
      case kIp6Routing:
      case kIp6DestOpts:
      case kIp6Ah: {
        if (len < 8) return c.fail(DecodeError::bad_ipv6_ext_header);
        const uint32_t hlen = nh == kIp6Ah ? (p[1] + 2u) * 4u : (p[1] + 1u) * 8u;
        if (hlen > len) return c.fail(DecodeError::bad_ipv6_ext_header);
        nh = p[0];
        p += hlen;
        len -= hlen;
        header_len += hlen;
        continue;
      }
      case kIp6Fragment: {
        if (len < 8 || reassembled) return c.fail(DecodeError::bad_ipv6_ext_header);
        const uint8_t next = p[0];
        const uint32_t offset = load_be16(p + 2) & 0xFFF8u;
        const bool more = (p[3] & 0x01) != 0;
        const uint32_t id = load_be32(p + 4);
        p += 8;
        len -= 8;
        header_len += 8;
        nh = next;
        if (offset == 0 && !more) continue;  // atomic fragment (RFC 6946): not fragmented
        if (more && len == 0) return c.fail(DecodeError::bad_ipv6_ext_header);
        const DecodeResult r =
            add_fragment(c, frag_key(c, id, next), offset, more, p, len, header_len);
        if (r != DecodeResult::ok) return r;
        reassembled = true;
        continue;
      }
      case kIp6NoNext:
      case kIp6Esp:
        c.out.ip_proto = nh;
        c.out.l4 = L4Proto::other;
        c.out.payload = p;
        c.out.payload_len = len;
        return DecodeResult::ok;
      default:
        return decode_l4(c, nh, p, len);
    }
  }
}

}  // namespace

DecodeResult decode_ipv4(DecodeContext& c, const uint8_t* p, uint32_t len) {
  if (len < kIpv4MinHeader || (p[0] >> 4) != 4) return c.fail(DecodeError::bad_ipv4_header);
  const uint32_t ihl = (p[0] & 0x0Fu) * 4u;
  if (ihl < kIpv4MinHeader || ihl > len) return c.fail(DecodeError::bad_ipv4_header);
  const uint32_t total = load_be16(p + 2);
  // A datagram longer than the capture is rejected rather than half-delivered; shorter means
  // link-layer padding (Ethernet pads to 60 bytes), which is trimmed.
  if (total < ihl || total > len) return c.fail(DecodeError::bad_ipv4_length);
  if (!ipv4_options_valid(p + kIpv4MinHeader, ihl - kIpv4MinHeader)) {
    return c.fail(DecodeError::bad_ipv4_options);
  }

  PacketView& o = c.out;
  o.ip_version = 4;
  o.src = IpAddress::v4(p + 12);
  o.dst = IpAddress::v4(p + 16);
  o.ttl = p[8];
  o.ip_proto = p[9];

  const uint8_t* payload = p + ihl;
  uint32_t plen = total - ihl;
  const uint16_t frag = load_be16(p + 6);
  const uint32_t offset = (frag & 0x1FFFu) * 8u;
  const bool more = (frag & 0x2000u) != 0;
  if (more || offset != 0) {
    if (more && plen == 0) return c.fail(DecodeError::bad_ipv4_length);
    const DecodeResult r = add_fragment(c, frag_key(c, load_be16(p + 4), o.ip_proto), offset, more,
                                        payload, plen, ihl);
    if (r != DecodeResult::ok) return r;
  }
  return decode_l4(c, o.ip_proto, payload, plen);
}

DecodeResult decode_ipv6(DecodeContext& c, const uint8_t* p, uint32_t len) {
  if (len < kIpv6Header || (p[0] >> 4) != 6) return c.fail(DecodeError::bad_ipv6_header);
  const uint32_t plen = load_be16(p + 4);
  // Same rule as IPv4: longer than captured is rejected, shorter is padding and trimmed.
  if (plen > len - kIpv6Header) return c.fail(DecodeError::bad_ipv6_header);

  PacketView& o = c.out;
  o.ip_version = 6;
  o.src = IpAddress::v6(p + 8);
  o.dst = IpAddress::v6(p + 24);
  o.ttl = p[7];
  return ipv6_chain(c, p[6], p + kIpv6Header, plen, kIpv6Header, false);
}

}  // namespace mirador::detail

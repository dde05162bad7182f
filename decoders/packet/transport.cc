// TCP and UDP headers, and the hand-off of GRE and VXLAN payloads to the tunnel decoders.
#include "decoders/packet/byte_order.h"
#include "decoders/packet/decode_context.h"

namespace mirador::detail {
namespace {

constexpr uint8_t kProtoTcp = 6, kProtoUdp = 17, kProtoGre = 47;
constexpr uint32_t kTcpMinHeader = 20;
constexpr uint32_t kUdpHeader = 8;

DecodeResult decode_tcp(DecodeContext& c, const uint8_t* p, uint32_t len) {
  if (len < kTcpMinHeader) return c.fail(DecodeError::truncated_tcp);
  const uint32_t off = (p[12] >> 4) * 4u;
  if (off < kTcpMinHeader || off > len) return c.fail(DecodeError::bad_tcp_offset);
  PacketView& o = c.out;
  o.l4 = L4Proto::tcp;
  o.sport = load_be16(p);
  o.dport = load_be16(p + 2);
  o.seq = load_be32(p + 4);
  o.ack = load_be32(p + 8);
  o.tcp_flags = p[13];
  o.window = load_be16(p + 14);
  o.payload = p + off;
  o.payload_len = len - off;
  return DecodeResult::ok;
}

DecodeResult decode_udp(DecodeContext& c, const uint8_t* p, uint32_t len) {
  if (len < kUdpHeader) return c.fail(DecodeError::truncated_udp);
  const uint32_t ulen = load_be16(p + 4);
  if (ulen < kUdpHeader || ulen > len) return c.fail(DecodeError::bad_udp_length);
  PacketView& o = c.out;
  o.l4 = L4Proto::udp;
  o.sport = load_be16(p);
  o.dport = load_be16(p + 2);
  o.payload = p + kUdpHeader;
  o.payload_len = ulen - kUdpHeader;
  const uint16_t vxlan_port = c.cfg().vxlan_port;
  if (vxlan_port != 0 && o.dport == vxlan_port) return decode_vxlan(c, o.payload, o.payload_len);
  return DecodeResult::ok;
}

}  // namespace

DecodeResult decode_l4(DecodeContext& c, uint8_t proto, const uint8_t* p, uint32_t len) {
  c.out.ip_proto = proto;
  switch (proto) {
    case kProtoTcp:
      return decode_tcp(c, p, len);
    case kProtoUdp:
      return decode_udp(c, p, len);
    case kProtoGre:
      return decode_gre(c, p, len);
    default:
      // Not a transport we follow (ICMP, ESP, SCTP…): the payload is the rest of the datagram.
      c.out.l4 = L4Proto::other;
      c.out.payload = p;
      c.out.payload_len = len;
      return DecodeResult::ok;
  }
}

}  // namespace mirador::detail

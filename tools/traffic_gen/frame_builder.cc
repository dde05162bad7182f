#include "tools/traffic_gen/frame_builder.h"

#include <cstring>

#include "tools/traffic_gen/checksum.h"

namespace mirador::gen {
namespace {

constexpr size_t kEthLen = 14;
constexpr size_t kVlanLen = 4;
constexpr size_t kIpLen = 20;
constexpr size_t kTcpLen = 20;
constexpr size_t kSynOptionsLen = 12;
// Outer Ethernet + IPv4 + (GRE with sequence 8 + ERSPAN II 8 | UDP 8 + VXLAN 8): both 50 bytes.
constexpr size_t kTunnelLen = kEthLen + kIpLen + 16;
constexpr uint16_t kVxlanPort = 4789;

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v >> 16));
  put16(p + 2, static_cast<uint16_t>(v));
}

// IPv4 header without options; returns the header's checksum already stored.
void write_ipv4(uint8_t* p, uint32_t src, uint32_t dst, uint8_t proto, uint16_t total_len,
                uint16_t id, uint8_t ttl) {
  p[0] = 0x45;
  p[1] = 0;
  put16(p + 2, total_len);
  put16(p + 4, id);
  put16(p + 6, 0x4000);  // don't fragment
  p[8] = ttl;
  p[9] = proto;
  put16(p + 10, 0);
  put32(p + 12, src);
  put32(p + 16, dst);
  put16(p + 10, checksum_finish(checksum_add(0, p, kIpLen)));
}

void write_mac_header(uint8_t* p, const std::array<uint8_t, 6>& dst,
                      const std::array<uint8_t, 6>& src) {
  std::memcpy(p, dst.data(), 6);
  std::memcpy(p + 6, src.data(), 6);
}

}  // namespace

FrameBuilder::FrameBuilder(Encapsulation encap, uint32_t max_payload)
    : encap_(encap),
      outer_len_(encap.tunnel == Tunnel::kNone ? 0 : kTunnelLen),
      buf_(kTunnelLen + kEthLen + kVlanLen + kIpLen + kTcpLen + kSynOptionsLen + max_payload) {}

std::span<const uint8_t> FrameBuilder::build(const Endpoint& src, const Endpoint& dst,
                                             const Segment& seg) {
  uint8_t* const frame = buf_.data() + outer_len_;
  uint8_t* p = frame;
  write_mac_header(p, dst.mac, src.mac);
  p += 12;
  if (encap_.vlan != 0) {
    put16(p, 0x8100);
    put16(p + 2, encap_.vlan & 0x0fff);
    p += 4;
  }
  put16(p, 0x0800);
  p += 2;

  const size_t tcp_hdr = kTcpLen + (seg.syn_options ? kSynOptionsLen : 0);
  const size_t tcp_len = tcp_hdr + seg.payload_len;
  uint8_t* ip = p;
  write_ipv4(ip, src.ip, dst.ip, 6, static_cast<uint16_t>(kIpLen + tcp_len), seg.ip_id, seg.ttl);

  uint8_t* tcp = ip + kIpLen;
  put16(tcp, src.port);
  put16(tcp + 2, dst.port);
  put32(tcp + 4, seg.seq);
  put32(tcp + 8, seg.ack);
  tcp[12] = static_cast<uint8_t>((tcp_hdr / 4) << 4);
  tcp[13] = seg.flags;
  put16(tcp + 14, seg.window);
  put16(tcp + 16, 0);  // checksum, filled below
  put16(tcp + 18, 0);  // urgent pointer
  if (seg.syn_options) {
    uint8_t* o = tcp + kTcpLen;
    o[0] = 2;  // MSS
    o[1] = 4;
    put16(o + 2, seg.mss);
    o[4] = 1;  // NOP
    o[5] = 3;  // window scale 7
    o[6] = 3;
    o[7] = 7;
    o[8] = 1;  // NOP, NOP, SACK permitted
    o[9] = 1;
    o[10] = 4;
    o[11] = 2;
  }
  if (seg.payload_len) std::memcpy(tcp + tcp_hdr, seg.payload, seg.payload_len);

  uint8_t pseudo[12];
  put32(pseudo, src.ip);
  put32(pseudo + 4, dst.ip);
  pseudo[8] = 0;
  pseudo[9] = 6;
  put16(pseudo + 10, static_cast<uint16_t>(tcp_len));
  uint64_t acc = checksum_add(0, pseudo, sizeof pseudo);
  acc = checksum_add(acc, tcp, tcp_len);
  put16(tcp + 16, checksum_finish(acc));

  const size_t inner_len = static_cast<size_t>(tcp + tcp_len - frame);
  if (encap_.tunnel == Tunnel::kNone) return {frame, inner_len};
  // Symmetric in the two directions, so both halves of a connection share one outer UDP flow.
  const uint32_t flow_hash = (src.ip ^ dst.ip) * 2654435761u ^ (src.port ^ dst.port);
  return {buf_.data(), write_tunnel(inner_len, flow_hash)};
}

size_t FrameBuilder::write_tunnel(size_t inner_len, uint32_t flow_hash) {
  static constexpr std::array<uint8_t, 6> kMirrorMac = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
  static constexpr std::array<uint8_t, 6> kCollectorMac = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x02};
  uint8_t* p = buf_.data();
  write_mac_header(p, kCollectorMac, kMirrorMac);
  put16(p + 12, 0x0800);
  uint8_t* ip = p + kEthLen;
  uint8_t* l4 = ip + kIpLen;
  const size_t ip_total = kIpLen + 16 + inner_len;
  if (encap_.tunnel == Tunnel::kErspan) {
    write_ipv4(ip, kTunnelSrcIp, kTunnelDstIp, 47, static_cast<uint16_t>(ip_total), outer_ip_id_++,
               64);
    put16(l4, 0x1000);  // GRE: sequence number present (this is what marks ERSPAN type II)
    put16(l4 + 2, 0x88be);
    put32(l4 + 4, gre_seq_++);
    uint8_t* e = l4 + 8;
    // Ver=1 | VLAN(12) ; COS(3) En(2) T(1) SessionID(10) ; Reserved(12) Index(20)
    const uint16_t en = encap_.vlan ? 3 : 0;  // 3 = original VLAN tag kept in the frame
    put16(e, static_cast<uint16_t>((1u << 12) | (encap_.vlan & 0x0fff)));
    put16(e + 2, static_cast<uint16_t>((en << 11) | (encap_.tunnel_id & 0x03ff)));
    put32(e + 4, 0);
  } else {
    write_ipv4(ip, kTunnelSrcIp, kTunnelDstIp, 17, static_cast<uint16_t>(ip_total), outer_ip_id_++,
               64);
    // Source port from the inner flow (as VTEPs do for ECMP entropy); checksum 0 is allowed
    // for VXLAN over IPv4 (RFC 7348).
    put16(l4, static_cast<uint16_t>(49152 + flow_hash % 16384));
    put16(l4 + 2, kVxlanPort);
    put16(l4 + 4, static_cast<uint16_t>(8 + 8 + inner_len));
    put16(l4 + 6, 0);
    uint8_t* v = l4 + 8;
    v[0] = 0x08;  // I flag: VNI valid
    v[1] = v[2] = v[3] = 0;
    put32(v + 4, (encap_.tunnel_id & 0xffffff) << 8);
  }
  return outer_len_ + inner_len;
}

}  // namespace mirador::gen

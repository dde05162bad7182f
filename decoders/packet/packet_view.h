// PacketView: one decoded packet. Pointers refer into the capture buffer (or into the
// defragmenter's buffer for a reassembled datagram) and are valid only until the next call to
// PacketDecoder::decode. Nothing here owns bytes.
#pragma once

#include <cstdint>

#include "decoders/packet/ip_address.h"

namespace mirador {

// The encapsulation that delivered the innermost packet. The sensor keeps flows of different
// tunnels (and of the outer network) apart by putting `tunnel_ctx` in the flow key.
enum class TunnelKind : uint8_t { none = 0, gre, erspan2, erspan3, vxlan };
const char* tunnel_kind_name(TunnelKind k);

enum class L4Proto : uint8_t { other = 0, tcp = 6, udp = 17 };

namespace tcp_flag {
inline constexpr uint8_t fin = 0x01, syn = 0x02, rst = 0x04, psh = 0x08, ack = 0x10, urg = 0x20;
}

struct PacketView {
  int64_t ts_us = 0;      // capture time, microseconds since the epoch
  uint32_t wire_len = 0;  // length of the frame on the wire (outermost)
  uint32_t cap_len = 0;   // bytes captured (outermost)

  // Layer 2 context of the innermost packet. VLAN ids outermost first (QinQ gives two).
  uint16_t vlan[2] = {0, 0};
  uint8_t vlan_count = 0;
  uint8_t mpls_labels = 0;  // number of MPLS labels popped

  // Innermost tunnel, if any.
  TunnelKind tunnel = TunnelKind::none;
  uint32_t tunnel_id = 0;   // VXLAN VNI, ERSPAN session id, GRE key (0 when absent)
  uint32_t tunnel_ctx = 0;  // hash of every enclosing tunnel (kind, id, outer endpoints); 0 = none
  uint8_t tunnel_depth = 0;

  // Innermost IP layer.
  uint8_t ip_version = 0;  // 4 or 6
  IpAddress src, dst;
  uint8_t ip_proto = 0;  // IPPROTO_* of the transport (after IPv6 extension headers)
  uint8_t ttl = 0;
  bool reassembled = false;   // this datagram was rebuilt from IP fragments
  bool frag_overlap = false;  // ...from fragments that overlapped with different bytes

  // Transport.
  L4Proto l4 = L4Proto::other;
  uint16_t sport = 0, dport = 0;
  uint32_t seq = 0, ack = 0;  // TCP only
  uint8_t tcp_flags = 0;      // TCP only
  uint16_t window = 0;        // TCP only

  const uint8_t* payload = nullptr;  // transport payload (TCP/UDP data)
  uint32_t payload_len = 0;
};

}  // namespace mirador

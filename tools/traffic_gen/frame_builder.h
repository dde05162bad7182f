// Builds complete Ethernet frames for TCP segments, optionally VLAN-tagged and wrapped in an
// ERSPAN type II (GRE) or VXLAN tunnel, with correct IPv4 and TCP checksums.
//
// One buffer is reused for every frame: the returned span is valid until the next build().
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace mirador::gen {

namespace tcp_flag {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
}  // namespace tcp_flag

struct Endpoint {
  uint32_t ip = 0;  // host byte order
  uint16_t port = 0;
  std::array<uint8_t, 6> mac{};
};

struct Segment {
  uint8_t flags = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t window = 0;
  uint16_t ip_id = 0;
  uint8_t ttl = 64;
  bool syn_options = false;  // MSS, SACK-permitted and window-scale options of a SYN
  uint16_t mss = 1460;       // value of the MSS option
  const uint8_t* payload = nullptr;
  uint32_t payload_len = 0;
};

enum class Tunnel : uint8_t { kNone, kErspan, kVxlan };

struct Encapsulation {
  uint16_t vlan = 0;  // 0 = untagged; otherwise the 802.1Q VLAN id of the inner frame
  Tunnel tunnel = Tunnel::kNone;
  uint32_t tunnel_id = 0;  // ERSPAN session id (10 bits) or VXLAN VNI (24 bits)
};

class FrameBuilder {
 public:
  // `max_payload` bounds Segment::payload_len; the buffer is sized once for it.
  FrameBuilder(Encapsulation encap, uint32_t max_payload);

  std::span<const uint8_t> build(const Endpoint& src, const Endpoint& dst, const Segment& seg);

  // Outer tunnel addresses: a mirror source and a collector, both in 198.18.0.0/15.
  static constexpr uint32_t kTunnelSrcIp = 0xC613FF01;  // 198.19.255.1
  static constexpr uint32_t kTunnelDstIp = 0xC613FF02;  // 198.19.255.2

 private:
  size_t write_tunnel(size_t inner_len, uint32_t flow_hash);

  Encapsulation encap_;
  size_t outer_len_;  // bytes reserved in front of the inner frame for the tunnel headers
  std::vector<uint8_t> buf_;
  uint32_t gre_seq_ = 0;
  uint16_t outer_ip_id_ = 0;
};

}  // namespace mirador::gen

// PacketDecoder: frame bytes → PacketView, through link layer, VLAN/QinQ, MPLS, IPv4/IPv6
// (options, extension headers, fragments), the mirror-port tunnels (GRE, ERSPAN II/III,
// VXLAN on UDP 4789) and TCP/UDP. Pure: no I/O, no threads. One instance per worker.
//
// Malformed input is never fatal: decode() returns a result, and every reason is counted.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "decoders/packet/packet_view.h"

namespace mirador {

// pcap link types the decoder understands (values are the DLT_* numbers of pcap).
enum class LinkType : int {
  null_loopback = 0,  // DLT_NULL (BSD loopback), accepted for convenience
  ethernet = 1,       // DLT_EN10MB
  raw = 12,           // DLT_RAW on Linux / OpenBSD mapping
  raw_ip = 101,       // LINKTYPE_RAW
  linux_sll = 113,    // DLT_LINUX_SLL
  ipv4 = 228,         // LINKTYPE_IPV4
  ipv6 = 229,         // LINKTYPE_IPV6
  linux_sll2 = 276,   // DLT_LINUX_SLL2
};
bool link_type_supported(int dlt);

enum class DecodeResult : uint8_t {
  ok,                // view filled with an IP packet (l4 may be `other`)
  fragment_pending,  // an IP fragment was stored; nothing to deliver yet
  not_ip,            // a valid frame that carries no IP (ARP, LLDP…): counted, skipped
  malformed,         // counted under a DecodeError reason, skipped
};

// Why a packet was rejected or only partly decoded. Names are stable: they appear in stats.
enum class DecodeError : uint8_t {
  truncated_l2,
  truncated_vlan,
  truncated_mpls,
  bad_ipv4_header,
  bad_ipv4_length,
  bad_ipv4_options,
  bad_ipv6_header,
  bad_ipv6_ext_header,
  truncated_tcp,
  bad_tcp_offset,
  truncated_udp,
  bad_udp_length,
  bad_gre,
  bad_erspan,
  bad_vxlan,
  tunnel_too_deep,
  unsupported_link_type,
  frag_overlap,  // overlapping fragments whose bytes differ (evasion hint); first wins
  frag_too_big,  // reassembled datagram would exceed 65535 bytes
  frag_memcap,   // fragment dropped: defragmenter memory cap reached
  frag_timeout,  // incomplete datagram expired
  count_
};
inline constexpr size_t kDecodeErrorCount = static_cast<size_t>(DecodeError::count_);
std::string_view decode_error_name(DecodeError e);

struct DecodeCounters {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t ipv4 = 0, ipv6 = 0, tcp = 0, udp = 0, other_l4 = 0, not_ip = 0;
  uint64_t vlan = 0, mpls = 0, gre = 0, erspan = 0, vxlan = 0;
  uint64_t fragments = 0, reassembled = 0;
  std::array<uint64_t, kDecodeErrorCount> errors{};
};

struct PacketDecoderConfig {
  uint32_t max_tunnel_depth = 4;
  size_t defrag_memcap = 32u << 20;        // bytes held in incomplete datagrams
  uint32_t defrag_max_datagrams = 8192;    // concurrent incomplete datagrams
  int64_t defrag_timeout_us = 30'000'000;  // incomplete datagram lifetime
  uint16_t vxlan_port = 4789;
};

class IpDefragmenter;

class PacketDecoder {
 public:
  explicit PacketDecoder(const PacketDecoderConfig& cfg = {});
  ~PacketDecoder();
  PacketDecoder(const PacketDecoder&) = delete;
  PacketDecoder& operator=(const PacketDecoder&) = delete;

  // Decodes one frame of the given pcap link type. On `ok` the view is filled.
  DecodeResult decode(int link_type, const uint8_t* data, uint32_t cap_len, uint32_t wire_len,
                      int64_t ts_us, PacketView& out);

  // Drops incomplete fragment sets older than the timeout (counted as frag_timeout).
  void expire(int64_t now_us);

  const DecodeCounters& counters() const { return counters_; }
  // The reason of the latest `malformed` result (for logs and tests).
  DecodeError last_error() const { return last_error_; }
  size_t defrag_bytes() const;

 private:
  PacketDecoderConfig cfg_;
  DecodeCounters counters_;
  std::unique_ptr<IpDefragmenter> defrag_;
  DecodeError last_error_{};
  // Implementation helpers live in packet_decoder.cc.
  friend struct DecodeContext;
};

}  // namespace mirador

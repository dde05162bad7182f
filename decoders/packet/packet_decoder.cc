// PacketDecoder: entry point, result accounting and the stable names of counters.
#include "decoders/packet/packet_decoder.h"

#include "decoders/packet/decode_context.h"
#include "decoders/packet/ip_defrag.h"

namespace mirador {

bool link_type_supported(int dlt) {
  switch (static_cast<LinkType>(dlt)) {
    case LinkType::null_loopback:
    case LinkType::ethernet:
    case LinkType::raw:
    case LinkType::raw_ip:
    case LinkType::linux_sll:
    case LinkType::ipv4:
    case LinkType::ipv6:
    case LinkType::linux_sll2:
      return true;
  }
  return false;
}

std::string_view decode_error_name(DecodeError e) {
  switch (e) {
    case DecodeError::truncated_l2:
      return "truncated_l2";
    case DecodeError::truncated_vlan:
      return "truncated_vlan";
    case DecodeError::truncated_mpls:
      return "truncated_mpls";
    case DecodeError::bad_ipv4_header:
      return "bad_ipv4_header";
    case DecodeError::bad_ipv4_length:
      return "bad_ipv4_length";
    case DecodeError::bad_ipv4_options:
      return "bad_ipv4_options";
    case DecodeError::bad_ipv6_header:
      return "bad_ipv6_header";
    case DecodeError::bad_ipv6_ext_header:
      return "bad_ipv6_ext_header";
    case DecodeError::truncated_tcp:
      return "truncated_tcp";
    case DecodeError::bad_tcp_offset:
      return "bad_tcp_offset";
    case DecodeError::truncated_udp:
      return "truncated_udp";
    case DecodeError::bad_udp_length:
      return "bad_udp_length";
    case DecodeError::bad_gre:
      return "bad_gre";
    case DecodeError::bad_erspan:
      return "bad_erspan";
    case DecodeError::bad_vxlan:
      return "bad_vxlan";
    case DecodeError::tunnel_too_deep:
      return "tunnel_too_deep";
    case DecodeError::unsupported_link_type:
      return "unsupported_link_type";
    case DecodeError::frag_overlap:
      return "frag_overlap";
    case DecodeError::frag_too_big:
      return "frag_too_big";
    case DecodeError::frag_memcap:
      return "frag_memcap";
    case DecodeError::frag_timeout:
      return "frag_timeout";
    case DecodeError::count_:
      break;
  }
  return "unknown";
}

PacketDecoder::PacketDecoder(const PacketDecoderConfig& cfg)
    : cfg_(cfg), defrag_(std::make_unique<IpDefragmenter>(cfg)) {}

PacketDecoder::~PacketDecoder() = default;

size_t PacketDecoder::defrag_bytes() const {
  return defrag_->bytes();
}

void PacketDecoder::expire(int64_t now_us) {
  counters_.errors[static_cast<size_t>(DecodeError::frag_timeout)] += defrag_->expire(now_us);
}

DecodeResult PacketDecoder::decode(int link_type, const uint8_t* data, uint32_t cap_len,
                                   uint32_t wire_len, int64_t ts_us, PacketView& out) {
  out = PacketView{};
  out.ts_us = ts_us;
  out.wire_len = wire_len;
  out.cap_len = cap_len;
  ++counters_.packets;
  counters_.bytes += wire_len;
  // Stale fragment sets go first, so held memory is bounded in time even if the caller never
  // calls expire(); it costs one comparison when nothing is due.
  if (defrag_->datagrams() != 0) expire(ts_us);

  static constexpr uint8_t kNoBytes[1] = {0};
  if (data == nullptr) {
    data = kNoBytes;
    cap_len = 0;
  }
  DecodeContext c{*this, out};
  const DecodeResult r = detail::decode_link(c, link_type, data, cap_len);
  if (c.saw_vlan) ++counters_.vlan;
  if (c.saw_mpls) ++counters_.mpls;
  switch (r) {
    case DecodeResult::ok:
      ++(out.ip_version == 4 ? counters_.ipv4 : counters_.ipv6);
      ++(out.l4 == L4Proto::tcp   ? counters_.tcp
         : out.l4 == L4Proto::udp ? counters_.udp
                                  : counters_.other_l4);
      break;
    case DecodeResult::not_ip:
      ++counters_.not_ip;
      break;
    case DecodeResult::malformed:
      last_error_ = c.error;
      ++counters_.errors[static_cast<size_t>(c.error)];
      break;
    case DecodeResult::fragment_pending:
      break;  // counted in `fragments` when stored
  }
  return r;
}

}  // namespace mirador

// Internal: the state of one PacketDecoder::decode() call, handed from layer to layer. Each layer
// lives in its own file and forwards the rest of the frame by a key (DLT, ethertype, IP protocol,
// GRE protocol, UDP port) to the next, like Zeek's packet analyzers.
#pragma once

#include <cstdint>

#include "decoders/packet/ip_defrag.h"
#include "decoders/packet/packet_decoder.h"

namespace mirador {

struct DecodeContext {
  PacketDecoder& dec;
  PacketView& out;
  DecodeError error{};
  bool saw_vlan = false;  // counted once per frame, whatever the layer
  bool saw_mpls = false;

  const PacketDecoderConfig& cfg() const { return dec.cfg_; }
  DecodeCounters& counters() { return dec.counters_; }
  IpDefragmenter& defrag() { return *dec.defrag_; }

  DecodeResult fail(DecodeError e) {
    error = e;
    return DecodeResult::malformed;
  }
};

namespace detail {

// link_layer.cc
DecodeResult decode_link(DecodeContext& c, int link_type, const uint8_t* p, uint32_t len);
DecodeResult decode_ethernet(DecodeContext& c, const uint8_t* p, uint32_t len);
DecodeResult decode_ethertype(DecodeContext& c, uint16_t type, const uint8_t* p, uint32_t len);

// ip_layer.cc
DecodeResult decode_ipv4(DecodeContext& c, const uint8_t* p, uint32_t len);
DecodeResult decode_ipv6(DecodeContext& c, const uint8_t* p, uint32_t len);
DecodeResult decode_ip_by_version(DecodeContext& c, const uint8_t* p, uint32_t len);

// transport.cc: `p` is the IP payload of protocol `proto`.
DecodeResult decode_l4(DecodeContext& c, uint8_t proto, const uint8_t* p, uint32_t len);

// tunnels.cc
DecodeResult decode_gre(DecodeContext& c, const uint8_t* p, uint32_t len);
DecodeResult decode_vxlan(DecodeContext& c, const uint8_t* p, uint32_t len);

}  // namespace detail
}  // namespace mirador

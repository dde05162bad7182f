// FlowKey: what identifies a connection in the flow table. Canonical (the lower endpoint first)
// so both directions of a connection map to the same key and the same symmetric hash; VLAN ids
// and the tunnel context are part of it, so flows of different VLANs or tunnels stay apart even
// when their inner 5-tuples are equal.
#pragma once

#include <cstdint>

#include "decoders/packet/packet_view.h"

namespace mirador {

struct FlowKey {
  IpAddress lo_ip, hi_ip;
  uint16_t lo_port = 0, hi_port = 0;
  uint8_t proto = 0;
  uint8_t vlan_count = 0;
  uint16_t vlan[2] = {0, 0};
  uint32_t tunnel_ctx = 0;

  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

// Builds the canonical key of a packet; `side` receives 0 when the packet travels from the lo
// endpoint to the hi endpoint, 1 otherwise.
FlowKey make_flow_key(const PacketView& p, uint8_t& side);

// Symmetric by construction (the key is canonical). Also what a dispatcher shards workers on.
uint64_t flow_hash(const FlowKey& k);

}  // namespace mirador

#include "sensor/flow_key.h"

#include <cstring>

namespace mirador {

namespace {

// Endpoint order: address bytes, then port. Deterministic and independent of packet direction.
bool endpoint_less(const IpAddress& a, uint16_t ap, const IpAddress& b, uint16_t bp) {
  int c = std::memcmp(a.bytes.data(), b.bytes.data(), a.bytes.size());
  if (c != 0) return c < 0;
  return ap < bp;
}

inline uint64_t mix(uint64_t h, uint64_t v) {
  // One round of a multiply-xorshift mixer: fast, good avalanche for table indexing.
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 31);
}

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace

FlowKey make_flow_key(const PacketView& p, uint8_t& side) {
  FlowKey k;
  k.proto = p.ip_proto;
  k.vlan_count = p.vlan_count;
  k.vlan[0] = p.vlan[0];
  k.vlan[1] = p.vlan[1];
  k.tunnel_ctx = p.tunnel_ctx;
  if (endpoint_less(p.dst, p.dport, p.src, p.sport)) {
    k.lo_ip = p.dst, k.lo_port = p.dport, k.hi_ip = p.src, k.hi_port = p.sport;
    side = 1;
  } else {
    k.lo_ip = p.src, k.lo_port = p.sport, k.hi_ip = p.dst, k.hi_port = p.dport;
    side = 0;
  }
  return k;
}

uint64_t flow_hash(const FlowKey& k) {
  uint64_t h = 0x51afd7ed558ccd3ULL;
  h = mix(h, load64(k.lo_ip.bytes.data()));
  h = mix(h, load64(k.lo_ip.bytes.data() + 8));
  h = mix(h, load64(k.hi_ip.bytes.data()));
  h = mix(h, load64(k.hi_ip.bytes.data() + 8));
  h = mix(h, (uint64_t{k.lo_port} << 48) | (uint64_t{k.hi_port} << 32) | (uint64_t{k.proto} << 24) |
                 k.vlan_count);
  h = mix(h, (uint64_t{k.vlan[0]} << 48) | (uint64_t{k.vlan[1]} << 32) | k.tunnel_ctx);
  return h;
}

}  // namespace mirador

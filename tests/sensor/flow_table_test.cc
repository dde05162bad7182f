#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <vector>

#include "sensor/flow_key.h"
#include "sensor/flow_table.h"

using namespace mirador;

namespace {

PacketView tcp_packet(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport) {
  PacketView p;
  uint8_t a[4] = {198, 18, static_cast<uint8_t>(src >> 8), static_cast<uint8_t>(src)};
  uint8_t b[4] = {198, 19, static_cast<uint8_t>(dst >> 8), static_cast<uint8_t>(dst)};
  p.src = IpAddress::v4(a);
  p.dst = IpAddress::v4(b);
  p.sport = sport;
  p.dport = dport;
  p.ip_proto = 6;
  p.l4 = L4Proto::tcp;
  return p;
}

FlowKey key_of(const PacketView& p) {
  uint8_t side;
  return make_flow_key(p, side);
}

}  // namespace

TEST_CASE("both directions of a connection share one key and hash") {
  PacketView ab = tcp_packet(1, 40000, 2, 80);
  PacketView ba = tcp_packet(0, 0, 0, 0);
  ba.src = ab.dst, ba.dst = ab.src, ba.sport = ab.dport, ba.dport = ab.sport;
  uint8_t s1 = 9, s2 = 9;
  FlowKey k1 = make_flow_key(ab, s1);
  FlowKey k2 = make_flow_key(ba, s2);
  CHECK(k1 == k2);
  CHECK(flow_hash(k1) == flow_hash(k2));
  CHECK(s1 != s2);
}

TEST_CASE("VLAN and tunnel context keep equal 5-tuples apart") {
  PacketView p = tcp_packet(1, 40000, 2, 80);
  FlowKey plain = key_of(p);
  p.vlan_count = 1;
  p.vlan[0] = 100;
  FlowKey vlan = key_of(p);
  p.vlan_count = 0;
  p.vlan[0] = 0;
  p.tunnel_ctx = 0xabcdef;
  FlowKey tunnel = key_of(p);
  CHECK_FALSE(plain == vlan);
  CHECK_FALSE(plain == tunnel);
  CHECK_FALSE(vlan == tunnel);
}

TEST_CASE("flow table: create, find, expire per timeout class") {
  std::vector<ReleaseReason> released;
  FlowTableConfig cfg;
  cfg.timeouts.fresh_us = 10;
  cfg.timeouts.established_us = 1000;
  FlowTable t(cfg, [&](Flow&, ReleaseReason r) { released.push_back(r); });

  FlowKey a = key_of(tcp_packet(1, 1000, 2, 80));
  FlowKey b = key_of(tcp_packet(3, 1000, 2, 80));
  bool created = false;
  Flow& fa = t.lookup_or_create(a, flow_hash(a), 0, created);
  CHECK(created);
  t.lookup_or_create(a, flow_hash(a), 1, created);
  CHECK_FALSE(created);
  Flow& fb = t.lookup_or_create(b, flow_hash(b), 2, created);
  t.set_class(fb, TimeoutClass::established);
  CHECK(t.size() == 2);
  CHECK(&fa == t.find(a, flow_hash(a)));

  t.expire(5);  // nothing idle long enough
  CHECK(t.size() == 2);
  t.expire(20);  // the fresh flow (idle 19 > 10) goes, the established one (idle 18) stays
  CHECK(t.size() == 1);
  CHECK(t.find(a, flow_hash(a)) == nullptr);
  CHECK(t.find(b, flow_hash(b)) != nullptr);
  t.release_all();
  CHECK(t.size() == 0);
  REQUIRE(released.size() == 2);
  CHECK(released[0] == ReleaseReason::timeout);
  CHECK(released[1] == ReleaseReason::shutdown);
  CHECK(t.counters().timed_out == 1);
}

TEST_CASE("flow table: max_flows evicts the least recently active flow") {
  FlowTableConfig cfg;
  cfg.max_flows = 3;
  std::vector<uint16_t> evicted_ports;
  FlowTable t(cfg, [&](Flow& f, ReleaseReason r) {
    if (r == ReleaseReason::evicted) evicted_ports.push_back(f.key.lo_port);
  });
  std::vector<FlowKey> keys;
  for (uint16_t i = 0; i < 4; ++i) keys.push_back(key_of(tcp_packet(1, 1000 + i, 2, 80)));
  bool created;
  for (int i = 0; i < 3; ++i) t.lookup_or_create(keys[i], flow_hash(keys[i]), i, created);
  t.lookup_or_create(keys[0], flow_hash(keys[0]), 10, created);  // flow 0 active again
  t.lookup_or_create(keys[3], flow_hash(keys[3]), 11, created);  // full: evict flow 1
  CHECK(t.size() == 3);
  CHECK(t.counters().evicted == 1);
  REQUIRE(evicted_ports.size() == 1);
  CHECK(t.find(keys[1], flow_hash(keys[1])) == nullptr);
  CHECK(t.find(keys[0], flow_hash(keys[0])) != nullptr);
}

TEST_CASE("flow table: random inserts and removals agree with a reference map") {
  // Exercises probing, growth and backward-shift deletion against std::map.
  FlowTableConfig cfg;
  cfg.max_flows = 1u << 20;
  cfg.timeouts.fresh_us = 100;
  FlowTable t(cfg, [](Flow&, ReleaseReason) {});
  std::mt19937 rng(7);
  std::map<uint32_t, int64_t> last_seen;  // flow id → last activity
  int64_t now = 0;
  for (int step = 0; step < 60000; ++step) {
    now += 1;
    uint32_t id = rng() % 5000;
    FlowKey k = key_of(tcp_packet(id, static_cast<uint16_t>(id * 7), 2, 80));
    bool created;
    t.lookup_or_create(k, flow_hash(k), now, created);
    CHECK(created == (last_seen.count(id) == 0));
    last_seen[id] = now;
    if (step % 1000 == 999) {
      t.expire(now);
      for (auto it = last_seen.begin(); it != last_seen.end();) {
        if (now - it->second > 100)
          it = last_seen.erase(it);
        else
          ++it;
      }
      REQUIRE(t.size() == last_seen.size());
      for (auto& [fid, ts] : last_seen) {
        FlowKey fk = key_of(tcp_packet(fid, static_cast<uint16_t>(fid * 7), 2, 80));
        REQUIRE(t.find(fk, flow_hash(fk)) != nullptr);
      }
    }
  }
}

TEST_CASE("flow table: memcap bounds the live flows when it is tighter than max_flows") {
  FlowTableConfig cfg;
  cfg.max_flows = 1000;
  cfg.memcap = 10 * FlowTableConfig::kBytesPerFlow;
  FlowTable t(cfg, [](Flow&, ReleaseReason) {});
  CHECK(t.capacity() == 10);
  bool created;
  for (uint16_t i = 0; i < 25; ++i) {
    FlowKey k = key_of(tcp_packet(i, 1000, 2, 80));
    t.lookup_or_create(k, flow_hash(k), i, created);
  }
  CHECK(t.size() == 10);
  CHECK(t.counters().evicted == 15);
  CHECK(t.counters().peak_active == 10);
}

TEST_CASE("flow table: a session charged while flows are being released evicts nothing") {
  // A flow's last bytes, flushed as it is released, can start a session (and charge it):
  // evicting then could release a flow of the same batch a second time.
  FlowTableConfig cfg;
  cfg.memcap = 64 * FlowTableConfig::kBytesPerFlow;
  FlowTable* table = nullptr;
  std::map<uint16_t, int> releases;
  FlowTable t(cfg, [&](Flow& f, ReleaseReason) {
    ++releases[f.key.lo_port];
    table->charge(f, static_cast<uint32_t>(cfg.memcap));  // far over the cap
  });
  table = &t;
  bool created;
  for (uint16_t i = 0; i < 32; ++i) {
    FlowKey k = key_of(tcp_packet(1, 1000 + i, 2, 80));
    t.lookup_or_create(k, flow_hash(k), i, created);
  }
  t.release_all();
  CHECK(t.size() == 0);
  CHECK(releases.size() == 32);
  for (const auto& [port, n] : releases) CHECK(n == 1);
  CHECK(t.counters().evicted == 0);
  CHECK(t.counters().memory_bytes == 0);
}

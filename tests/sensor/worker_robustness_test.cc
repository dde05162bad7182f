// Strange traffic never crashes the worker and never leaks its bounded state: every capture in
// tests/data (real tools and Zeek's corpus) is replayed reordered, duplicated, thinned, truncated
// and bit-flipped, with default and with tiny caps. Run under ASan/UBSan in CI.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "sensor/worker.h"
#include "tests/sensor/capture_files.h"

using namespace mirador;
using namespace mirador::test;

namespace {

class CountingSink final : public TransactionSink {
 public:
  void write(const FlowContext&, const HttpTransaction& t) override {
    ++records;
    bytes += t.method.size() + t.uri.size() + t.response_body.size();
  }
  void flush() override {}
  OutputCounters counters() const override { return {records, 0}; }
  uint64_t records = 0;
  uint64_t bytes = 0;
};

// Replays `pkts` through a fresh worker and checks that everything bounded is released.
uint64_t replay(const Capture& c, const std::vector<Packet>& pkts, const WorkerConfig& cfg) {
  CountingSink sink;
  Worker w(cfg, sink);
  for (const Packet& p : pkts) {
    w.process(c.link_type, p.bytes.data(), static_cast<uint32_t>(p.bytes.size()), p.wire_len,
              p.ts_us);
  }
  w.finish();
  CHECK(w.flow_counters().active == 0);
  CHECK(w.reassembly_memory().used == 0);
  CHECK(w.flow_counters().peak_active <= w.flow_capacity());
  return sink.records;
}

WorkerConfig tiny_caps() {
  WorkerConfig cfg;
  cfg.flows.max_flows = 4;
  cfg.tcp.max_held_bytes = 2048;
  cfg.tcp.max_held_segments = 4;
  cfg.tcp_memcap = 4096;
  cfg.http.max_line = 64;
  cfg.http.max_header_bytes = 512;
  cfg.http.max_headers = 8;
  cfg.http.max_body_inspect = 256;
  cfg.http.max_pending = 2;
  cfg.decoder.defrag_memcap = 4096;
  cfg.decoder.defrag_max_datagrams = 2;
  return cfg;
}

}  // namespace

TEST_CASE("every test capture survives reordering, duplication, loss, truncation and bit flips") {
  const std::vector<Capture> caps = load_captures();
  REQUIRE(caps.size() >= 10);
  std::mt19937 rng(20261128);
  for (const WorkerConfig& cfg : {WorkerConfig{}, tiny_caps()}) {
    for (const Capture& c : caps) {
      INFO(c.name);
      const uint64_t clean = replay(c, c.packets, cfg);
      (void)clean;

      std::vector<Packet> v = c.packets;
      std::shuffle(v.begin(), v.end(), rng);
      replay(c, v, cfg);

      v.clear();
      for (const Packet& p : c.packets) v.push_back(p), v.push_back(p);
      replay(c, v, cfg);

      v.clear();
      for (size_t i = 0; i < c.packets.size(); ++i) {
        if (i % 3 != 1) v.push_back(c.packets[i]);
      }
      replay(c, v, cfg);

      v = c.packets;
      for (Packet& p : v) {
        if (!p.bytes.empty() && rng() % 4 == 0) p.bytes.resize(rng() % p.bytes.size());
      }
      replay(c, v, cfg);

      v = c.packets;
      for (Packet& p : v) {
        for (size_t k = 0; k < p.bytes.size() / 64 + 1; ++k) {
          if (!p.bytes.empty())
            p.bytes[rng() % p.bytes.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        }
      }
      replay(c, v, cfg);
    }
  }
}

TEST_CASE("replaying a capture twice into one worker gives twice the transactions") {
  // Same flows seen again after they closed: the table must not confuse old and new state.
  const std::vector<Capture> caps = load_captures();
  for (const Capture& c : caps) {
    if (c.name.find("curl_keepalive") == std::string::npos) continue;
    std::vector<Packet> twice = c.packets;
    const int64_t shift = c.packets.back().ts_us - c.packets.front().ts_us + 60'000'000;
    for (Packet p : c.packets) {
      p.ts_us += shift;
      twice.push_back(std::move(p));
    }
    WorkerConfig cfg;
    const uint64_t once = replay(c, c.packets, cfg);
    CHECK(once > 0);
    CHECK(replay(c, twice, cfg) == 2 * once);
  }
}

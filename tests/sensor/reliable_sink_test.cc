// ReliableSink over a scripted transport: in-order delivery, the window spilling to the spool,
// spool-first until drained, re-sending after a break, drops counted without a spool or with a
// full one, close() spilling to the spool and the next run replaying it first, acks on disk.
#include "sensor/output/reliable_sink.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>

#include "tests/sensor/remote_test_util.h"

using namespace mirador;
using namespace mirador::test;
using namespace std::chrono_literals;

namespace {

ReliableSinkConfig small_config(const std::string& spool_dir) {
  ReliableSinkConfig c;
  c.spool_dir = spool_dir;
  c.spool_max_bytes = spool_dir.empty() ? 0 : 1 << 20;
  c.spool_segment_bytes = 4096;  // several segments in a test
  c.window_events = 10;
  c.window_bytes = 1 << 20;
  c.batch_events = 4;
  c.backoff_min = 10ms;
  c.backoff_max = 40ms;
  c.drain_timeout = 200ms;
  return c;
}

void write_range(ReliableSink& s, uint64_t from, uint64_t to) {
  for (uint64_t i = from; i <= to; ++i) {
    const v1::Event e = event_with_seq(i);
    s.write(e, e.SerializeAsString());
  }
}

// Pumps until nothing is unacknowledged (or 3 s).
bool pump_until_idle(ReliableSink& s) {
  const auto end = std::chrono::steady_clock::now() + 3s;
  while (s.busy() && std::chrono::steady_clock::now() < end) s.pump(5ms);
  return !s.busy();
}

}  // namespace

TEST_CASE("ReliableSink delivers in order and releases acknowledged events", "[reliable_sink]") {
  auto script = std::make_shared<Script>();
  ReliableSink s(std::make_unique<FakeTransport>(script), small_config(""));
  write_range(s, 1, 9);
  REQUIRE(pump_until_idle(s));
  CHECK(script->sent == range(1, 9));
  CHECK(script->order_violations == 0);
  const ReliableSinkCounters c = s.remote_counters();
  CHECK(c.events_in == 9);
  CHECK(c.acked == 9);
  CHECK(c.window_events == 0);
  CHECK(c.spooled == 0);
  CHECK(c.replayed == 0);
  CHECK(c.connected);
  CHECK(c.transport.events_sent == 9);
  CHECK(s.counters().remotes.size() == 1);
}

TEST_CASE(
    "ReliableSink spills a full window to the spool, drains it first, then uses the "
    "window again",
    "[reliable_sink]") {
  TempDir dir("rs_spill");
  auto script = std::make_shared<Script>();
  script->auto_ack = false;  // the destination takes events but acknowledges nothing yet
  ReliableSink s(std::make_unique<FakeTransport>(script), small_config(dir.path));
  write_range(s, 1, 25);
  s.pump(5ms);
  ReliableSinkCounters c = s.remote_counters();
  CHECK(c.window_events == 0);  // the window went to the spool at event 11
  CHECK(c.spooled == 25);
  CHECK(c.spool_bytes > 0);
  CHECK(c.spool_events_pending == 25);
  CHECK(s.busy());

  // Spool-first: more events queue up behind the spool even with room in the window.
  write_range(s, 26, 28);
  CHECK(s.remote_counters().spooled == 28);
  CHECK(s.remote_counters().window_events == 0);

  script->auto_ack = true;
  REQUIRE(pump_until_idle(s));
  c = s.remote_counters();
  CHECK(c.acked == 28);
  CHECK(c.spool_events_pending == 0);
  CHECK(c.spool.segments == 0);  // every segment acknowledged and deleted
  // One connection, each event sent once, in order (in-flight window events not sent again).
  REQUIRE(script->per_connection.size() == 1);
  CHECK(script->sent == range(1, 28));
  CHECK(script->order_violations == 0);

  // Drained: the window again.
  script->auto_ack = false;
  write_range(s, 29, 30);
  CHECK(s.remote_counters().window_events == 2);
  CHECK(s.remote_counters().spooled == 28);
}

TEST_CASE("ReliableSink re-sends everything unacknowledged after a break, in order",
          "[reliable_sink]") {
  SECTION("from the window") {
    auto script = std::make_shared<Script>();
    script->ack_limit = 5;
    ReliableSink s(std::make_unique<FakeTransport>(script), small_config(""));
    write_range(s, 1, 9);
    s.pump(5ms);
    CHECK(s.remote_counters().acked == 5);
    script->break_next = true;
    script->ack_limit = UINT64_MAX;
    REQUIRE(pump_until_idle(s));
    REQUIRE(script->per_connection.size() == 2);
    CHECK(script->per_connection[0] == range(1, 9));
    CHECK(script->per_connection[1] == range(6, 9));
    const ReliableSinkCounters c = s.remote_counters();
    CHECK(c.reconnects == 1);
    CHECK(c.replayed == 4);
    CHECK(c.acked == 9);
    CHECK(c.transport.breaks == 1);
  }
  SECTION("from the spool") {
    TempDir dir("rs_break_spool");
    auto script = std::make_shared<Script>();
    script->ack_limit = 7;
    ReliableSink s(std::make_unique<FakeTransport>(script), small_config(dir.path));
    write_range(s, 1, 20);  // 1..7 acknowledged on the way; the window spills, 8..20 spooled
    s.pump(5ms);
    CHECK(s.remote_counters().spooled == 13);
    CHECK(s.remote_counters().window_events == 0);
    script->break_next = true;
    script->ack_limit = UINT64_MAX;
    REQUIRE(pump_until_idle(s));
    REQUIRE(script->per_connection.size() == 2);
    CHECK(script->per_connection[1] == range(8, 20));
    CHECK(s.remote_counters().acked == 20);
    CHECK(script->order_violations == 0);
  }
}

TEST_CASE("ReliableSink backs off exponentially while the destination refuses", "[reliable_sink]") {
  auto script = std::make_shared<Script>();
  script->accept = false;
  ReliableSinkConfig cfg = small_config("");
  cfg.backoff_min = 20ms;
  cfg.backoff_max = 80ms;
  ReliableSink s(std::make_unique<FakeTransport>(script), cfg);
  write_range(s, 1, 3);
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 500ms) s.pump(20ms);
  // Delays of 10-20, 20-40, then 40-80 ms: about 8 attempts in 500 ms, never a busy loop.
  CHECK(script->connects >= 4);
  CHECK(script->connects <= 16);
  CHECK(!s.remote_counters().connected);
  // Back: everything goes out.
  script->accept = true;
  REQUIRE(pump_until_idle(s));
  CHECK(script->per_connection.back() == range(1, 3));
  CHECK(s.remote_counters().reconnects == static_cast<uint64_t>(script->connects - 1));
}

TEST_CASE("ReliableSink without a spool drops and counts when the window is full",
          "[reliable_sink]") {
  auto script = std::make_shared<Script>();
  script->auto_ack = false;
  ReliableSink s(std::make_unique<FakeTransport>(script), small_config(""));
  write_range(s, 1, 15);
  const ReliableSinkCounters c = s.remote_counters();
  CHECK(c.window_events == 10);
  CHECK(c.dropped_window_full == 5);
  CHECK(s.counters().write_errors == 5);
  script->auto_ack = true;
  REQUIRE(pump_until_idle(s));
  CHECK(script->sent == range(1, 10));
}

TEST_CASE("ReliableSink counts events a full spool refuses", "[reliable_sink]") {
  TempDir dir("rs_spool_full");
  auto script = std::make_shared<Script>();
  script->auto_ack = false;
  ReliableSinkConfig cfg = small_config(dir.path);
  cfg.spool_max_bytes = 2000;  // about 20 events of ~80 bytes
  ReliableSink s(std::make_unique<FakeTransport>(script), cfg);
  write_range(s, 1, 60);
  const ReliableSinkCounters c = s.remote_counters();
  CHECK(c.dropped_spool > 0);
  CHECK(c.spooled + c.dropped_spool == 60);
  CHECK(c.spool.dropped_full == c.dropped_spool);
  CHECK(c.spool_bytes <= 2000);
}

TEST_CASE("ReliableSink close() spills the window; the next sink replays it first; acks persist",
          "[reliable_sink]") {
  TempDir dir("rs_close");
  {
    auto script = std::make_shared<Script>();
    script->ack_limit = 3;
    ReliableSink s(std::make_unique<FakeTransport>(script), small_config(dir.path));
    write_range(s, 1, 8);  // fits the window
    s.pump(5ms);
    CHECK(s.remote_counters().spooled == 0);
    s.close();  // 4..8 unacknowledged after the drain timeout: to the spool
    const ReliableSinkCounters c = s.remote_counters();
    CHECK(c.acked == 3);
    CHECK(c.spooled == 5);
  }
  {
    auto script = std::make_shared<Script>();
    ReliableSink s(std::make_unique<FakeTransport>(script), small_config(dir.path));
    CHECK(s.busy());        // the spool of the earlier run
    write_range(s, 9, 10);  // new events queue behind it
    REQUIRE(pump_until_idle(s));
    CHECK(script->sent == range(4, 10));
    s.close();
  }
  // The ack point is on disk and the spool holds nothing.
  std::ifstream ack(dir.path + "/ack");
  uint64_t acked = 0;
  ack >> acked;
  CHECK(acked == 10);
  Spool spool(SpoolConfig{dir.path});
  CHECK(spool.empty());
  CHECK(spool.acked() == 10);
}

TEST_CASE("ReliableSink close() without a spool counts what it could not deliver",
          "[reliable_sink]") {
  auto script = std::make_shared<Script>();
  script->auto_ack = false;
  ReliableSink s(std::make_unique<FakeTransport>(script), small_config(""));
  write_range(s, 1, 4);
  const auto start = std::chrono::steady_clock::now();
  s.close();
  CHECK(std::chrono::steady_clock::now() - start < 2s);  // the drain timeout is 200 ms
  CHECK(s.remote_counters().dropped_at_close == 4);
  s.close();  // idempotent
}

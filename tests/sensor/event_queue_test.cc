#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "sensor/output/event_queue.h"

using namespace mirador;
using namespace std::chrono_literals;

namespace {

#if defined(__SANITIZE_THREAD__)
constexpr uint64_t kEvents = 200000;  // ThreadSanitizer slows each event down 10-50x
#else
constexpr uint64_t kEvents = 1000000;
#endif

// Payload of event `seq`: 0..63 bytes whose content depends on seq, so a torn or misplaced
// slot cannot pass the check.
std::string payload(uint64_t seq) {
  std::string s(seq % 64, '\0');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>('a' + (seq + i) % 26);
  return s;
}

}  // namespace

TEST_CASE("SPSC queue: two threads pass every event once and in order") {
  EventQueueConfig cfg;
  cfg.max_events = 1000;  // small caps, so the producer keeps hitting both
  cfg.max_bytes = 16 << 10;
  EventQueue q(cfg);

  std::thread producer([&] {
    std::string p;
    for (uint64_t seq = 1; seq <= kEvents; ++seq) {
      p = payload(seq);
      while (!q.try_push(seq, p)) std::this_thread::yield();
    }
  });

  const auto start = std::chrono::steady_clock::now();
  uint64_t expect = 1;
  uint64_t bad = 0;
  while (expect <= kEvents) {
    if (!q.wait(2s)) break;  // the producer cannot stall this long: fail rather than hang
    while (const QueuedEvent* e = q.front()) {
      if (e->seq != expect || e->bytes != payload(expect)) ++bad;
      q.pop();
      ++expect;
    }
  }
  producer.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  CHECK(bad == 0);
  CHECK(expect == kEvents + 1);
  CHECK(secs < 20.0);
  EventQueueCounters c = q.counters();
  CHECK(c.pushed == kEvents);
  CHECK(c.popped == kEvents);
  CHECK(c.high_water_events <= cfg.max_events);
  CHECK(c.high_water_bytes <= cfg.max_bytes);
  CHECK(q.size_events() == 0);
  CHECK(q.size_bytes() == 0);
}

TEST_CASE("SPSC queue: a full queue refuses without blocking, and accepts again after a pop") {
  EventQueueConfig cfg;
  cfg.max_events = 3;  // not a power of two: the cap is exact, not rounded up
  EventQueue q(cfg);
  CHECK(q.front() == nullptr);
  CHECK(q.try_push(1, "a"));
  CHECK(q.try_push(2, "bb"));
  CHECK(q.try_push(3, "ccc"));
  CHECK_FALSE(q.try_push(4, "d"));
  CHECK_FALSE(q.try_push(4, "d"));
  CHECK(q.counters().full_events == 2);
  CHECK(q.size_events() == 3);
  CHECK(q.size_bytes() == 6);

  REQUIRE(q.front() != nullptr);
  CHECK(q.front()->seq == 1);
  CHECK(q.front()->bytes == "a");
  q.pop();
  CHECK(q.try_push(4, "d"));
  for (uint64_t seq = 2; seq <= 4; ++seq) {
    const QueuedEvent* e = q.front();
    REQUIRE(e != nullptr);
    CHECK(e->seq == seq);
    q.pop();
  }
  CHECK(q.front() == nullptr);
  EventQueueCounters c = q.counters();
  CHECK(c.pushed == 4);
  CHECK(c.popped == 4);
  CHECK(c.high_water_events == 3);
  CHECK(c.high_water_bytes == 6);
}

TEST_CASE("SPSC queue: the byte cap bounds payload held, whatever the event count") {
  EventQueueConfig cfg;
  cfg.max_events = 100;
  cfg.max_bytes = 10;
  EventQueue q(cfg);
  CHECK(q.try_push(1, "123456"));
  CHECK_FALSE(q.try_push(2, "12345"));  // 11 > 10
  CHECK(q.try_push(2, "1234"));         // exactly 10
  CHECK_FALSE(q.try_push(3, "x"));
  CHECK(q.try_push(3, ""));  // empty events cost no bytes
  CHECK(q.counters().full_bytes == 2);
  q.pop();
  CHECK_FALSE(q.try_push(4, std::string(11, 'x')));  // larger than the cap: never fits
  CHECK(q.try_push(4, "abcdef"));
  CHECK(q.size_bytes() == 10);
  EventQueueCounters c = q.counters();
  CHECK(c.full_bytes == 3);
  CHECK(c.full_events == 0);
  CHECK(c.high_water_bytes == 10);
}

TEST_CASE("SPSC queue: slots give back the capacity of a large event") {
  EventQueueConfig cfg;
  cfg.max_events = 1;
  cfg.slot_retain_bytes = 1024;
  EventQueue q(cfg);
  REQUIRE(q.try_push(1, std::string(100000, 'x')));
  q.pop();
  REQUIRE(q.try_push(2, "small"));
  REQUIRE(q.front() != nullptr);
  CHECK(q.front()->bytes == "small");
  CHECK(q.front()->bytes.capacity() <= 1024);
  q.pop();
  // A slot under the retain size keeps its capacity (no allocation per event).
  REQUIRE(q.try_push(3, std::string(500, 'y')));
  const char* data = q.front()->bytes.data();
  q.pop();
  REQUIRE(q.try_push(4, std::string(400, 'z')));
  CHECK(q.front()->bytes.data() == data);
  q.pop();
}

TEST_CASE("SPSC queue: wait times out when empty and wakes on a push") {
  EventQueue q(EventQueueConfig{});
  auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(q.wait(30ms));
  CHECK(std::chrono::steady_clock::now() - t0 >= 30ms);

  std::thread producer([&] {
    std::this_thread::sleep_for(50ms);
    q.try_push(7, "late");
  });
  t0 = std::chrono::steady_clock::now();
  CHECK(q.wait(10s));
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  producer.join();
  REQUIRE(q.front() != nullptr);
  CHECK(q.front()->seq == 7);
}

TEST_CASE("SPSC queue: wake() ends a wait early, whether it comes before or during it") {
  using namespace std::chrono;
  EventQueue q(EventQueueConfig{});
  q.wake();  // before: the next wait returns at once
  auto t0 = steady_clock::now();
  CHECK_FALSE(q.wait(seconds(10)));
  CHECK(steady_clock::now() - t0 < seconds(2));
  std::thread waker([&] {
    std::this_thread::sleep_for(milliseconds(50));
    q.wake();
  });
  t0 = steady_clock::now();
  CHECK_FALSE(q.wait(seconds(10)));
  CHECK(steady_clock::now() - t0 < seconds(2));
  waker.join();
  CHECK(q.try_push(1, "x"));
  CHECK(q.wait(seconds(10)));  // an event still wins
}

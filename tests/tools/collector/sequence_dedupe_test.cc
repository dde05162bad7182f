#include "tools/collector/sequence_dedupe.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <set>

using mirador::collector::SequenceDedupe;

TEST_CASE("dedupe: in order, every sequence once, replays are duplicates") {
  SequenceDedupe d(1024);
  for (uint64_t s = 1; s <= 5000; ++s) REQUIRE(d.first_time("a", s));
  for (uint64_t s = 1; s <= 5000; ++s) REQUIRE_FALSE(d.first_time("a", s));
  CHECK(d.highest("a") == 5000);
  CHECK(d.counters().accepted == 5000);
  CHECK(d.counters().duplicates == 5000);
  CHECK(d.counters().sensors == 1);
}

TEST_CASE("dedupe: out of order within the window") {
  SequenceDedupe d(128);
  for (uint64_t s : {5, 3, 1, 2, 4, 9, 7}) REQUIRE(d.first_time("a", s));
  for (uint64_t s : {1, 2, 3, 4, 5, 7, 9}) REQUIRE_FALSE(d.first_time("a", s));
  REQUIRE(d.first_time("a", 8));
  REQUIRE(d.first_time("a", 6));
  CHECK(d.highest("a") == 9);
  CHECK(d.counters().below_floor > 0);  // 1..5 had joined the floor
}

TEST_CASE("dedupe: below the floor counts as seen") {
  SequenceDedupe d(128);
  REQUIRE(d.first_time("a", 1));
  REQUIRE(d.first_time("a", 1000));  // floor moves to 1000 - 128 = 872
  CHECK_FALSE(d.first_time("a", 500));
  CHECK(d.counters().below_floor == 1);
  CHECK(d.first_time("a", 900));  // inside the window, never seen
  CHECK_FALSE(d.first_time("a", 900));
}

TEST_CASE("dedupe: gaps are fine and a late event inside the window is written") {
  SequenceDedupe d(128);
  for (uint64_t s : {1, 2, 10, 11, 40}) REQUIRE(d.first_time("a", s));
  CHECK(d.first_time("a", 5));
  CHECK_FALSE(d.first_time("a", 10));
  CHECK(d.highest("a") == 40);
}

TEST_CASE("dedupe: sensors are independent; max_sensors leaves new ones untracked") {
  SequenceDedupe d(256, 3);
  for (uint64_t s = 1; s <= 10; ++s) {
    for (const char* n : {"a", "b", "c"}) REQUIRE(d.first_time(n, s));
  }
  CHECK(d.counters().sensors == 3);
  CHECK(d.first_time("d", 1));
  CHECK(d.first_time("d", 1));  // not tracked: written again, counted
  CHECK(d.counters().untracked == 2);
  CHECK_FALSE(d.first_time("a", 10));
  CHECK(d.highest_all().size() == 3);
}

TEST_CASE("dedupe: sequence 0 is always accepted") {
  SequenceDedupe d;
  CHECK(d.first_time("a", 0));
  CHECK(d.first_time("a", 0));
  CHECK(d.counters().sensors == 0);
}

TEST_CASE("dedupe: set_floor restores a restart's knowledge") {
  SequenceDedupe d(128);
  d.set_floor("a", 50);
  CHECK_FALSE(d.first_time("a", 50));
  CHECK_FALSE(d.first_time("a", 1));
  CHECK(d.first_time("a", 51));
  CHECK(d.highest("a") == 51);
  d.set_floor("a", 10);  // lower than now: no effect
  CHECK_FALSE(d.first_time("a", 20));
}

TEST_CASE("dedupe: forget undoes a batch so its replay is written") {
  SequenceDedupe d(128);
  for (uint64_t s = 1; s <= 10; ++s) REQUIRE(d.first_time("a", s));
  for (uint64_t s = 10; s >= 6; --s) d.forget("a", s);
  CHECK(d.highest("a") == 5);
  CHECK_FALSE(d.first_time("a", 5));
  for (uint64_t s = 6; s <= 10; ++s) CHECK(d.first_time("a", s));
  CHECK(d.highest("a") == 10);
  // Out of order with a bitmap.
  REQUIRE(d.first_time("a", 20));
  REQUIRE(d.first_time("a", 15));
  d.forget("a", 15);
  d.forget("a", 20);
  CHECK(d.first_time("a", 15));
  CHECK(d.first_time("a", 20));
}

TEST_CASE("dedupe: matches a set for shuffled arrivals less than a window apart") {
  constexpr uint64_t kWindow = 256;
  SequenceDedupe d(kWindow);
  std::mt19937_64 rng(7);
  std::vector<uint64_t> seqs;
  for (uint64_t s = 1; s <= 20000; ++s) {
    if (rng() % 10 != 0) seqs.push_back(s);  // gaps
  }
  // Shuffle in blocks of 100: displacement stays under the window.
  for (size_t i = 0; i < seqs.size(); i += 100) {
    std::shuffle(seqs.begin() + static_cast<long>(i),
                 seqs.begin() + static_cast<long>(std::min(i + 100, seqs.size())), rng);
  }
  // Every event is offered twice, the second time shortly after.
  std::set<uint64_t> seen;
  uint64_t mismatches = 0;
  for (size_t i = 0; i < seqs.size(); ++i) {
    for (uint64_t s : {seqs[i], seqs[i >= 50 ? i - 50 : 0]}) {
      const bool expect = seen.insert(s).second;
      if (d.first_time("x", s) != expect) ++mismatches;
    }
  }
  CHECK(mismatches == 0);
  CHECK(d.counters().accepted == seen.size());
}

// ScanMemo: exact hits only, remembered matches as stored, long values and many matches not
// kept, a colliding value evicts, clear() forgets, a zero-slot memo is off.
#include "detectors/engine/scan_memo.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace mirador::detect;

TEST_CASE("ScanMemo remembers matches by exact value", "[memo]") {
  ScanMemo memo(64);
  REQUIRE(memo.enabled());
  const std::string v = "li.wei@example.com";
  const uint64_t h = memo.hash(v);
  std::span<const Match> seen;
  CHECK_FALSE(memo.find(v, h, seen));
  const std::vector<Match> found = {{7, 0, 18}, {9, 3, 18}};
  memo.store(v, h, found);
  REQUIRE(memo.find(v, h, seen));
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].rule == 7);
  CHECK(seen[1].begin == 3);
  CHECK(seen[1].end == 18);

  // Same hash, other bytes (a forged collision): a miss, never the other value's matches.
  const std::string other = "li.wei@example.org";
  CHECK_FALSE(memo.find(other, h, seen));
  // A clean value is remembered as clean.
  const std::string clean = "customer";
  memo.store(clean, memo.hash(clean), {});
  REQUIRE(memo.find(clean, memo.hash(clean), seen));
  CHECK(seen.empty());
  CHECK(memo.counters().hits == 2);
  CHECK(memo.counters().misses == 2);

  memo.clear();
  CHECK_FALSE(memo.find(v, h, seen));
}

TEST_CASE("ScanMemo keeps neither long values nor many matches", "[memo]") {
  ScanMemo memo(16);
  const std::string long_value(ScanMemo::kMaxValue + 1, 'a');
  std::span<const Match> seen;
  memo.store(long_value, memo.hash(long_value), {});
  CHECK_FALSE(memo.find(long_value, memo.hash(long_value), seen));
  CHECK(memo.counters().too_long == 1);

  const std::string busy = "13800138000 13900139000";
  std::vector<Match> many(ScanMemo::kMaxMatches + 1, Match{1, 0, 11});
  memo.store(busy, memo.hash(busy), many);
  CHECK(memo.counters().not_kept == 1);
  CHECK_FALSE(memo.find(busy, memo.hash(busy), seen));
}

TEST_CASE("ScanMemo slots: a colliding value evicts, zero slots is off", "[memo]") {
  ScanMemo one(1);  // every value shares the one slot
  std::span<const Match> seen;
  one.store("alpha", one.hash("alpha"), {});
  one.store("beta", one.hash("beta"), {});
  CHECK_FALSE(one.find("alpha", one.hash("alpha"), seen));
  CHECK(one.find("beta", one.hash("beta"), seen));

  ScanMemo off(0);
  CHECK_FALSE(off.enabled());
  off.store("alpha", off.hash("alpha"), {});
  CHECK_FALSE(off.find("alpha", off.hash("alpha"), seen));
  CHECK(off.counters().misses == 0);  // an off memo counts nothing
}

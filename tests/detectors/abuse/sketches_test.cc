// The abuse detectors' bounded structures: HyperLogLog distinct counts within their error,
// count-min rates that never undercount and slide, and the LRU table that stays at its cap.
#include <catch2/catch.hpp>
#include <string>

#include "detectors/abuse/activity.h"  // abuse_hash
#include "detectors/abuse/count_min.h"
#include "detectors/abuse/hyperloglog.h"
#include "detectors/abuse/lru_table.h"

using namespace mirador::detect;

TEST_CASE("Hll64 estimates distinct counts within its error", "[abuse][sketch]") {
  for (uint32_t n : {1u, 10u, 50u, 300u, 1000u, 20000u}) {
    Hll64 h;
    for (uint32_t i = 0; i < n; ++i) {
      const uint64_t k = abuse_hash(std::to_string(i));
      h.add(k);
      h.add(k);  // repeats change nothing
    }
    const double e = h.estimate();
    INFO("n=" << n << " estimate=" << e);
    // Linear counting is close for small sets; 64 registers give ~13 % standard error above.
    CHECK(e >= n * (n <= 50 ? 0.85 : 0.65));
    CHECK(e <= n * (n <= 50 ? 1.15 : 1.35) + 1);
  }
  Hll64 a, b;
  for (int i = 0; i < 100; ++i) a.add(abuse_hash("a" + std::to_string(i)));
  for (int i = 0; i < 100; ++i) b.add(abuse_hash("b" + std::to_string(i)));
  a.merge(b);
  CHECK(a.estimate() == Approx(200).epsilon(0.35));
  a.clear();
  CHECK(a.estimate() == 0);
}

TEST_CASE("WindowedCountMin counts per key, never under, and slides", "[abuse][sketch]") {
  constexpr int64_t kSec = 1'000'000, t0 = 1'000 * kSec;
  WindowedCountMin cm(1024, 60 * kSec);
  uint32_t last = 0;
  for (int i = 0; i < 500; ++i) last = cm.add(abuse_hash("hot"), t0 + i * 10'000);
  CHECK(last >= 500);
  CHECK(last <= 510);
  // Thousands of other keys: "hot" is still counted at least as often as it was seen.
  for (int i = 0; i < 5000; ++i) cm.add(abuse_hash("k" + std::to_string(i)), t0 + 5 * kSec);
  CHECK(cm.add(abuse_hash("hot"), t0 + 6 * kSec) >= 501);
  CHECK(cm.add(abuse_hash("cold"), t0 + 6 * kSec) <= 30);
  // Half a window later the previous window counts for about half.
  const uint32_t half = cm.add(abuse_hash("hot"), t0 + 90 * kSec);
  CHECK(half >= 240);
  CHECK(half <= 270);
  // Two idle windows: forgotten.
  CHECK(cm.add(abuse_hash("hot"), t0 + 400 * kSec) == 1);
  CHECK(cm.memory_bytes() == 2 * 4 * 1024 * sizeof(uint32_t));
}

TEST_CASE("LruTable keeps its capacity and evicts the least recently seen", "[abuse][sketch]") {
  LruTable<int> t(64);
  CHECK(t.capacity() == 64);
  uint64_t evicted = 0;
  bool created = false;
  for (uint64_t k = 1; k <= 10'000; ++k) {
    int& v = t.get(abuse_hash(std::to_string(k)), static_cast<int64_t>(k), created, evicted);
    CHECK(created);
    v = static_cast<int>(k);
  }
  CHECK(t.size() == 64);
  CHECK(evicted == 10'000 - 64);
  // The most recent keys are the ones kept.
  int kept_recent = 0;
  for (uint64_t k = 10'000 - 20; k <= 10'000; ++k)
    if (t.find(abuse_hash(std::to_string(k)), 20'000)) ++kept_recent;
  CHECK(kept_recent >= 15);
  CHECK(t.find(abuse_hash("1"), 20'000) == nullptr);
  // A key seen again keeps its value.
  int& v = t.get(abuse_hash("10000"), 30'000, created, evicted);
  CHECK_FALSE(created);
  CHECK(v == 10'000);
}

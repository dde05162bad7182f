// WindowedCountMin: how many times a key was seen in the last window, for every key at once, in
// fixed memory (4 rows × width counters, twice: this window and the one before). The estimate
// never undercounts a key; it overcounts by collisions, about total/width per row at worst, and
// the minimum over four rows keeps that small. Sliding: the previous window's count is weighted
// by how much of it still overlaps the last `window` (the usual two-bucket approximation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mirador::detect {

class WindowedCountMin {
 public:
  // `width` is rounded up to a power of two (at least 64).
  WindowedCountMin(size_t width, int64_t window_us);

  // Counts one more of `hash` at `now_us` and returns the estimate for the last window,
  // including it.
  uint32_t add(uint64_t hash, int64_t now_us);
  size_t memory_bytes() const { return (cur_.size() + prev_.size()) * sizeof(uint32_t); }

  static constexpr unsigned kRows = 4;

 private:
  void roll(int64_t now_us);
  size_t slot(unsigned row, uint64_t hash) const;
  std::vector<uint32_t> cur_, prev_;
  size_t mask_;
  int64_t window_us_;
  int64_t start_us_ = 0;  // start of the current window; 0 before the first add
};

}  // namespace mirador::detect

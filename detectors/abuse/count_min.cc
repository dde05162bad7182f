#include "detectors/abuse/count_min.h"

#include <algorithm>
#include <bit>
#include <limits>

namespace mirador::detect {

WindowedCountMin::WindowedCountMin(size_t width, int64_t window_us)
    : window_us_(window_us > 0 ? window_us : 1) {
  width = std::bit_ceil(std::max<size_t>(width, 64));
  mask_ = width - 1;
  cur_.assign(kRows * width, 0);
  prev_.assign(kRows * width, 0);
}

void WindowedCountMin::roll(int64_t now_us) {
  if (start_us_ == 0) {
    start_us_ = now_us;
    return;
  }
  if (now_us < start_us_ + window_us_) return;
  if (now_us < start_us_ + 2 * window_us_) {
    cur_.swap(prev_);
    start_us_ += window_us_;
  } else {  // a whole window or more passed without traffic: both are empty
    std::fill(prev_.begin(), prev_.end(), 0);
    start_us_ = now_us;
  }
  std::fill(cur_.begin(), cur_.end(), 0);
}

size_t WindowedCountMin::slot(unsigned row, uint64_t hash) const {
  // Row hashes: the two halves of one 64-bit hash combined (Kirsch–Mitzenmacher).
  const uint64_t h1 = hash & 0xffffffffu, h2 = (hash >> 32) | 1;
  return row * (mask_ + 1) + ((h1 + row * h2) & mask_);
}

uint32_t WindowedCountMin::add(uint64_t hash, int64_t now_us) {
  roll(now_us);
  uint32_t cur = std::numeric_limits<uint32_t>::max(), prev = cur;
  for (unsigned r = 0; r < kRows; ++r) {
    const size_t i = slot(r, hash);
    if (cur_[i] != std::numeric_limits<uint32_t>::max()) ++cur_[i];
    cur = std::min(cur, cur_[i]);
    prev = std::min(prev, prev_[i]);
  }
  const int64_t into = std::clamp<int64_t>(now_us - start_us_, 0, window_us_);
  const double overlap = 1.0 - static_cast<double>(into) / static_cast<double>(window_us_);
  return cur + static_cast<uint32_t>(prev * overlap);
}

}  // namespace mirador::detect

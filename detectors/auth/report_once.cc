#include "detectors/auth/report_once.h"

#include <bit>
#include <functional>

namespace mirador::detect {

ReportOnce::ReportOnce(size_t slots, int64_t window_us)
    : slots_(std::bit_floor(slots == 0 ? size_t{1} : slots)),
      mask_(slots_.size() - 1),
      window_us_(window_us) {}

bool ReportOnce::first(std::string_view key, int64_t now_us) {
  const uint64_t h = std::hash<std::string_view>{}(key);
  Slot& s = slots_[h & mask_];
  // A time before the report (capture clocks step back) is inside the window too.
  if (s.used && s.hash == h && now_us - s.at_us < window_us_) {
    ++suppressed_;
    return false;
  }
  s.used = true;
  s.hash = h;
  s.at_us = now_us;
  return true;
}

}  // namespace mirador::detect

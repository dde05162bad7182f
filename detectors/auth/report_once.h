// ReportOnce: "have I reported this fact recently?" for findings about a practice rather than an
// event — an API that takes tokens over cleartext HTTP does so on every request, and one finding
// per host and credential kind an hour says it; a million say nothing more.
//
// A fixed direct-mapped table of (key hash, last report time): no allocation after construction.
// A colliding key evicts the other one, which may then be reported again early: a repeat, never
// a fact left unreported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace mirador::detect {

class ReportOnce {
 public:
  // `slots` is rounded down to a power of two (at least 1); `window_us` is how long a reported
  // key stays quiet.
  ReportOnce(size_t slots, int64_t window_us);

  // True when `key` was not reported in the window before `now_us` (and records it as reported
  // now); false when it was (counted in suppressed()).
  bool first(std::string_view key, int64_t now_us);

  uint64_t suppressed() const { return suppressed_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    int64_t at_us = 0;
    bool used = false;
  };
  std::vector<Slot> slots_;
  size_t mask_;
  int64_t window_us_;
  uint64_t suppressed_ = 0;
};

}  // namespace mirador::detect

#include "tools/collector/sequence_dedupe.h"

#include <algorithm>

namespace mirador::collector {

// Sequences (floor, floor + window] live in a ring of bits: sequence s is bit s % window.
struct SequenceDedupe::Sensor {
  uint64_t floor = 0;
  uint64_t highest = 0;
  std::vector<uint64_t> bits;  // empty until a sequence arrives out of order or after a gap
};

namespace {

bool test_bit(const std::vector<uint64_t>& b, uint64_t i) {
  return (b[i / 64] >> (i % 64)) & 1;
}
void set_bit(std::vector<uint64_t>& b, uint64_t i) {
  b[i / 64] |= uint64_t{1} << (i % 64);
}
void clear_bit(std::vector<uint64_t>& b, uint64_t i) {
  b[i / 64] &= ~(uint64_t{1} << (i % 64));
}

// Clears the ring positions of sequences [from, to) (to - from < window).
void clear_seq_range(std::vector<uint64_t>& b, uint64_t window, uint64_t from, uint64_t to) {
  uint64_t i = from % window;
  uint64_t n = to - from;
  while (n > 0) {
    if (i % 64 == 0 && n >= 64 && window - i >= 64) {
      b[i / 64] = 0;
      i += 64;
      n -= 64;
    } else {
      clear_bit(b, i);
      ++i;
      --n;
    }
    if (i == window) i = 0;
  }
}

}  // namespace

SequenceDedupe::SequenceDedupe(uint64_t window, size_t max_sensors)
    : window_(std::max<uint64_t>(window, 64)), max_sensors_(max_sensors) {}

SequenceDedupe::~SequenceDedupe() = default;

bool SequenceDedupe::first_time(std::string_view sensor, uint64_t seq) {
  if (seq == 0) {
    ++c_.accepted;
    return true;
  }
  auto it = sensors_.find(std::string(sensor));
  if (it == sensors_.end()) {
    if (sensors_.size() >= max_sensors_) {
      ++c_.untracked;
      ++c_.accepted;
      return true;
    }
    it = sensors_.emplace(std::string(sensor), std::make_unique<Sensor>()).first;
    c_.sensors = sensors_.size();
  }
  Sensor& s = *it->second;
  if (seq <= s.floor) {
    ++c_.duplicates;
    ++c_.below_floor;
    return false;
  }
  if (seq == s.floor + 1 && s.bits.empty()) {
    // In order, no gap behind: the floor simply follows (no bitmap needed).
    s.floor = seq;
    s.highest = std::max(s.highest, seq);
    ++c_.accepted;
    return true;
  }
  if (s.bits.empty()) s.bits.assign((window_ + 63) / 64, 0);
  if (seq > s.floor + window_) {
    // Out of the window: the oldest sequences fall below the floor (counted seen).
    const uint64_t new_floor = seq - window_;
    if (new_floor - s.floor >= window_) {
      std::fill(s.bits.begin(), s.bits.end(), 0);
    } else {
      clear_seq_range(s.bits, window_, s.floor + 1, new_floor + 1);
    }
    s.floor = new_floor;
  }
  const uint64_t pos = seq % window_;
  if (test_bit(s.bits, pos)) {
    ++c_.duplicates;
    return false;
  }
  set_bit(s.bits, pos);
  s.highest = std::max(s.highest, seq);
  // Compact: consecutive seen sequences just above the floor join it.
  while (test_bit(s.bits, (s.floor + 1) % window_)) {
    ++s.floor;
    clear_bit(s.bits, s.floor % window_);
  }
  ++c_.accepted;
  return true;
}

void SequenceDedupe::forget(std::string_view sensor, uint64_t seq) {
  if (seq == 0) return;
  auto it = sensors_.find(std::string(sensor));
  if (it == sensors_.end()) return;
  Sensor& s = *it->second;
  s.highest = std::min(s.highest, seq - 1);
  if (seq > s.floor) {
    if (!s.bits.empty() && seq - s.floor <= window_) clear_bit(s.bits, seq % window_);
    return;
  }
  if (s.floor - seq >= window_) return;  // too old to represent: it stays seen
  // Lower the floor to seq - 1: (seq, old floor] become explicit bits (they reuse the ring slots
  // of the window's top, whose sequences lose their mark: a later duplicate, not a loss).
  if (s.bits.empty()) s.bits.assign((window_ + 63) / 64, 0);
  for (uint64_t q = seq + 1; q <= s.floor; ++q) set_bit(s.bits, q % window_);
  clear_bit(s.bits, seq % window_);
  s.floor = seq - 1;
}

uint64_t SequenceDedupe::highest(std::string_view sensor) const {
  auto it = sensors_.find(std::string(sensor));
  return it == sensors_.end() ? 0 : it->second->highest;
}

void SequenceDedupe::set_floor(std::string_view sensor, uint64_t floor) {
  auto it = sensors_.find(std::string(sensor));
  if (it == sensors_.end()) {
    if (sensors_.size() >= max_sensors_) return;
    it = sensors_.emplace(std::string(sensor), std::make_unique<Sensor>()).first;
    c_.sensors = sensors_.size();
  }
  Sensor& s = *it->second;
  if (floor <= s.floor) return;
  if (!s.bits.empty()) {
    if (floor - s.floor >= window_) {
      std::fill(s.bits.begin(), s.bits.end(), 0);
    } else {
      clear_seq_range(s.bits, window_, s.floor + 1, floor + 1);
    }
  }
  s.floor = floor;
  s.highest = std::max(s.highest, floor);
  if (!s.bits.empty()) {
    while (test_bit(s.bits, (s.floor + 1) % window_)) {
      ++s.floor;
      clear_bit(s.bits, s.floor % window_);
    }
  }
}

std::vector<std::pair<std::string, uint64_t>> SequenceDedupe::highest_all() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  out.reserve(sensors_.size());
  for (const auto& [name, s] : sensors_) out.emplace_back(name, s->highest);
  std::sort(out.begin(), out.end());
  return out;
}

void SequenceDedupe::clear_event_counters() {
  c_.accepted = c_.duplicates = c_.below_floor = c_.untracked = 0;
}

}  // namespace mirador::collector

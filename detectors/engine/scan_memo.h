// ScanMemo: what the scans found in a value, remembered by the value's exact bytes.
//
// API traffic repeats its values: enum strings, names, cities, status texts, the same header
// values on every request, the same record fetched again by many clients. A repeated value costs a
// hash and a compare instead of a Hyperscan pass. The table is direct-mapped and fixed in size
// (allocated once, never grown); an entry holds the value itself, so a hit is exact, never a
// hash collision. A colliding value only evicts: the worst an attacker can do is make the memo
// useless, never hide a match.
//
// What is remembered is the raw pattern matches (rule, begin, end), before `where`, validators
// and context: those depend on the field, not the value, and are applied on every use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "detectors/engine/scanner.h"

namespace mirador::detect {

struct MemoCounters {
  uint64_t hits = 0;
  uint64_t misses = 0;    // memoisable values not found (then scanned)
  uint64_t too_long = 0;  // values longer than kMaxValue: always scanned
  uint64_t not_kept = 0;  // values with more than kMaxMatches matches: not remembered
};

class ScanMemo {
 public:
  static constexpr size_t kMaxValue = 64;
  static constexpr size_t kMaxMatches = 4;

  // `slots` is rounded down to a power of two; 0 turns the memo off (every lookup misses).
  explicit ScanMemo(size_t slots);

  bool enabled() const { return !slots_.empty(); }
  // The slot hash of `text` (0 when the memo is off or the value is too long to keep).
  uint64_t hash(std::string_view text) const;
  // True on a hit: `out` views the remembered matches (valid until the next store or clear).
  bool find(std::string_view text, uint64_t h, std::span<const Match>& out);
  // Remembers the matches of `text` (offsets relative to it), replacing the slot's value.
  void store(std::string_view text, uint64_t h, std::span<const Match> matches);
  void clear();  // the rules changed: nothing remembered is valid

  const MemoCounters& counters() const { return counters_; }

 private:
  struct Slot {
    uint8_t length = 0;
    uint8_t matches = 0;
    char value[kMaxValue];
    Match match[kMaxMatches];
  };
  // One tag per slot (high hash bits, 0 = empty), apart from the slots: most lookups of a value
  // the memo does not hold end on this small array without touching the slot's cache lines.
  std::vector<uint32_t> tags_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  MemoCounters counters_;
};

}  // namespace mirador::detect

#include "detectors/engine/scan_memo.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>

namespace mirador::detect {

namespace {

uint32_t tag_of(uint64_t h) {
  return static_cast<uint32_t>(h >> 32) | 1u;  // never 0: 0 marks an empty slot
}

}  // namespace

ScanMemo::ScanMemo(size_t slots) {
  if (slots == 0) return;
  slots_.resize(std::bit_floor(slots));
  tags_.assign(slots_.size(), 0);
  mask_ = slots_.size() - 1;
}

uint64_t ScanMemo::hash(std::string_view text) const {
  if (!enabled() || text.size() > kMaxValue) return 0;
  return std::hash<std::string_view>{}(text);
}

bool ScanMemo::find(std::string_view text, uint64_t h, std::span<const Match>& out) {
  if (!enabled()) return false;
  if (text.size() > kMaxValue) {
    ++counters_.too_long;
    return false;
  }
  const size_t i = h & mask_;
  if (tags_[i] != tag_of(h)) {
    ++counters_.misses;
    return false;
  }
  const Slot& s = slots_[i];
  if (s.length == text.size() && std::memcmp(s.value, text.data(), text.size()) == 0) {
    ++counters_.hits;
    out = std::span<const Match>(s.match, s.matches);
    return true;
  }
  ++counters_.misses;
  return false;
}

void ScanMemo::store(std::string_view text, uint64_t h, std::span<const Match> matches) {
  if (!enabled() || text.size() > kMaxValue) return;
  if (matches.size() > kMaxMatches) {
    ++counters_.not_kept;
    return;
  }
  const size_t i = h & mask_;
  tags_[i] = tag_of(h);
  Slot& s = slots_[i];
  s.length = static_cast<uint8_t>(text.size());
  std::memcpy(s.value, text.data(), text.size());
  s.matches = static_cast<uint8_t>(matches.size());
  std::copy(matches.begin(), matches.end(), s.match);
}

void ScanMemo::clear() {
  std::fill(tags_.begin(), tags_.end(), 0u);
}

}  // namespace mirador::detect

// Hll64: a HyperLogLog distinct counter in 64 one-byte registers (64 bytes, no allocation), for
// state kept per identity or per identity × endpoint where an exact set would grow without
// bound. Standard error about 13 %; below ~160 distinct values the linear-counting estimate is
// used, which is much closer. Thresholds compared with it are approximate by that much.
#pragma once

#include <array>
#include <cstdint>

namespace mirador::detect {

class Hll64 {
 public:
  // `hash` must be a well-mixed 64-bit hash of the value (abuse_hash).
  void add(uint64_t hash) {
    const unsigned idx = static_cast<unsigned>(hash >> 58);  // top 6 bits pick the register
    const uint64_t rest = (hash << 6) | (1ull << 5);         // sentinel bounds the rank at 59
    const uint8_t rank = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
    if (rank > regs_[idx]) regs_[idx] = rank;
  }
  // Registers of `other` folded in: the union of both sets.
  void merge(const Hll64& other) {
    for (unsigned i = 0; i < kRegisters; ++i)
      if (other.regs_[i] > regs_[i]) regs_[i] = other.regs_[i];
  }
  void clear() { regs_.fill(0); }
  double estimate() const;

  static constexpr unsigned kRegisters = 64;

 private:
  std::array<uint8_t, kRegisters> regs_{};
};

}  // namespace mirador::detect

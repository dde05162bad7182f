// LruTable<T>: a fixed-capacity map from 64-bit key hashes to T for the abuse detectors' state,
// allocated once. Set-associative: a key lives in one bucket of 8 slots; a new key in a full
// bucket evicts the slot seen least recently (counted by the caller through `evicted`). Memory
// is capacity × (16 + sizeof(T)) bytes whatever the traffic: a million identities cost what the
// cap says, and the oldest state is forgotten first. The slots come from calloc: pages nobody
// touched cost no resident memory, so a sensor whose traffic fills a tenth of a table pays a
// tenth of it, and making a table is instant.
//
// T must be an aggregate whose value-initialised state is all zero bytes (plain counters).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

namespace mirador::detect {

template <typename T>
class LruTable {
 public:
  static constexpr size_t kWays = 8;

  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

  explicit LruTable(size_t capacity) {
    const size_t buckets = std::bit_ceil(capacity < kWays ? size_t{1} : capacity / kWays);
    mask_ = buckets - 1;
    count_ = buckets * kWays;
    slots_.reset(static_cast<Slot*>(std::calloc(count_, sizeof(Slot))));
    if (!slots_) throw std::bad_alloc();
  }

  // The entry of `key`, or nullptr.
  T* find(uint64_t key, int64_t now_us) {
    key = key ? key : 1;  // 0 marks an empty slot
    Slot* b = &slots_[(key & mask_) * kWays];
    for (size_t i = 0; i < kWays; ++i) {
      if (b[i].key == key) {
        b[i].seen_us = now_us;
        return &b[i].value;
      }
    }
    return nullptr;
  }

  // The entry of `key`, made (value-initialised) when absent. `created` says which; `evicted`
  // is incremented when making it pushed another key out.
  T& get(uint64_t key, int64_t now_us, bool& created, uint64_t& evicted) {
    key = key ? key : 1;
    Slot* b = &slots_[(key & mask_) * kWays];
    Slot* victim = nullptr;
    for (size_t i = 0; i < kWays; ++i) {
      if (b[i].key == key) {
        b[i].seen_us = now_us;
        created = false;
        return b[i].value;
      }
      if (b[i].key == 0) {
        if (victim == nullptr || victim->key != 0) victim = &b[i];
      } else if (victim == nullptr || (victim->key != 0 && b[i].seen_us < victim->seen_us)) {
        victim = &b[i];
      }
    }
    if (victim->key != 0) {
      ++evicted;
    } else {
      ++size_;
    }
    victim->key = key;
    victim->seen_us = now_us;
    victim->value = T{};
    created = true;
    return victim->value;
  }

  size_t size() const { return size_; }
  size_t capacity() const { return count_; }
  size_t memory_bytes() const { return count_ * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t key = 0;
    int64_t seen_us = 0;
    T value{};
  };
  struct Free {
    void operator()(Slot* p) const { std::free(p); }
  };
  std::unique_ptr<Slot[], Free> slots_;  // calloc'ed: all zero, which is every Slot's empty state
  size_t count_ = 0;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace mirador::detect

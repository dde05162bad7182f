// SpscRing<T>: a bounded single-producer single-consumer ring of small trivially copyable values
// (pointers to recycled reports). No lock, no allocation after construction; each side caches
// the other's index so a ring that keeps up costs no cross-core traffic per item beyond the
// publishing store. A consumer that sleeps does so on a Doorbell it may share with other rings.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "sensor/pipeline/futex.h"

namespace mirador {

template <class T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  // Holds at least `capacity` items (rounded up to a power of two).
  explicit SpscRing(size_t capacity)
      : mask_(std::bit_ceil(capacity < 2 ? size_t{2} : capacity) - 1),
        items_(std::make_unique<T[]>(mask_ + 1)) {}
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Producer. False when full.
  bool push(T v) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - cached_head_ > mask_) {
      cached_head_ = head_.load(std::memory_order_acquire);
      if (tail - cached_head_ > mask_) return false;
    }
    items_[tail & mask_] = v;
    // seq_cst: with the consumer's seq_cst announcement, either it sees this item before
    // sleeping or the doorbell below sees it sleeping.
    tail_.store(tail + 1, std::memory_order_seq_cst);
    if (bell_) bell_->ring();
    return true;
  }

  // Consumer. False when empty.
  bool pop(T& out) {
    if (!peek(out)) return false;
    head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    return true;
  }

  // Consumer. The oldest item without removing it; false when empty.
  bool peek(T& out) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == cached_tail_) {
      cached_tail_ = tail_.load(std::memory_order_acquire);
      if (head == cached_tail_) return false;
    }
    out = items_[head & mask_];
    return true;
  }

  // Consumer, inside a Doorbell::wait's ready(): an item is waiting.
  bool ready() const {
    return tail_.load(std::memory_order_seq_cst) != head_.load(std::memory_order_relaxed);
  }
  bool empty() const {
    return tail_.load(std::memory_order_acquire) == head_.load(std::memory_order_acquire);
  }
  size_t capacity() const { return mask_ + 1; }
  // Before use: the consumer's doorbell, rung on every push.
  void set_doorbell(Doorbell* bell) { bell_ = bell; }

 private:
  const size_t mask_;
  std::unique_ptr<T[]> items_;
  Doorbell* bell_ = nullptr;
  alignas(64) std::atomic<uint64_t> tail_{0};
  uint64_t cached_head_ = 0;
  alignas(64) std::atomic<uint64_t> head_{0};
  uint64_t cached_tail_ = 0;
};

}  // namespace mirador

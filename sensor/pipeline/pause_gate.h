// PauseGate: a consistent moment to read counters that other threads write without atomics.
// The capture thread asks for a pause, nudges the threads awake, and waits until each has
// parked (or ended); it reads, then resumes them. Threads look at the gate once per batch (a
// relaxed load), so the packet path pays nothing else. Used once per stats interval.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "sensor/pipeline/futex.h"

namespace mirador {

class PauseGate {
 public:
  // A thread of the pipeline, between batches (and inside any wait of its own).
  void check() {
    if (requested_.load(std::memory_order_acquire)) park();
  }
  // A thread that ends counts as parked from then on.
  void exited() { exited_.fetch_add(1, std::memory_order_acq_rel); }

  // The reader: returns once `threads` threads are parked or gone. `nudge` wakes threads that
  // sleep waiting for work, so they come to check().
  template <class Nudge>
  void pause(uint32_t threads, Nudge nudge) {
    // Threads still leaving the previous pause must be gone before they are counted again.
    while (parked_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
    requested_.store(true, std::memory_order_release);
    while (parked_.load(std::memory_order_acquire) + exited_.load(std::memory_order_acquire) <
           threads) {
      nudge();
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
  void resume() {
    requested_.store(false, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    futex_wake(generation_, INT32_MAX);
  }

 private:
  void park() {
    const uint32_t gen = generation_.load(std::memory_order_acquire);
    parked_.fetch_add(1, std::memory_order_acq_rel);
    while (requested_.load(std::memory_order_acquire) &&
           generation_.load(std::memory_order_acquire) == gen) {
      futex_wait(generation_, gen, std::chrono::milliseconds(10));
    }
    parked_.fetch_sub(1, std::memory_order_acq_rel);
  }

  std::atomic<bool> requested_{false};
  std::atomic<uint32_t> parked_{0};
  std::atomic<uint32_t> exited_{0};
  std::atomic<uint32_t> generation_{0};
};

}  // namespace mirador

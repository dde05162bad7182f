// Futex helpers (Linux): a thread sleeps on a 32-bit word while it holds an expected value; the
// other side changes the word and wakes it. Used by the queues between threads, whose producers
// never wait and pay a system call only when the consumer has said it sleeps.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <ctime>

namespace mirador {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "the futex word must be a plain 32-bit integer");

// Sleeps while `word` == expected, at most `timeout`. Returns on wake, timeout, signal or
// mismatch alike: the caller re-checks its condition.
inline void futex_wait(std::atomic<uint32_t>& word, uint32_t expected,
                       std::chrono::nanoseconds timeout) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000000000);
  ts.tv_nsec = static_cast<long>(timeout.count() % 1000000000);
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, &ts, nullptr,
          0);
}

// Wakes up to `n` threads sleeping on `word`.
inline void futex_wake(std::atomic<uint32_t>& word, int n = 1) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, n, nullptr, nullptr,
          0);
}

// One consumer's sleep, shared by the rings it drains: the consumer announces it (sleeping = 1)
// and re-checks its rings before sleeping; a producer that published clears it and wakes.
struct Doorbell {
  alignas(64) std::atomic<uint32_t> sleeping{0};
  std::atomic<uint32_t> kicked{0};  // wake(): the next or current wait returns

  // Producer side, after publishing with a seq_cst store.
  void ring() {
    if (sleeping.load(std::memory_order_seq_cst) != 0) {
      sleeping.store(0, std::memory_order_relaxed);
      futex_wake(sleeping);
    }
  }
  // Any thread: ends the consumer's current or next wait.
  void wake() {
    kicked.store(1, std::memory_order_seq_cst);
    sleeping.store(0, std::memory_order_seq_cst);
    futex_wake(sleeping);
  }
  // Consumer: sleeps at most `timeout` unless `ready()` (checked after announcing the sleep)
  // says there is work. True when ready, false on timeout or wake().
  template <class Ready>
  bool wait(Ready ready, std::chrono::nanoseconds timeout) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + timeout;
    for (;;) {
      if (ready()) return true;
      sleeping.store(1, std::memory_order_seq_cst);
      if (ready()) {
        sleeping.store(0, std::memory_order_relaxed);
        return true;
      }
      if (kicked.exchange(0, std::memory_order_seq_cst) != 0) {
        sleeping.store(0, std::memory_order_relaxed);
        return false;
      }
      const auto now = clock::now();
      if (now >= deadline) {
        sleeping.store(0, std::memory_order_relaxed);
        return false;
      }
      futex_wait(sleeping, 1, deadline - now);
      sleeping.store(0, std::memory_order_relaxed);
    }
  }
};

}  // namespace mirador

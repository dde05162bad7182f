// EventQueue: the bounded hand-off of encoded events from one thread (a worker, the aggregator:
// the producer) to the output thread (the consumer). Events are opaque bytes with a 64-bit tag
// (the producer's count of events it dropped just before this one: the output thread numbers
// events and leaves that many numbers unused, so a loss stays a visible gap).
//
// Contract:
// - Exactly one producer thread calls try_push(); exactly one consumer thread calls front(),
//   pop() and wait(). counters() and the size getters may be called from any thread.
// - try_push() never blocks and never takes a lock: when the event cap or the byte cap would be
//   exceeded it returns false and counts the rejection; the caller decides (spill or drop).
// - The ring is a fixed array of slots with atomic head/tail (release on publish, acquire on
//   observe). Each slot keeps its std::string, so in the steady state a push copies into reused
//   capacity and allocates nothing. A slot grown past `slot_retain_bytes` by a large event is
//   released by the next smaller event written into it, so one burst of big events does not pin
//   memory for ever.
// - wait() sleeps on a futex (Linux) for at most its timeout. The producer never waits: it pays
//   one seq_cst store per push and, only when the consumer has announced it is going to sleep,
//   one non-blocking FUTEX_WAKE system call. Queues drained by one consumer share one Doorbell
//   (share_doorbell()), so wait_any() sleeps until any of them has an event.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sensor/pipeline/futex.h"

namespace mirador {

struct EventQueueConfig {
  // Every slot keeps the capacity of the events it carried (no allocation per event), so the
  // ring's memory is about max_events x a typical event once it has wrapped: 8192 slots of
  // ~700-byte HTTP events is ~6 MiB. A burst beyond that is what max_bytes is for.
  size_t max_events = 8192;              // output.queue_events
  size_t max_bytes = 64u << 20;          // output.queue_bytes: payload bytes held at once
  size_t slot_retain_bytes = 64u << 10;  // slot capacity kept across events
};

struct EventQueueCounters {
  uint64_t pushed = 0;
  uint64_t popped = 0;
  uint64_t full_events = 0;  // try_push refused: max_events reached
  uint64_t full_bytes = 0;   // try_push refused: max_bytes would be exceeded (or event > cap)
  uint64_t high_water_events = 0;
  uint64_t high_water_bytes = 0;
};

struct QueuedEvent {
  uint64_t seq = 0;
  std::string bytes;
};

class EventQueue {
 public:
  // `max_events` must be at least 1 (0 is taken as 1).
  explicit EventQueue(const EventQueueConfig& cfg);
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // Producer. Copies `bytes` into the next slot and publishes it. False when full (counted).
  bool try_push(uint64_t seq, std::string_view bytes);

  // Consumer. The oldest event, or nullptr when empty; valid until pop().
  const QueuedEvent* front();
  // Consumer. Releases the oldest event (the one front() returns); the queue must not be empty.
  void pop();
  // Consumer. True as soon as an event is available; false after `timeout` with none.
  bool wait(std::chrono::nanoseconds timeout);
  // Any thread. Ends a wait() early (it then returns false if still empty): a stop request must
  // not sit out the consumer's idle timeout.
  void wake();
  // Before any push or wait: this queue rings `bell` (which must outlive it) instead of its own.
  void share_doorbell(Doorbell& bell) { bell_ = &bell; }
  // Consumer of every queue in `queues`, which all share one doorbell. True as soon as one of
  // them has an event; false after `timeout` with none, or on a wake() of any of them.
  static bool wait_any(EventQueue* const* queues, size_t n, std::chrono::nanoseconds timeout);

  size_t size_events() const;
  size_t size_bytes() const;
  EventQueueCounters counters() const;
  const EventQueueConfig& config() const { return cfg_; }

 private:
  static constexpr size_t kLine = 64;  // producer and consumer state on separate cache lines

  EventQueueConfig cfg_;
  size_t mask_ = 0;  // slots: a power of two >= max_events; occupancy is capped at max_events
  std::unique_ptr<QueuedEvent[]> slots_;

  // Written by the producer.
  alignas(kLine) std::atomic<uint64_t> tail_{0};  // events published
  std::atomic<uint64_t> bytes_in_{0};             // payload bytes published
  std::atomic<uint64_t> full_events_{0};
  std::atomic<uint64_t> full_bytes_{0};
  std::atomic<uint64_t> hw_events_{0};
  std::atomic<uint64_t> hw_bytes_{0};
  uint64_t cached_head_ = 0;  // producer's last view of head_/bytes_out_
  uint64_t cached_bytes_out_ = 0;

  // Written by the consumer.
  alignas(kLine) std::atomic<uint64_t> head_{0};  // events released
  std::atomic<uint64_t> bytes_out_{0};            // payload bytes released
  uint64_t cached_tail_ = 0;                      // consumer's last view of tail_

  // The producer clears bell_->sleeping and wakes the futex when the consumer sleeps.
  Doorbell own_bell_;
  Doorbell* bell_ = &own_bell_;
  bool has_event_seq_cst();  // consumer: after announcing a sleep
};

}  // namespace mirador

#include "sensor/output/event_queue.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <ctime>

namespace mirador {

namespace {

// Counters with one writer: a plain load and store, no read-modify-write on the hot path.
void bump(std::atomic<uint64_t>& c, uint64_t by = 1) {
  c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

}  // namespace

EventQueue::EventQueue(const EventQueueConfig& cfg) : cfg_(cfg) {
  cfg_.max_events = std::max<size_t>(cfg_.max_events, 1);
  size_t n = std::bit_ceil(cfg_.max_events);
  mask_ = n - 1;
  slots_ = std::make_unique<QueuedEvent[]>(n);
}

bool EventQueue::try_push(uint64_t seq, std::string_view bytes) {
  const uint64_t tail = tail_.load(std::memory_order_relaxed);
  const uint64_t in = bytes_in_.load(std::memory_order_relaxed);
  // The cached views of the consumer's progress are refreshed only when they say "full", so a
  // queue that keeps up costs no cross-core traffic here.
  if (tail - cached_head_ >= cfg_.max_events) {
    cached_head_ = head_.load(std::memory_order_acquire);
    if (tail - cached_head_ >= cfg_.max_events) {
      bump(full_events_);
      return false;
    }
  }
  if (in + bytes.size() - cached_bytes_out_ > cfg_.max_bytes) {
    cached_bytes_out_ = bytes_out_.load(std::memory_order_acquire);
    if (in + bytes.size() - cached_bytes_out_ > cfg_.max_bytes) {
      bump(full_bytes_);
      return false;
    }
  }

  QueuedEvent& slot = slots_[tail & mask_];
  if (slot.bytes.capacity() > cfg_.slot_retain_bytes && bytes.size() <= cfg_.slot_retain_bytes) {
    std::string().swap(slot.bytes);  // give back what a large event left behind
  }
  slot.seq = seq;
  slot.bytes.assign(bytes.data(), bytes.size());
  bytes_in_.store(in + bytes.size(), std::memory_order_relaxed);
  // seq_cst (not just release): with the seq_cst pair in wait(), either the consumer sees this
  // tail before sleeping, or the load of sleeping_ below sees its announcement. (Operations, not
  // fences, so ThreadSanitizer understands them.)
  tail_.store(tail + 1, std::memory_order_seq_cst);

  // High-water marks: the estimate from the cached views only over-counts, so the true value is
  // read (one cross-core load) only when the estimate passes the mark.
  uint64_t events = tail + 1 - cached_head_;
  if (events > hw_events_.load(std::memory_order_relaxed)) {
    cached_head_ = head_.load(std::memory_order_acquire);
    events = tail + 1 - cached_head_;
    if (events > hw_events_.load(std::memory_order_relaxed)) {
      hw_events_.store(events, std::memory_order_relaxed);
    }
  }
  uint64_t held = in + bytes.size() - cached_bytes_out_;
  if (held > hw_bytes_.load(std::memory_order_relaxed)) {
    cached_bytes_out_ = bytes_out_.load(std::memory_order_acquire);
    held = in + bytes.size() - cached_bytes_out_;
    if (held > hw_bytes_.load(std::memory_order_relaxed)) {
      hw_bytes_.store(held, std::memory_order_relaxed);
    }
  }

  bell_->ring();
  return true;
}

const QueuedEvent* EventQueue::front() {
  const uint64_t head = head_.load(std::memory_order_relaxed);
  if (head == cached_tail_) {
    cached_tail_ = tail_.load(std::memory_order_acquire);
    if (head == cached_tail_) return nullptr;
  }
  return &slots_[head & mask_];
}

void EventQueue::pop() {
  const uint64_t head = head_.load(std::memory_order_relaxed);
  if (head == cached_tail_) cached_tail_ = tail_.load(std::memory_order_acquire);
  assert(head != cached_tail_ && "pop() on an empty queue");
  const uint64_t size = slots_[head & mask_].bytes.size();
  bytes_out_.store(bytes_out_.load(std::memory_order_relaxed) + size, std::memory_order_release);
  head_.store(head + 1, std::memory_order_release);
}

bool EventQueue::has_event_seq_cst() {
  return tail_.load(std::memory_order_seq_cst) != head_.load(std::memory_order_relaxed);
}

bool EventQueue::wait(std::chrono::nanoseconds timeout) {
  EventQueue* self = this;
  return wait_any(&self, 1, timeout);
}

bool EventQueue::wait_any(EventQueue* const* queues, size_t n, std::chrono::nanoseconds timeout) {
  if (n == 0) return false;
  return queues[0]->bell_->wait(
      [&] {
        for (size_t i = 0; i < n; ++i)
          if (queues[i]->has_event_seq_cst()) return true;
        return false;
      },
      timeout);
}

void EventQueue::wake() {
  bell_->wake();
}

size_t EventQueue::size_events() const {
  // head first: tail read afterwards is >= head, so the difference never underflows.
  const uint64_t head = head_.load(std::memory_order_acquire);
  return static_cast<size_t>(tail_.load(std::memory_order_acquire) - head);
}

size_t EventQueue::size_bytes() const {
  const uint64_t out = bytes_out_.load(std::memory_order_acquire);
  return static_cast<size_t>(bytes_in_.load(std::memory_order_acquire) - out);
}

EventQueueCounters EventQueue::counters() const {
  EventQueueCounters c;
  c.pushed = tail_.load(std::memory_order_relaxed);
  c.popped = head_.load(std::memory_order_relaxed);
  c.full_events = full_events_.load(std::memory_order_relaxed);
  c.full_bytes = full_bytes_.load(std::memory_order_relaxed);
  c.high_water_events = hw_events_.load(std::memory_order_relaxed);
  c.high_water_bytes = hw_bytes_.load(std::memory_order_relaxed);
  return c;
}

}  // namespace mirador

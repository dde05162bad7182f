// AckLedger: the contiguous prefix of acknowledgements that arrive out of order.
//
// A transport whose destination acknowledges events independently (Kafka: one delivery report per
// message, partitions progressing at their own pace) records every sequence it sends and gets a
// ticket for it; when the report for a ticket arrives it completes it. acked() is the highest
// sequence S such that every sequence sent up to S is complete: it never passes an event whose
// report has not arrived.
//
// Tickets grow for the life of the ledger and are not reused across reset(): a late report of an
// earlier connection names a ticket below the current connection's first one and is recognised
// as stale, even when the same sequences are sent again on the new connection.
//
// Storage is a ring that doubles when full and keeps its capacity, so a steady state allocates
// nothing; its size is bounded by the caller's in-flight limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mirador {

class AckLedger {
 public:
  // A new connection: forgets every entry and restarts acked() at 0.
  void reset() {
    head_ = 0;
    size_ = 0;
    pending_ = 0;
    acked_ = 0;
    front_ticket_ = next_ticket_;
  }

  // Records a sent sequence (strictly increasing within a connection); returns its ticket.
  uint64_t add(uint64_t seq) {
    if (size_ == ring_.size()) grow();
    ring_[(head_ + size_) & (ring_.size() - 1)] = Entry{seq, false};
    ++size_;
    ++pending_;
    return next_ticket_++;
  }

  // Marks a ticket complete. Returns false (and changes nothing) for a ticket of an earlier
  // connection, an unknown ticket or one already complete.
  bool complete(uint64_t ticket) {
    if (ticket < front_ticket_ || ticket >= next_ticket_) return false;
    Entry& e = ring_[(head_ + (ticket - front_ticket_)) & (ring_.size() - 1)];
    if (e.done) return false;
    e.done = true;
    --pending_;
    while (size_ > 0 && ring_[head_].done) {
      acked_ = ring_[head_].seq;
      head_ = (head_ + 1) & (ring_.size() - 1);
      --size_;
      ++front_ticket_;
    }
    return true;
  }

  // True for a ticket of this connection still waiting for its report.
  bool waiting(uint64_t ticket) const {
    return ticket >= front_ticket_ && ticket < next_ticket_ &&
           !ring_[(head_ + (ticket - front_ticket_)) & (ring_.size() - 1)].done;
  }

  uint64_t acked() const { return acked_; }
  // Entries held: from the oldest incomplete one to the newest (what the in-flight limit bounds).
  size_t size() const { return size_; }
  // Entries still waiting for their report.
  size_t pending() const { return pending_; }

 private:
  struct Entry {
    uint64_t seq = 0;
    bool done = false;
  };

  void grow() {
    std::vector<Entry> bigger(ring_.empty() ? 1024 : ring_.size() * 2);
    for (size_t i = 0; i < size_; ++i) bigger[i] = ring_[(head_ + i) & (ring_.size() - 1)];
    ring_.swap(bigger);
    head_ = 0;
  }

  std::vector<Entry> ring_;  // capacity a power of two
  size_t head_ = 0;
  size_t size_ = 0;
  size_t pending_ = 0;
  uint64_t acked_ = 0;
  uint64_t next_ticket_ = 0;
  uint64_t front_ticket_ = 0;  // ticket of ring_[head_]
};

}  // namespace mirador

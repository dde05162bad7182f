#include "decoders/tcp/tcp_stream.h"

#include <algorithm>
#include <cstring>

namespace mirador {

namespace {

// Unwrapped sequences start at 2^32 + seq: anything up to 2^31 behind stays positive.
constexpr uint64_t kBaseOffset = uint64_t{1} << 32;
// Arena capacity kept when a stream has nothing held any more; a larger one is freed so that a
// single burst of reordering does not pin a megabyte per stream for the life of the flow.
constexpr size_t kRetainedArena = 64u << 10;
// Already-delivered entries at the front of held_ are erased once they are this many and at
// least half of the vector (amortised O(1) pop-front without a deque's per-block allocations).
constexpr size_t kHeadCompactMin = 32;

}  // namespace

TcpStream::~TcpStream() {
  release_all();
}

void TcpStream::start_at(uint32_t seq) {
  started_ = true;
  base_ = kBaseOffset + seq;
  recent_start_ = base_;
}

uint64_t TcpStream::unwrap(uint32_t seq) const {
  const auto delta = static_cast<int32_t>(seq - static_cast<uint32_t>(base_));
  return static_cast<uint64_t>(static_cast<int64_t>(base_) + delta);
}

bool TcpStream::in_window(uint64_t abs) const {
  const uint64_t dist = abs >= base_ ? abs - base_ : base_ - abs;
  return dist <= cfg_->max_window;
}

void TcpStream::on_syn(uint32_t isn) {
  if (syn_seen_ && isn == isn_) return;  // retransmitted SYN
  const uint32_t first = isn + 1;
  if (started_ && first != next_seq()) {
    // A SYN retransmitted with a new ISN is the real one as long as nothing was seen after it.
    const bool data_seen = counters_.bytes_delivered != 0 || counters_.gap_bytes != 0 ||
                           held_segments() != 0 || fin_seen_;
    if (data_seen) {
      ++counters_.syn_ignored;
      return;
    }
    started_ = false;
  }
  if (!started_) start_at(first);
  syn_seen_ = true;
  isn_ = isn;
}

void TcpStream::on_segment(uint32_t seq, const uint8_t* data, uint32_t len, int64_t ts_us,
                           StreamSink& sink) {
  if (len == 0 || data == nullptr) return;
  ++counters_.segments;
  if (!started_) start_at(seq);  // midstream pickup
  const uint64_t start = unwrap(seq);
  uint64_t end = start + len;
  if (!in_window(start)) {
    ++counters_.out_of_window;
    return;
  }
  if (fin_seen_ && end > fin_abs_) {
    ++counters_.after_fin;
    if (start >= fin_abs_) return;
    end = fin_abs_;
  }
  if (end <= base_) {
    ++counters_.retransmissions;
    if (differs_from_recent(start, end, data)) ++counters_.overlap_conflicts;
    return;
  }
  if (start > base_) {
    ++counters_.out_of_order;
    // A refused hold skips the stream forward to its earliest held byte (or to this segment);
    // each round moves base_ forward, so this ends.
    while (start > base_) {
      if (hold(start, end, data)) return;
      const uint64_t target = held_segments() == 0 ? start : std::min(start, held_[head_].start);
      skip_to(target, ts_us, sink);
      deliver_held(ts_us, sink);
    }
    if (end <= base_) {  // everything it carried was already held, and is now delivered
      ++counters_.overlaps;
      if (differs_from_recent(start, end, data)) ++counters_.overlap_conflicts;
      return;
    }
  }
  deliver_in_order(start, end, data, ts_us, sink);
}

void TcpStream::deliver_in_order(uint64_t start, uint64_t end, const uint8_t* data, int64_t ts_us,
                                 StreamSink& sink) {
  bool overlap = false;
  bool conflict = false;
  if (start < base_) {
    overlap = true;
    conflict = differs_from_recent(start, base_, data);
  }
  while (base_ < end) {
    if (held_segments() != 0 && held_[head_].start == base_) {
      // Held bytes came first: they win over this segment's copy.
      const Held h = held_[head_];
      const uint64_t overlap_end = std::min(h.end(), end);
      overlap = true;
      if (std::memcmp(arena_.data() + h.off, data + (base_ - start), overlap_end - base_) != 0) {
        conflict = true;
      }
      emit(arena_.data() + h.off, h.len, ts_us, sink);
      pop_front_held();
      continue;
    }
    uint64_t stop = end;
    if (held_segments() != 0) stop = std::min(stop, held_[head_].start);
    emit(data + (base_ - start), stop - base_, ts_us, sink);
  }
  deliver_held(ts_us, sink);
  if (overlap) ++counters_.overlaps;
  if (conflict) ++counters_.overlap_conflicts;
}

bool TcpStream::hold(uint64_t start, uint64_t end, const uint8_t* data) {
  // First piece that ends after `start` (pieces are disjoint, so ends are sorted too).
  const auto first = std::partition_point(held_.begin() + head_, held_.end(),
                                          [start](const Held& h) { return h.end() <= start; });
  const size_t first_idx = static_cast<size_t>(first - held_.begin());

  // Pass 1: how many new bytes and pieces, before touching anything.
  size_t new_bytes = 0;
  size_t new_pieces = 0;
  uint64_t pos = start;
  for (size_t i = first_idx; i < held_.size() && held_[i].start < end; ++i) {
    if (pos < held_[i].start) {
      new_bytes += held_[i].start - pos;
      ++new_pieces;
    }
    pos = std::max(pos, held_[i].end());
  }
  if (pos < end) {
    new_bytes += end - pos;
    ++new_pieces;
  }
  if (new_bytes != 0) {
    if (held_bytes_ + new_bytes > cfg_->max_held_bytes ||
        held_segments() + new_pieces > cfg_->max_held_segments) {
      ++counters_.stream_cap_hits;
      return false;
    }
    if (mem_->used + new_bytes > mem_->cap) {
      ++mem_->cap_hits;
      return false;
    }
    const size_t dead = arena_.size() - held_bytes_;
    if (arena_.size() + new_bytes > arena_.capacity() && dead >= arena_.size() / 2) {
      compact_arena();  // reclaim instead of growing
    }
  }

  // Pass 2: compare overlaps with held bytes, copy the holes.
  bool overlap = false;
  bool conflict = false;
  size_t i = first_idx;
  pos = start;
  while (pos < end) {
    if (i < held_.size() && held_[i].start <= pos) {
      const Held& h = held_[i];
      const uint64_t overlap_end = std::min(h.end(), end);
      overlap = true;
      if (std::memcmp(arena_.data() + h.off + (pos - h.start), data + (pos - start),
                      overlap_end - pos) != 0) {
        conflict = true;
      }
      pos = overlap_end;
      ++i;
      continue;
    }
    const uint64_t hole_end = i < held_.size() ? std::min(end, held_[i].start) : end;
    const size_t len = hole_end - pos;
    const size_t off = arena_.size();
    arena_.insert(arena_.end(), data + (pos - start), data + (hole_end - start));
    if (i > head_ && held_[i - 1].end() == pos && held_[i - 1].off + held_[i - 1].len == off) {
      held_[i - 1].len += len;  // the common case: the next segment after the hole, appended
    } else {
      held_.insert(held_.begin() + static_cast<std::ptrdiff_t>(i), Held{pos, off, len});
      ++i;
    }
    held_bytes_ += len;
    mem_->used += len;
    pos = hole_end;
  }
  if (overlap) ++counters_.overlaps;
  if (conflict) ++counters_.overlap_conflicts;
  return true;
}

void TcpStream::deliver_held(int64_t ts_us, StreamSink& sink) {
  while (held_segments() != 0 && held_[head_].start == base_) {
    const Held h = held_[head_];
    emit(arena_.data() + h.off, h.len, ts_us, sink);
    pop_front_held();
  }
}

void TcpStream::skip_to(uint64_t abs, int64_t ts_us, StreamSink& sink) {
  if (abs <= base_) return;
  const uint64_t len = abs - base_;
  sink.on_gap(len, ts_us);
  ++counters_.gaps;
  counters_.gap_bytes += len;
  base_ = abs;
  recent_start_ = abs;
  // Callers skip to a held piece's start at most; trim anything below anyway to keep the
  // invariant (every held piece starts after base_).
  while (held_segments() != 0 && held_[head_].start < abs) {
    Held& h = held_[head_];
    if (h.end() <= abs) {
      pop_front_held();
      continue;
    }
    const size_t cut = abs - h.start;
    h.start += cut;
    h.off += cut;
    h.len -= cut;
    release_held(cut);
  }
}

void TcpStream::emit(const uint8_t* data, size_t len, int64_t ts_us, StreamSink& sink) {
  sink.on_data(data, len, ts_us);
  remember(data, len);
  base_ += len;
  counters_.bytes_delivered += len;
}

void TcpStream::remember(const uint8_t* data, size_t len) {
  const size_t w = cfg_->recent_bytes;
  if (w == 0) return;
  if (recent_.size() != w) {
    recent_.assign(w, 0);  // once per stream (or after flush): not per packet
    recent_start_ = base_;
  }
  const size_t n = std::min(len, w);
  const uint64_t first_abs = base_ + (len - n);
  const size_t idx = first_abs % w;
  const size_t part = std::min(n, w - idx);
  std::memcpy(recent_.data() + idx, data + (len - n), part);
  std::memcpy(recent_.data(), data + (len - n) + part, n - part);
}

bool TcpStream::differs_from_recent(uint64_t start, uint64_t end, const uint8_t* data) const {
  const size_t w = recent_.size();
  if (w == 0) return false;
  const uint64_t lo = std::max(recent_start_, base_ - std::min<uint64_t>(base_, w));
  const uint64_t s = std::max(start, lo);
  const uint64_t e = std::min(end, base_);
  if (s >= e) return false;
  const size_t n = e - s;
  const size_t idx = s % w;
  const size_t part = std::min(n, w - idx);
  const uint8_t* src = data + (s - start);
  return std::memcmp(recent_.data() + idx, src, part) != 0 ||
         std::memcmp(recent_.data(), src + part, n - part) != 0;
}

void TcpStream::on_fin(uint32_t seq) {
  if (fin_seen_) return;  // the first FIN wins
  if (!started_) start_at(seq);
  const uint64_t fin = unwrap(seq);
  if (fin < base_ || !in_window(fin)) {
    ++counters_.fin_ignored;
    return;
  }
  fin_seen_ = true;
  fin_abs_ = fin;
  if (held_segments() != 0 && held_.back().end() > fin) {
    ++counters_.after_fin;
    drop_held_from(fin);
  }
}

void TcpStream::on_peer_ack(uint32_t ack, int64_t ts_us, StreamSink& sink) {
  if (!started_) return;
  uint64_t acked = unwrap(ack);
  if (fin_seen_ && acked > fin_abs_) acked = fin_abs_;  // the FIN itself takes one number
  if (acked <= base_) return;
  if (!in_window(acked)) {
    ++counters_.out_of_window;
    return;
  }
  while (base_ < acked) {
    if (held_segments() != 0 && held_[head_].start < acked) {
      skip_to(held_[head_].start, ts_us, sink);
      deliver_held(ts_us, sink);
    } else {
      skip_to(acked, ts_us, sink);
    }
  }
  deliver_held(ts_us, sink);
}

void TcpStream::flush(int64_t ts_us, StreamSink& sink) {
  if (started_) {
    while (held_segments() != 0) {
      skip_to(held_[head_].start, ts_us, sink);
      deliver_held(ts_us, sink);
    }
    if (fin_seen_ && base_ < fin_abs_) skip_to(fin_abs_, ts_us, sink);
  }
  release_all();
}

void TcpStream::drop_held_from(uint64_t abs) {
  while (held_segments() != 0 && held_.back().end() > abs) {
    Held& h = held_.back();
    if (h.start >= abs) {
      release_held(h.len);
      held_.pop_back();
    } else {
      const size_t cut = h.end() - abs;
      h.len -= cut;
      release_held(cut);
    }
  }
  if (held_segments() == 0) on_held_empty();
}

void TcpStream::pop_front_held() {
  release_held(held_[head_].len);
  ++head_;
  if (head_ == held_.size()) {
    on_held_empty();
  } else if (head_ >= kHeadCompactMin && head_ * 2 >= held_.size()) {
    held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void TcpStream::release_held(size_t len) {
  held_bytes_ -= len;
  mem_->used -= len;
}

void TcpStream::on_held_empty() {
  held_.clear();
  head_ = 0;
  arena_.clear();
  if (arena_.capacity() > kRetainedArena) std::vector<uint8_t>().swap(arena_);
}

void TcpStream::compact_arena() {
  // Pieces are disjoint in the arena: moving them down in offset order never overwrites a
  // live byte. std::sort works in place, so this does not allocate.
  const auto live = held_.begin() + static_cast<std::ptrdiff_t>(head_);
  std::sort(live, held_.end(), [](const Held& a, const Held& b) { return a.off < b.off; });
  size_t cursor = 0;
  for (auto it = live; it != held_.end(); ++it) {
    if (it->off != cursor) std::memmove(arena_.data() + cursor, arena_.data() + it->off, it->len);
    it->off = cursor;
    cursor += it->len;
  }
  arena_.resize(cursor);
  std::sort(live, held_.end(), [](const Held& a, const Held& b) { return a.start < b.start; });
}

void TcpStream::release_all() {
  release_held(held_bytes_);
  std::vector<Held>().swap(held_);
  head_ = 0;
  std::vector<uint8_t>().swap(arena_);
  std::vector<uint8_t>().swap(recent_);
  recent_start_ = base_;
}

}  // namespace mirador

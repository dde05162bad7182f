#include "sensor/flow_table.h"

#include <algorithm>
#include <new>

namespace mirador {

int64_t FlowTimeouts::for_class(TimeoutClass c) const {
  switch (c) {
    case TimeoutClass::fresh:
      return fresh_us;
    case TimeoutClass::established:
      return established_us;
    case TimeoutClass::closing:
      return closing_us;
    case TimeoutClass::closed:
      return closed_us;
    case TimeoutClass::udp:
      return udp_us;
    case TimeoutClass::count_:
      break;
  }
  return established_us;
}

FlowTable::FlowTable(const FlowTableConfig& cfg, ReleaseFn on_release)
    : cfg_(cfg), on_release_(std::move(on_release)) {
  uint64_t by_mem = cfg_.memcap / FlowTableConfig::kBytesPerFlow;
  capacity_ = static_cast<uint32_t>(std::min<uint64_t>(cfg_.max_flows, by_mem));
  if (capacity_ == 0) capacity_ = 1;
  slots_.assign(1024, nullptr);
  mask_ = slots_.size() - 1;
}

FlowTable::~FlowTable() = default;

void FlowTable::lru_unlink(Flow& f) {
  List& l = lists_[static_cast<size_t>(f.tclass)];
  if (f.lru_prev)
    f.lru_prev->lru_next = f.lru_next;
  else
    l.head = f.lru_next;
  if (f.lru_next)
    f.lru_next->lru_prev = f.lru_prev;
  else
    l.tail = f.lru_prev;
  f.lru_prev = f.lru_next = nullptr;
}

void FlowTable::lru_push_back(Flow& f) {
  List& l = lists_[static_cast<size_t>(f.tclass)];
  f.lru_next = nullptr;
  f.lru_prev = l.tail;
  if (l.tail)
    l.tail->lru_next = &f;
  else
    l.head = &f;
  l.tail = &f;
}

Flow* FlowTable::find(const FlowKey& key, uint64_t hash) {
  for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
    Flow* f = slots_[i];
    if (!f) return nullptr;
    if (f->hash == hash && f->key == key) return f;
  }
}

Flow* FlowTable::allocate() {
  if (!free_.empty()) {
    Flow* f = free_.back();
    free_.pop_back();
    return f;
  }
  pool_.push_back(std::make_unique<Flow>());
  return pool_.back().get();
}

void FlowTable::grow() {
  std::vector<Flow*> old;
  old.swap(slots_);
  slots_.assign(old.size() * 2, nullptr);
  mask_ = slots_.size() - 1;
  for (Flow* f : old) {
    if (!f) continue;
    size_t i = f->hash & mask_;
    while (slots_[i]) i = (i + 1) & mask_;
    slots_[i] = f;
  }
}

Flow& FlowTable::lookup_or_create(const FlowKey& key, uint64_t hash, int64_t now_us,
                                  bool& created) {
  if (Flow* f = find(key, hash)) {
    created = false;
    f->last_ts_us = now_us;
    lru_unlink(*f);
    lru_push_back(*f);
    return *f;
  }
  if (live_ >= capacity_) {
    evict_oldest();
  } else {
    // The sessions' charges: evict until the new flow fits (each eviction returns a charge).
    while (live_ > 0 && (live_ + 1) * FlowTableConfig::kBytesPerFlow + charged_ > cfg_.memcap) {
      ++counters_.evicted_memcap;
      evict_oldest();
    }
  }
  // Keep the load factor at or below one half so probe sequences stay short.
  if ((live_ + 1) * 2 > slots_.size()) grow();

  Flow* f = allocate();
  f->key = key;
  f->hash = hash;
  f->first_ts_us = f->last_ts_us = now_us;
  f->tclass = key.proto == 6 ? TimeoutClass::fresh : TimeoutClass::udp;
  size_t i = hash & mask_;
  while (slots_[i]) i = (i + 1) & mask_;
  slots_[i] = f;
  lru_push_back(*f);
  ++live_;
  ++counters_.created;
  counters_.active = live_;
  note_memory();
  if (live_ > counters_.peak_active) counters_.peak_active = live_;
  created = true;
  return *f;
}

void FlowTable::charge(Flow& f, uint32_t bytes) {
  // Room first: the oldest other flows go, so the table never holds more than memcap. Not from
  // inside a release (a flow's last bytes, flushed as it goes, can start a session): evicting
  // then could release a flow of the batch being released; the overshoot is one session, and
  // the flow leaving returns its own charges right after.
  while (releasing_ == 0 && live_ > 1 &&
         live_ * FlowTableConfig::kBytesPerFlow + charged_ + bytes > cfg_.memcap) {
    ++counters_.evicted_memcap;
    evict_oldest(&f);
  }
  f.charged_bytes += bytes;
  charged_ += bytes;
  note_memory();
}

void FlowTable::note_memory() {
  counters_.memory_bytes = live_ * FlowTableConfig::kBytesPerFlow + charged_;
  if (counters_.memory_bytes > counters_.peak_memory_bytes) {
    counters_.peak_memory_bytes = counters_.memory_bytes;
  }
}

void FlowTable::set_class(Flow& f, TimeoutClass c) {
  if (f.tclass == c) return;
  lru_unlink(f);
  f.tclass = c;
  lru_push_back(f);
}

size_t FlowTable::slot_of(const Flow& f) const {
  for (size_t i = f.hash & mask_;; i = (i + 1) & mask_) {
    if (slots_[i] == &f) return i;
  }
}

// Backward-shift deletion: later entries of the probe run move up so no tombstones are needed.
void FlowTable::erase_slot(size_t slot) {
  size_t hole = slot;
  for (size_t i = (slot + 1) & mask_; slots_[i]; i = (i + 1) & mask_) {
    size_t home = slots_[i]->hash & mask_;
    // Move the entry into the hole unless its home lies cyclically in (hole, i].
    bool home_in_range = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
    if (!home_in_range) {
      slots_[hole] = slots_[i];
      hole = i;
    }
  }
  slots_[hole] = nullptr;
}

void FlowTable::release(Flow& f, ReleaseReason why) {
  if (why == ReleaseReason::timeout) ++counters_.timed_out;
  if (why == ReleaseReason::evicted) ++counters_.evicted;
  if (why == ReleaseReason::reused) ++counters_.reused;
  ++releasing_;
  on_release_(f, why);
  --releasing_;
  erase_slot(slot_of(f));
  lru_unlink(f);
  --live_;
  counters_.active = live_;
  charged_ -= f.charged_bytes;
  note_memory();
  // Recycle: destroy the state (frees held segments, the HTTP session) and start afresh.
  f.~Flow();
  new (&f) Flow();
  free_.push_back(&f);
}

void FlowTable::evict_oldest(const Flow* keep) {
  Flow* oldest = nullptr;
  for (List& l : lists_) {
    Flow* h = keep && l.head == keep ? keep->lru_next : l.head;
    if (h && (!oldest || h->last_ts_us < oldest->last_ts_us)) oldest = h;
  }
  if (oldest) release(*oldest, ReleaseReason::evicted);
}

void FlowTable::release_batch(ReleaseReason why) {
  std::sort(batch_.begin(), batch_.end(),
            [](const Flow* a, const Flow* b) { return a->order < b->order; });
  for (Flow* f : batch_) release(*f, why);
  batch_.clear();
}

void FlowTable::expire(int64_t now_us) {
  for (size_t c = 0; c < kTimeoutClassCount; ++c) {
    const int64_t timeout = cfg_.timeouts.for_class(static_cast<TimeoutClass>(c));
    for (Flow* f = lists_[c].head; f && now_us - f->last_ts_us > timeout; f = f->lru_next)
      batch_.push_back(f);
  }
  release_batch(ReleaseReason::timeout);
}

void FlowTable::release_all() {
  for (List& l : lists_) {
    for (Flow* f = l.head; f; f = f->lru_next) batch_.push_back(f);
  }
  release_batch(ReleaseReason::shutdown);
}

}  // namespace mirador

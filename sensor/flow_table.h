// FlowTable: a worker's connections, keyed by FlowKey. Open addressing with linear probing over a
// power-of-two slot array (no per-insert allocation, deletion by backward shift), Flow objects
// pooled and reused, and one intrusive LRU list per timeout class.
//
// Limits: at most `max_flows` live flows, and at most `memcap` bytes of flow state: each flow
// costs sizeof(Flow) plus its two hash slots, plus what its owner charges for the sessions it
// hangs on the flow (an HTTP/1.x, HTTP/2 or TLS session: charge(), measured sizes); reassembly's
// out-of-order bytes have a cap of their own (tcp.memcap). When a new flow would exceed either
// limit, the least recently
// active flow (the oldest head among the LRU lists) is evicted first — it is handed to the
// release callback, like a timed-out flow, so its transactions are still reported — and counted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "sensor/flow.h"

namespace mirador {

struct FlowTimeouts {
  int64_t fresh_us = 30'000'000;         // handshake not completed
  int64_t established_us = 600'000'000;  // idle established connection
  int64_t closing_us = 60'000'000;       // one FIN seen
  int64_t closed_us = 10'000'000;        // both FINs or RST: linger for retransmissions
  int64_t udp_us = 60'000'000;
  int64_t for_class(TimeoutClass c) const;
};

struct FlowTableConfig {
  uint32_t max_flows = 1'000'000;
  uint64_t memcap = uint64_t{1} << 30;
  // Bytes one live flow costs the table itself.
  static constexpr uint64_t kBytesPerFlow = sizeof(Flow) + 2 * sizeof(Flow*);
  FlowTimeouts timeouts;
};

// reused: a new connection (a SYN) arrived on the 5-tuple of a connection that had ended.
enum class ReleaseReason : uint8_t { timeout, evicted, shutdown, reused };

struct FlowTableCounters {
  uint64_t created = 0;
  uint64_t timed_out = 0;
  uint64_t evicted = 0;         // removed early because max_flows or memcap was reached
  uint64_t evicted_memcap = 0;  // of those, for memcap (the sessions' charges included)
  uint64_t memory_bytes = 0;    // the table's flows and their charged sessions, now
  uint64_t peak_memory_bytes = 0;
  uint64_t reused = 0;  // ended, then replaced by a new connection on the same 5-tuple
  uint64_t active = 0;
  uint64_t peak_active = 0;
};

class FlowTable {
 public:
  // Called for every flow leaving the table, before it is recycled.
  using ReleaseFn = std::function<void(Flow&, ReleaseReason)>;

  FlowTable(const FlowTableConfig& cfg, ReleaseFn on_release);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // Finds the flow of `key`, or creates it (evicting the oldest flow when full). `created` tells
  // which. The returned flow is moved to the tail of its LRU list with last_ts_us = now.
  Flow& lookup_or_create(const FlowKey& key, uint64_t hash, int64_t now_us, bool& created);
  Flow* find(const FlowKey& key, uint64_t hash);

  // Releases `f` now (a new connection reuses its 5-tuple); the caller looks the key up again.
  void release_for_reuse(Flow& f) { release(f, ReleaseReason::reused); }

  // `f` now holds `bytes` more of session state (an HTTP or TLS session), counted against memcap
  // (the oldest other flows are evicted to make room, except while a flow is being released)
  // and returned when `f` is released.
  void charge(Flow& f, uint32_t bytes);

  // The flow changed timeout class (e.g. became established); moves it between LRU lists.
  void set_class(Flow& f, TimeoutClass c);

  // Releases every flow idle past its class timeout at `now_us`. Cheap when nothing expired.
  // Flows released together (at one expiry, at the end) go in `order`, whatever their slot or
  // list: the same flows are then released in the same order however the flows are sharded.
  void expire(int64_t now_us);
  // Releases every flow (end of capture, shutdown).
  void release_all();

  size_t size() const { return live_; }
  const FlowTableCounters& counters() const { return counters_; }
  const FlowTableConfig& config() const { return cfg_; }
  // The live-flow limit in force: max_flows, or fewer when memcap is tighter.
  uint32_t capacity() const { return capacity_; }

 private:
  struct List {
    Flow* head = nullptr;
    Flow* tail = nullptr;
  };
  void lru_unlink(Flow& f);
  void lru_push_back(Flow& f);
  void release(Flow& f, ReleaseReason why);
  void erase_slot(size_t slot);
  size_t slot_of(const Flow& f) const;
  void grow();
  Flow* allocate();
  void evict_oldest(const Flow* keep = nullptr);  // never `keep`
  void note_memory();

  FlowTableConfig cfg_;
  ReleaseFn on_release_;
  std::vector<Flow*> slots_;  // nullptr = empty
  size_t mask_ = 0;
  size_t live_ = 0;
  uint32_t capacity_ = 1;
  uint64_t charged_ = 0;    // sum of the live flows' charged_bytes
  uint32_t releasing_ = 0;  // inside on_release_ (charges then evict nothing)
  std::array<List, kTimeoutClassCount> lists_{};
  std::vector<std::unique_ptr<Flow>> pool_;  // every Flow ever allocated
  std::vector<Flow*> free_;                  // recycled flows
  std::vector<Flow*> batch_;                 // flows released together, sorted by order
  void release_batch(ReleaseReason why);
  FlowTableCounters counters_;
};

}  // namespace mirador

// KafkaSource: a collector reading events from Kafka as a member of a consumer group, so several
// collectors share the partitions of the sensors' topics (Kafka rebalances them as members come
// and go).
//
// At-least-once: offsets are committed (synchronously, never automatically) only after the events
// up to them have been accepted, i.e. `accept` returned (the collector passes EventStore::accept,
// which returns once they are written and flushed). After a crash or a
// rebalance the group re-reads from the last commit and the store drops the duplicates.
//
// run() polls until stop() (any thread) or until `max_idle` passes without a message (tests), then
// commits and leaves the group cleanly. The idle clock starts when the group first assigns
// partitions (joining a group takes seconds and is not idleness) and restarts at every message and
// assignment; a caller that must bound the join uses stop().
//
// Rebalances: before partitions are revoked, the batch read so far is accepted and its offsets
// committed, so the next owner starts after it. Both the eager and the cooperative protocols
// (partition.assignment.strategy=cooperative-sticky in `extra`) are handled.
//
// Messages without a value (tombstones) are counted and skipped. If `accept` throws, nothing more
// is accepted or committed and run() rethrows after leaving the group: the batch will be read
// again by whoever owns its partitions next.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace mirador::collector {

struct KafkaSourceConfig {
  std::string brokers;  // bootstrap.servers
  std::string group = "mirador-collector";
  std::vector<std::string> topics;        // default: the sensor's four topics
  std::vector<std::string> extra;         // more librdkafka settings, "key=value"
  size_t batch_events = 1000;             // accepted and committed together
  size_t batch_bytes = 16u << 20;         // or fewer, when their values reach this size
  std::chrono::milliseconds max_idle{0};  // 0 = run until stop()
};

struct KafkaSourceCounters {
  uint64_t messages = 0;
  uint64_t commits = 0;
  uint64_t errors = 0;  // consumer errors reported by librdkafka
  uint64_t rebalances = 0;
  uint64_t skipped = 0;     // messages without a value
  uint64_t partitions = 0;  // now: partitions assigned to this member
};

// Takes a batch of serialised mirador.v1.Event values; returns once they are durable.
using AcceptBatch = std::function<void(std::span<const std::string>)>;

class KafkaSource {
 public:
  // Throws std::runtime_error on a bad configuration.
  KafkaSource(const KafkaSourceConfig& cfg, AcceptBatch accept);
  ~KafkaSource();

  void run();
  void stop() { stop_.store(true); }
  KafkaSourceCounters counters() const;

 private:
  struct Impl;
  KafkaSourceConfig cfg_;
  AcceptBatch accept_;
  std::atomic<bool> stop_{false};
  Impl* impl_ = nullptr;
};

}  // namespace mirador::collector

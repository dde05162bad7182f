// KafkaSource: a collector reading events from Kafka as a member of a consumer group, so several
// collectors share the partitions of the sensors' topics (Kafka rebalances them as members come
// and go).
//
// At-least-once: offsets are committed (synchronously, never automatically) only after the events
// up to them have been accepted by the EventStore, i.e. written and flushed. After a crash or a
// rebalance the group re-reads from the last commit and the store drops the duplicates.
//
// run() polls until stop() (any thread) or until `max_idle` passes without a message (tests), then
// commits and leaves the group cleanly.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/collector/event_store.h"

namespace mirador::collector {

struct KafkaSourceConfig {
  std::string brokers;  // bootstrap.servers
  std::string group = "mirador-collector";
  std::vector<std::string> topics;        // default: the sensor's four topics
  std::vector<std::string> extra;         // more librdkafka settings, "key=value"
  size_t batch_events = 1000;             // accepted and committed together
  std::chrono::milliseconds max_idle{0};  // 0 = run until stop()
};

struct KafkaSourceCounters {
  uint64_t messages = 0;
  uint64_t commits = 0;
  uint64_t errors = 0;  // consumer errors reported by librdkafka
  uint64_t rebalances = 0;
};

class KafkaSource {
 public:
  // Throws std::runtime_error on a bad configuration.
  KafkaSource(const KafkaSourceConfig& cfg, EventStore& store);
  ~KafkaSource();

  void run();
  void stop() { stop_.store(true); }
  KafkaSourceCounters counters() const;

 private:
  struct Impl;
  KafkaSourceConfig cfg_;
  EventStore& store_;
  std::atomic<bool> stop_{false};
  Impl* impl_ = nullptr;
};

}  // namespace mirador::collector

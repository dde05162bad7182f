// SequenceDedupe: which (sensor_id, sequence) pairs a collector has already written, so that an
// event delivered twice (a sensor's replay after a reconnect, a Kafka producer retry) is written
// once.
//
// Per sensor: a floor (every sequence <= floor counts as seen) and a bitmap of the `window`
// sequences above it. Over gRPC a sensor's events arrive in order, so the floor is simply the
// highest sequence seen; from Kafka they arrive in order per partition but interleaved across
// partitions, which the bitmap absorbs as long as partitions are less than `window` events apart
// (a late event below the floor is taken as a duplicate and counted as `below_floor`). Gaps (the
// sensor dropped events, or restarted) are fine: sequences are never required to be contiguous.
//
// Memory: window / 8 bytes per sensor (128 KiB for the default 2^20), allocated on the first
// sequence that is not the floor's successor (a sensor whose events arrive in order without gaps
// needs none); `max_sensors` caps the
// number of sensors tracked (over it, events of new sensors are written without de-duplication
// and counted as `untracked`). Not thread-safe: the EventStore's lock covers it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mirador::collector {

struct DedupeCounters {
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t below_floor = 0;  // part of duplicates: older than the window
  uint64_t untracked = 0;    // accepted without tracking (max_sensors reached)
  uint64_t sensors = 0;
};

class SequenceDedupe {
 public:
  explicit SequenceDedupe(uint64_t window = 1u << 20, size_t max_sensors = 4096);
  ~SequenceDedupe();  // defined where Sensor is complete

  // True the first time (sensor, seq) is offered; false for a duplicate. seq 0 is invalid and
  // always accepted (never tracked).
  bool first_time(std::string_view sensor, uint64_t seq);

  // Highest sequence seen per sensor (persisted at rotation, see EventStore).
  uint64_t highest(std::string_view sensor) const;
  // Restores knowledge after a restart: every sequence <= floor of `sensor` counts as seen.
  void set_floor(std::string_view sensor, uint64_t floor);
  std::vector<std::pair<std::string, uint64_t>> highest_all() const;

  // Undoes first_time() for a batch that could not be written, called in the reverse order of
  // the marks so a replay is written again. Errs toward a later duplicate, never a loss: the
  // highest is lowered below `seq`.
  void forget(std::string_view sensor, uint64_t seq);
  // Zeroes the per-event counters (after the store replayed its file at start).
  void clear_event_counters();

  const DedupeCounters& counters() const { return c_; }

 private:
  struct Sensor;
  uint64_t window_;
  size_t max_sensors_;
  std::unordered_map<std::string, std::unique_ptr<Sensor>> sensors_;
  DedupeCounters c_;
};

}  // namespace mirador::collector

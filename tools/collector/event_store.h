// EventStore: where a collector's events end up, whatever brought them (the gRPC service or the
// Kafka consumer). Thread-safe: every source calls accept() under one lock.
//
// For each event: parse, drop duplicates (SequenceDedupe), write the event as a proto3 JSON line
// (the sensor's own JsonLinesSink, same format and rotation: HTTP events through the sensor's
// writer, the other kinds, which the sensor's writer does not know yet, through protobuf's JSON
// printer with the proto field names), and, for findings when syslog
// forwarding is on, queue a CEF line to the SIEM. accept() flushes the JSON file before it returns
// so that the caller may acknowledge the batch: an acknowledged event is in the file (in the page
// cache; a collector crash does not lose it).
//
// Restart without duplicates: `<state_dir>/dedupe` keeps the highest sequence per sensor written
// to every file closed so far (rewritten at each rotation and at close); on start the store loads
// it and scans the current JSON-lines file (a torn last line from a kill is cut off) to restore
// what was written after the last rotation. The file is appended to, never truncated. With
// json_path "-" the state is kept only when state_dir is set (loaded at start, written at close).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "sensor/output/jsonl_sink.h"
#include "tools/collector/sequence_dedupe.h"
#include "tools/collector/syslog_forwarder.h"

namespace mirador::collector {

struct EventStoreConfig {
  std::string json_path;  // JSON lines; "-" stdout (no restart recovery)
  JsonRotation rotation;  // --rotate-bytes, --rotate-seconds
  std::string state_dir;  // dedupe state; default: the JSON file's directory
  uint64_t dedupe_window = 1u << 20;
  size_t max_sensors = 4096;
  SyslogConfig syslog;  // host empty = no CEF forwarding
  std::string version = "0.1.0";
};

struct AcceptResult {
  uint64_t highest_seq = 0;  // highest sequence in the batch (written or duplicate)
  uint64_t written = 0;
  uint64_t duplicates = 0;
  uint64_t invalid = 0;  // did not parse as an Event, or had no sensor_id
  // The file could not be written or flushed: nothing of the batch may be acknowledged. Its
  // events are forgotten by the de-duplication, so the sensor's replay is written again.
  bool write_failed = false;
};

struct StoreCounters {
  uint64_t batches = 0;
  uint64_t events = 0;
  uint64_t written = 0;
  uint64_t invalid = 0;
  uint64_t cef_sent = 0;  // findings queued to syslog
  uint64_t write_errors = 0;
  uint64_t rotations = 0;
  uint64_t failed_batches = 0;    // accept() with write_failed
  uint64_t recovered_events = 0;  // read back from the current file at start
  uint64_t torn_bytes_cut = 0;    // an incomplete last line cut off at start
  DedupeCounters dedupe;
  SyslogCounters syslog;
};

class EventStore {
 public:
  explicit EventStore(const EventStoreConfig& cfg);  // throws std::runtime_error
  ~EventStore();                                     // close()

  // `events`: serialised mirador.v1.Event each. Written and flushed when it returns.
  AcceptResult accept(std::span<const std::string> events);
  AcceptResult accept_one(std::string_view event);

  // Flushes the file (so a time-based rotation happens with no traffic); main calls it about once
  // a second.
  void tick();

  // Flushes, persists the dedupe state, stops the syslog forwarder (draining it). Idempotent.
  void close();
  StoreCounters counters() const;

 private:
  // (implementation state: lock, dedupe, sink, forwarder)
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mirador::collector

// EventFanout: every configured sink behind one call. The output thread hands each event to it
// once; it passes the same message and bytes to every sink, so an event has the same identity
// (sensor_id, sequence) and content in every sink.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "sensor/output/event_sink.h"

namespace mirador {

class EventFanout {
 public:
  void add(std::unique_ptr<EventSink> sink) { sinks_.push_back(std::move(sink)); }
  size_t sink_count() const { return sinks_.size(); }

  void write(const v1::Event& e, std::string_view encoded);
  void flush();
  // Progress for the sinks that are busy (remote sinks with events not yet acknowledged), the
  // budget shared between them; returns at once when none is.
  void pump(std::chrono::milliseconds budget);
  bool busy() const;
  // After the last event: every sink's close() (a remote sink drains, bounded).
  void close();
  // records: events handed out; write_errors and rotations: summed over sinks; remotes: each
  // remote sink's counters.
  OutputCounters counters() const;

 private:
  uint64_t events_ = 0;
  std::vector<std::unique_ptr<EventSink>> sinks_;
};

}  // namespace mirador

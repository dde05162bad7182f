// EventSink: one destination of events (JSON lines, the length-delimited protobuf file, later
// gRPC and Kafka). Sinks run on the output thread only: each receives every event once as the
// parsed message and as its serialised bytes, so a binary sink writes the bytes as they are and
// a text sink formats the message, and no sink builds or masks anything again.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "sensor/output/transaction_sink.h"

namespace mirador {

namespace v1 {
class Event;
}

// The envelope of mirador.v1.Event, without its payload.
struct EventHeader {
  std::string_view sensor_id;
  uint64_t sequence = 0;  // from 1
  int64_t time_us = 0;    // capture time, microseconds since the epoch
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // `encoded` is `e` serialised (the bytes the worker queued).
  virtual void write(const v1::Event& e, std::string_view encoded) = 0;
  virtual void flush() = 0;
  virtual OutputCounters counters() const = 0;

  // Progress without new events (a remote sink sends, reads acknowledgements, reconnects),
  // waiting at most `budget`. Local sinks have nothing to do.
  virtual void pump(std::chrono::milliseconds budget) { (void)budget; }
  // True while the sink has work that needs pump() (events not yet acknowledged).
  virtual bool busy() const { return false; }
  // The last call: after every event was written. A remote sink drains here (bounded).
  virtual void close() { flush(); }
};

}  // namespace mirador

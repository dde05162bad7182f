// EventSink: one destination of events (JSON lines, the length-delimited protobuf file, later
// gRPC and Kafka). Every sink receives the same envelope for the same transaction, numbered once
// by EventFanout, so a collector can join or de-duplicate events from any sink by
// (sensor_id, sequence).
#pragma once

#include <cstdint>
#include <string_view>

#include "sensor/output/transaction_sink.h"

namespace mirador {

// The envelope of mirador.v1.Event, without its payload.
struct EventHeader {
  std::string_view sensor_id;
  uint64_t sequence = 0;  // from 1, no gaps
  int64_t time_us = 0;    // capture time, microseconds since the epoch
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void write_http(const EventHeader& h, const FlowContext& flow,
                          const HttpTransaction& txn) = 0;
  virtual void flush() = 0;
  virtual OutputCounters counters() const = 0;
};

}  // namespace mirador

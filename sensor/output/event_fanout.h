// EventFanout: the TransactionSink a worker writes to when events go out. It numbers each
// transaction's event (1, 2, 3…) and hands the same envelope to every configured sink.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sensor/output/event_sink.h"

namespace mirador {

class EventFanout final : public TransactionSink {
 public:
  explicit EventFanout(std::string sensor_id) : sensor_id_(std::move(sensor_id)) {}

  void add(std::unique_ptr<EventSink> sink) { sinks_.push_back(std::move(sink)); }
  size_t sink_count() const { return sinks_.size(); }

  void write(const FlowContext& flow, const HttpTransaction& txn) override;
  void flush() override;
  // records: events numbered; write_errors: summed over sinks; masked_values: every sink masks
  // the same values of the same events, so the count is taken once (the largest).
  OutputCounters counters() const override;

 private:
  std::string sensor_id_;
  uint64_t sequence_ = 0;
  std::vector<std::unique_ptr<EventSink>> sinks_;
};

}  // namespace mirador

// EventProducer: a thread's TransactionSink when events go out (one per worker, one for the
// aggregator, one for the capture loop's stats). It builds each mirador.v1.Event once (masked),
// serialises it without a sequence into a reused buffer and pushes the bytes into its own
// EventQueue; the output thread numbers events as it takes them. It never formats, writes or
// waits for output: a full queue drops the event and counts it, and the next event pushed
// carries the count so the output thread leaves a gap in the sequence a collector can see. Only a
// file read may ask to wait instead: there is no capture to fall behind, and losing events of a
// file would only be a wrong answer.
#pragma once

#include <atomic>
#include <string>

#include "sensor/output/event_builder.h"
#include "sensor/output/event_queue.h"

namespace mirador {

class EventProducer final : public TransactionSink {
 public:
  EventProducer(std::string sensor_id, const MaskingConfig& masking, EventQueue& queue,
                bool wait_when_full = false);

  void write(const FlowContext& flow, const HttpTransaction& txn) override;
  // A finding event, queued like a transaction's, at the transaction's time.
  void write_finding(const FlowContext& flow, const HttpTransaction& txn,
                     const detect::Finding& finding) override;
  // An endpoint event, queued like a transaction's.
  void write_endpoint(const detect::Endpoint& endpoint, int64_t time_us) override;
  void write_tls(const FlowContext& flow, const tls::TlsInfo& info, int64_t time_us) override;
  // A stats event, queued like a transaction's.
  void write_stats(const v1::SensorStats& stats, int64_t time_us) override;
  void flush() override {}  // the output thread flushes the sinks
  // records: events made; masked_values; queue counters (dropped = refused by a full queue).
  // Callable from any thread (approximate while the producer runs).
  OutputCounters counters() const override;

 private:
  std::string sensor_id_;
  EventQueue& queue_;
  bool wait_when_full_;
  EventBuilder builder_;
  void push();  // bytes_ into the queue (waits or drops as configured)

  std::string bytes_;  // serialised event, capacity reused
  v1::Event stats_event_;
  std::atomic<uint64_t> made_{0};
  std::atomic<uint64_t> dropped_{0};
  uint64_t dropped_unreported_ = 0;  // dropped since the last push: the next event's tag
};

}  // namespace mirador

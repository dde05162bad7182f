// EventProducer: the worker's TransactionSink when events go out. On the capture thread it
// numbers each transaction's event (1, 2, 3…), builds the mirador.v1.Event once (masked),
// serialises it into a reused buffer and pushes (sequence, bytes) into the EventQueue. It never
// formats, writes or waits for output: a full queue drops the event and counts it (a gap in the
// sequence a collector can see). Only a file read may ask to wait instead: there is no capture to
// fall behind, and losing events of a file would only be a wrong answer.
#pragma once

#include <string>

#include "sensor/output/event_builder.h"
#include "sensor/output/event_queue.h"

namespace mirador {

class EventProducer final : public TransactionSink {
 public:
  // Events are numbered from `first_sequence` (SequenceStore::start(): 1 on a first run).
  EventProducer(std::string sensor_id, const MaskingConfig& masking, EventQueue& queue,
                bool wait_when_full = false, uint64_t first_sequence = 1);

  void write(const FlowContext& flow, const HttpTransaction& txn) override;
  // A finding event, numbered and queued like a transaction's, at the transaction's time.
  void write_finding(const FlowContext& flow, const HttpTransaction& txn,
                     const detect::Finding& finding) override;
  // An endpoint event, numbered and queued like a transaction's.
  void write_endpoint(const detect::Endpoint& endpoint, int64_t time_us) override;
  void write_tls(const FlowContext& flow, const tls::TlsInfo& info, int64_t time_us) override;
  // A stats event, numbered and queued like a transaction's.
  void write_stats(const v1::SensorStats& stats, int64_t time_us) override;
  void flush() override {}  // the output thread flushes the sinks
  // records: events numbered; masked_values; queue counters (dropped = refused by a full queue).
  OutputCounters counters() const override;
  // The last sequence numbered (first_sequence - 1 before the first event).
  uint64_t last_sequence() const { return sequence_; }

 private:
  std::string sensor_id_;
  EventQueue& queue_;
  bool wait_when_full_;
  EventBuilder builder_;
  void push(uint64_t seq);  // bytes_ into the queue (waits or drops as configured)

  std::string bytes_;  // serialised event, capacity reused
  v1::Event stats_event_;
  uint64_t first_sequence_;
  uint64_t sequence_;
  uint64_t dropped_ = 0;
};

}  // namespace mirador

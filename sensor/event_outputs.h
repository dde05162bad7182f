// The event path the configuration asks for: an EventProducer and its bounded EventQueue per
// thread that makes events (workers, aggregator, capture loop), and the OutputThread writing to
// every configured sink (JSON lines — output.json, rotated by output.json_rotate_* — the protobuf
// file, output.protobuf_file, and the remote sinks: a ReliableSink over a GrpcTransport for
// output.grpc). With a remote sink the sequence numbers continue across restarts (SequenceStore in
// output.spool_dir).
#pragma once

#include <memory>

#include "sensor/config.h"
#include "sensor/output/event_fanout.h"
#include "sensor/output/event_producer.h"
#include "sensor/output/output_thread.h"

namespace mirador {

class EventOutputs final : public TransactionSink {
 public:
  // Opens the sinks, makes `producers` producers (each with its own queue of output.queue_*
  // caps) and starts the output thread. With `wait_when_full` (reading a file) a full queue
  // makes its producer wait instead of dropping. Throws std::runtime_error when an output file
  // cannot be opened.
  EventOutputs(const SensorConfig& cfg, bool wait_when_full, size_t producers = 1);
  // Builds the path around the given sinks (tests).
  EventOutputs(const SensorConfig& cfg, bool wait_when_full, EventFanout sinks,
               size_t producers = 1);
  ~EventOutputs() override;

  void write(const FlowContext& flow, const HttpTransaction& txn) override {
    producers_[0]->write(flow, txn);
  }
  void write_finding(const FlowContext& flow, const HttpTransaction& txn,
                     const detect::Finding& finding) override {
    producers_[0]->write_finding(flow, txn, finding);
  }
  void write_endpoint(const detect::Endpoint& endpoint, int64_t time_us) override {
    producers_[0]->write_endpoint(endpoint, time_us);
  }
  void write_tls(const FlowContext& flow, const tls::TlsInfo& info, int64_t time_us) override {
    producers_[0]->write_tls(flow, info, time_us);
  }
  void write_stats(const v1::SensorStats& stats, int64_t time_us) override {
    producers_[0]->write_stats(stats, time_us);
  }
  void flush() override {}  // the output thread flushes; capture never waits for it
  // Delivers every queued event, flushes and closes the sinks (remote sinks drain for up to
  // output.remote_drain_timeout), stops the output thread and records the last sequence.
  void close() override;
  // Summed over the producers (high-water marks: the largest queue's).
  OutputCounters counters() const override;

  size_t sink_count() const { return sinks_.sink_count(); }
  // The sink of the i-th thread that makes events; the TransactionSink calls above are the
  // first's. One thread per producer.
  TransactionSink& producer(size_t i) { return *producers_[i]; }
  size_t producer_count() const { return producers_.size(); }

 private:
  EventFanout sinks_;
  std::unique_ptr<SequenceStore> sequences_;  // with a remote sink and output.spool_dir
  Doorbell doorbell_;                         // shared by the queues: the output thread's futex
  std::vector<std::unique_ptr<EventQueue>> queues_;
  std::vector<std::unique_ptr<EventProducer>> producers_;
  std::unique_ptr<OutputThread> thread_;
  bool closed_ = false;
};

// The sinks output.json, output.protobuf_file and output.grpc ask for.
EventFanout make_event_sinks(const SensorConfig& cfg);

// True when a remote sink (gRPC) is configured: then the spool and the sequence store are used.
bool has_remote_sink(const SensorConfig& cfg);

// The ReliableSink settings of the remote sink `name`: its spool is <output.spool_dir>/<name>.
ReliableSinkConfig remote_sink_config(const SensorConfig& cfg, const std::string& name);

}  // namespace mirador

#include "sensor/event_outputs.h"

#include "sensor/output/grpc_transport.h"
#include "sensor/output/jsonl_sink.h"
#include "sensor/output/kafka_transport.h"
#include "sensor/output/protobuf_file_sink.h"
#include "sensor/output/reliable_sink.h"

namespace mirador {

bool has_remote_sink(const SensorConfig& cfg) {
  return !cfg.grpc.address.empty() || !cfg.kafka.brokers.empty();
}

ReliableSinkConfig remote_sink_config(const SensorConfig& cfg, const std::string& name) {
  ReliableSinkConfig r = cfg.remote;
  r.spool_dir = cfg.spool_dir.empty() ? std::string() : cfg.spool_dir + "/" + name;
  return r;
}

EventFanout make_event_sinks(const SensorConfig& cfg) {
  EventFanout sinks;
  if (!cfg.json_output.empty()) {
    sinks.add(std::make_unique<JsonLinesSink>(cfg.json_output, cfg.json_rotation));
  }
  if (!cfg.protobuf_file.empty()) {
    sinks.add(std::make_unique<ProtobufFileSink>(cfg.protobuf_file));
  }
  // Remote sinks: a transport behind a ReliableSink (window, spool, reconnects) each.
  if (!cfg.grpc.address.empty()) {
    sinks.add(std::make_unique<ReliableSink>(std::make_unique<GrpcTransport>(cfg.grpc),
                                             remote_sink_config(cfg, "grpc")));
  }
  if (!cfg.kafka.brokers.empty()) {
    sinks.add(std::make_unique<ReliableSink>(std::make_unique<KafkaTransport>(cfg.kafka),
                                             remote_sink_config(cfg, "kafka")));
  }
  return sinks;
}

EventOutputs::EventOutputs(const SensorConfig& cfg, bool wait_when_full)
    : EventOutputs(cfg, wait_when_full, make_event_sinks(cfg)) {}

EventOutputs::EventOutputs(const SensorConfig& cfg, bool wait_when_full, EventFanout sinks)
    : sinks_(std::move(sinks)),
      sequences_(has_remote_sink(cfg) && !cfg.spool_dir.empty()
                     ? std::make_unique<SequenceStore>(cfg.spool_dir)
                     : nullptr),
      queue_(std::make_unique<EventQueue>(cfg.queue)),
      producer_(std::make_unique<EventProducer>(cfg.sensor_id, cfg.masking, *queue_, wait_when_full,
                                                sequences_ ? sequences_->start() : 1)),
      thread_(std::make_unique<OutputThread>(*queue_, sinks_, std::chrono::milliseconds(200),
                                             sequences_.get())) {}

EventOutputs::~EventOutputs() {
  close();
}

void EventOutputs::close() {
  if (closed_) return;
  closed_ = true;
  thread_->stop();
  // The output thread is gone: the store is ours now. A clean stop records the exact last
  // sequence, so the next run continues without a gap.
  if (sequences_) sequences_->finish(producer_->last_sequence());
}

OutputCounters EventOutputs::counters() const {
  OutputCounters c = producer_->counters();
  OutputCounters t = thread_->counters();
  c.written = t.written;
  c.write_errors = t.write_errors;
  c.rotations = t.rotations;
  c.sequence_errors = t.sequence_errors;
  c.remotes = std::move(t.remotes);
  return c;
}

}  // namespace mirador

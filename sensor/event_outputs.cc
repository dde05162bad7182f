#include "sensor/event_outputs.h"

#include <algorithm>

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

EventOutputs::EventOutputs(const SensorConfig& cfg, bool wait_when_full, size_t producers)
    : EventOutputs(cfg, wait_when_full, make_event_sinks(cfg), producers) {}

EventOutputs::EventOutputs(const SensorConfig& cfg, bool wait_when_full, EventFanout sinks,
                           size_t producers)
    : sinks_(std::move(sinks)),
      sequences_(has_remote_sink(cfg) && !cfg.spool_dir.empty()
                     ? std::make_unique<SequenceStore>(cfg.spool_dir)
                     : nullptr) {
  std::vector<EventQueue*> queues;
  for (size_t i = 0; i < std::max<size_t>(producers, 1); ++i) {
    queues_.push_back(std::make_unique<EventQueue>(cfg.queue));
    queues_.back()->share_doorbell(doorbell_);
    queues.push_back(queues_.back().get());
    producers_.push_back(std::make_unique<EventProducer>(cfg.sensor_id, cfg.masking,
                                                         *queues_.back(), wait_when_full));
  }
  thread_ =
      std::make_unique<OutputThread>(std::move(queues), sinks_, std::chrono::milliseconds(200),
                                     sequences_.get(), sequences_ ? sequences_->start() : 1);
}

EventOutputs::~EventOutputs() {
  close();
}

void EventOutputs::close() {
  if (closed_) return;
  closed_ = true;
  thread_->stop();
  // The output thread is gone: the store is ours now. A clean stop records the exact last
  // sequence, so the next run continues without a gap.
  if (sequences_) sequences_->finish(thread_->last_sequence());
}

OutputCounters EventOutputs::counters() const {
  OutputCounters c;
  for (const auto& p : producers_) {
    const OutputCounters one = p->counters();
    c.records += one.records;
    c.masked_values += one.masked_values;
    c.queue_pushed += one.queue_pushed;
    c.queue_dropped += one.queue_dropped;
    c.queue_high_water_events = std::max(c.queue_high_water_events, one.queue_high_water_events);
    c.queue_high_water_bytes = std::max(c.queue_high_water_bytes, one.queue_high_water_bytes);
  }
  OutputCounters t = thread_->counters();
  c.written = t.written;
  c.write_errors = t.write_errors;
  c.rotations = t.rotations;
  c.sequence_errors = t.sequence_errors;
  c.remotes = std::move(t.remotes);
  return c;
}

}  // namespace mirador

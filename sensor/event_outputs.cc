#include "sensor/event_outputs.h"

#include "sensor/output/jsonl_sink.h"
#include "sensor/output/protobuf_file_sink.h"

namespace mirador {

EventFanout make_event_sinks(const SensorConfig& cfg) {
  EventFanout sinks;
  if (!cfg.json_output.empty()) {
    sinks.add(std::make_unique<JsonLinesSink>(cfg.json_output, cfg.json_rotation));
  }
  if (!cfg.protobuf_file.empty()) {
    sinks.add(std::make_unique<ProtobufFileSink>(cfg.protobuf_file));
  }
  return sinks;
}

EventOutputs::EventOutputs(const SensorConfig& cfg, bool wait_when_full)
    : EventOutputs(cfg, wait_when_full, make_event_sinks(cfg)) {}

EventOutputs::EventOutputs(const SensorConfig& cfg, bool wait_when_full, EventFanout sinks)
    : sinks_(std::move(sinks)),
      queue_(std::make_unique<EventQueue>(cfg.queue)),
      producer_(
          std::make_unique<EventProducer>(cfg.sensor_id, cfg.masking, *queue_, wait_when_full)),
      thread_(std::make_unique<OutputThread>(*queue_, sinks_)) {}

EventOutputs::~EventOutputs() {
  close();
}

void EventOutputs::close() {
  thread_->stop();
}

OutputCounters EventOutputs::counters() const {
  OutputCounters c = producer_->counters();
  const OutputCounters t = thread_->counters();
  c.written = t.written;
  c.write_errors = t.write_errors;
  c.rotations = t.rotations;
  return c;
}

}  // namespace mirador

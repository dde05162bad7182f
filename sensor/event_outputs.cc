#include "sensor/event_outputs.h"

#include "sensor/output/jsonl_sink.h"
#include "sensor/output/protobuf_file_sink.h"

namespace mirador {

std::unique_ptr<EventFanout> make_event_outputs(const SensorConfig& cfg) {
  auto out = std::make_unique<EventFanout>(cfg.sensor_id);
  if (!cfg.json_output.empty()) {
    out->add(std::make_unique<JsonLinesSink>(cfg.json_output, cfg.masking));
  }
  if (!cfg.protobuf_file.empty()) {
    out->add(std::make_unique<ProtobufFileSink>(cfg.protobuf_file, cfg.masking));
  }
  return out;
}

}  // namespace mirador

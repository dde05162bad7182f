// The event sinks the configuration asks for, behind one EventFanout: JSON lines (output.json)
// and the length-delimited protobuf file (output.protobuf_file), any of them at once.
#pragma once

#include <memory>

#include "sensor/config.h"
#include "sensor/output/event_fanout.h"

namespace mirador {

// Throws std::runtime_error when an output file cannot be opened.
std::unique_ptr<EventFanout> make_event_outputs(const SensorConfig& cfg);

}  // namespace mirador

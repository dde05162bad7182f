// The identity of an event read back from a JSON line: (sensor_id, sequence). The collector reads
// its current JSON-lines file at start to learn what it has already written; a full JSON parse of
// every line (protobuf's JsonStringToMessage) would make a restart on a large file slow, so only
// the two top-level members are decoded and every other value is skipped over.
//
// Accepts what either writer produces: the sensor's (`"sequence":7`) and protobuf's printer
// (`"sequence":"7"`, a uint64 as proto3 JSON prints it), members in any order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mirador::collector {

// False when the line is not a JSON object or lacks either member (or they have the wrong type).
bool extract_event_id(std::string_view line, std::string& sensor_id, uint64_t& sequence);

}  // namespace mirador::collector

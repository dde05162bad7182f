// Sensor statistics: every counter of the packet path — capture, decode (each malformed reason),
// flows, TCP reassembly, HTTP, output — as one JSON object, written to stderr every
// `stats.interval` and at the end. Every cap in the configuration has its counter here.
#pragma once

#include <cstdint>
#include <string>

#include "sensor/capture/pcap_source.h"
#include "sensor/worker.h"

namespace mirador {

namespace v1 {
class SensorStats;
}

// One line of JSON: {"stats":{...}}. `elapsed_s` is wall time since start. With `as_proto`, the
// same counters are also filled into a SensorStats message (groups named as in the line, a nested
// group as "decode.malformed"; booleans as 0/1) for the stats event.
std::string format_stats_json(const Worker& w, const CaptureStats& cap, const OutputCounters& out,
                              double elapsed_s, bool final_line,
                              v1::SensorStats* as_proto = nullptr);

// Peak resident set size of this process, bytes.
uint64_t peak_rss_bytes();

}  // namespace mirador

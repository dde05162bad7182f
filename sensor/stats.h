// Sensor statistics: every counter of the packet path — capture, decode (each malformed reason),
// flows, TCP reassembly, HTTP, output — as one JSON object, written to stderr every
// `stats.interval` and at the end. Every cap in the configuration has its counter here.
#pragma once

#include <cstdint>
#include <string>

#include "sensor/capture/pcap_source.h"
#include "sensor/worker.h"

namespace mirador {

// One line of JSON: {"stats":{...}}. `elapsed_s` is wall time since start.
std::string format_stats_json(const Worker& w, const CaptureStats& cap, const OutputCounters& out,
                              double elapsed_s, bool final_line);

// Peak resident set size of this process, bytes.
uint64_t peak_rss_bytes();

}  // namespace mirador

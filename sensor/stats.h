// Sensor statistics: every counter of the packet path — capture, decode (each malformed reason),
// flows, TCP reassembly, HTTP, output — as one JSON object, written to stderr every
// `stats.interval` and at the end. Every cap in the configuration has its counter here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sensor/capture/packet_source.h"
#include "sensor/reload/reloader.h"
#include "sensor/worker.h"

namespace mirador {

namespace v1 {
class SensorStats;
}

// What the capture thread counts when it hands packets to worker threads.
struct DispatchCounters {
  uint64_t dispatched = 0;       // packets handed to a worker's ring
  uint64_t ring_full_drops = 0;  // live: a worker's ring was full (the worker fell behind)
  uint64_t ring_waits = 0;       // file: the capture thread waited for room in a ring
  uint64_t too_big_drops = 0;    // a payload larger than half a ring (capture.worker_ring_bytes)
  uint64_t other_l4 = 0;         // IP packets neither TCP nor UDP: counted, not dispatched
  uint64_t reports = 0;          // transaction reports the aggregator handled
  uint64_t report_waits = 0;     // a worker waited for a free report (the aggregator was behind)
};

// Where the counters come from: the workers (summed), the capture thread's decoder when it
// decodes for them, the one stateful stage, the dispatch counters. Read only while the threads
// that write them are paused or gone.
struct StatsSources {
  std::vector<const Worker*> workers;
  const DecodeCounters* dispatch_decode = nullptr;
  const StatefulStage* stage = nullptr;
  const DispatchCounters* dispatch = nullptr;
  const ReloadCounters* reload = nullptr;  // with a Reloader (SIGHUP)
};

// One line of JSON: {"stats":{...}}. `elapsed_s` is wall time since start. With `as_proto`, the
// same counters are also filled into a SensorStats message (groups named as in the line, a nested
// group as "decode.malformed"; booleans as 0/1) for the stats event.
std::string format_stats_json(const StatsSources& src, const CaptureStats& cap,
                              const OutputCounters& out, double elapsed_s, bool final_line,
                              v1::SensorStats* as_proto = nullptr);
// One worker with its own stateful stage.
std::string format_stats_json(const Worker& w, const CaptureStats& cap, const OutputCounters& out,
                              double elapsed_s, bool final_line,
                              v1::SensorStats* as_proto = nullptr);

// Peak resident set size of this process, bytes.
uint64_t peak_rss_bytes();

}  // namespace mirador

// The capture loop: packets from a PacketSource (libpcap or DPDK) into the Pipeline (decoded here,
// handed to the worker threads), with idle housekeeping on live captures, periodic stats, a
// progress line on a terminal, and a clean stop on a signal or after a duration. Ends by releasing
// every flow so no transaction is lost.
#pragma once

#include <string>

#include <atomic>
#include <cstdio>

#include "sensor/capture/packet_source.h"
#include "sensor/output/transaction_sink.h"
#include "sensor/pipeline/pipeline.h"
#include "sensor/stats.h"

namespace mirador {

struct LoopOptions {
  double stats_interval_s = 0;  // 0: stats only at the end
  double duration_s = 0;        // live: stop after this long (0: never)
  bool progress = false;        // draw a progress line (caller checks that stderr is a tty)
  bool stats_events = false;    // each stats line is also a stats event in the event stream
  // inventory.openapi_file: at the end, the inventory as an OpenAPI 3.0 document (JSON) here.
  std::string openapi_file;
  std::FILE* stats_out = stderr;
  const ReloadCounters* reload = nullptr;  // printed as the "reload" group when set
};

// Set from a signal handler to stop the loop; the loop then drains and finishes.
extern std::atomic<bool> g_stop_requested;

struct LoopResult {
  bool read_error = false;
  std::string error;
};

// `stats_sink` is the capture thread's own producer of `outputs` (stats events).
LoopResult run_capture_loop(PacketSource& src, Pipeline& pipe, EventOutputs& outputs,
                            TransactionSink& stats_sink, const LoopOptions& opt);

}  // namespace mirador

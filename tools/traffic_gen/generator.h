// Interleaves many TCP connections in timestamp order and writes them to a pcap sink until the
// transaction count or the size budget is reached.
#pragma once

#include "tools/traffic_gen/gen_options.h"
#include "tools/traffic_gen/gen_stats.h"
#include "tools/traffic_gen/pcap_sink.h"

namespace mirador::gen {

// Runs the whole generation. `options` must have passed validate(). Deterministic: the same
// options give the same frames (elapsed_seconds aside).
GenStats generate(const GenOptions& options, PcapSink& sink);

}  // namespace mirador::gen

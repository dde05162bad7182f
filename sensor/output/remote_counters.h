// The counters of a remote sink (ReliableSink over a RemoteTransport), as the stats line shows
// them: one group per sink ("output_grpc", "output_kafka"). Plain values, so the output thread
// can publish a copy for the capture thread.
#pragma once

#include <cstdint>
#include <string>

#include "sensor/output/remote_transport.h"
#include "sensor/output/spool.h"

namespace mirador {

struct ReliableSinkCounters {
  uint64_t events_in = 0;            // events handed to the sink
  uint64_t acked = 0;                // events acknowledged (each counted once)
  uint64_t spooled = 0;              // events written to the spool (window spills included)
  uint64_t replayed = 0;             // events sent again from the spool or the window after a break
  uint64_t dropped_window_full = 0;  // no spool and the window full
  uint64_t dropped_spool = 0;        // the spool refused them (full, disk error)
  uint64_t dropped_at_close = 0;     // no spool: still unacknowledged when close() gave up
  uint64_t reconnects = 0;           // connections started after a break
  uint64_t window_events = 0;        // now
  uint64_t spool_bytes = 0;          // now
  uint64_t spool_events_pending = 0;  // now: spooled and not yet acknowledged (approximate)
  bool connected = false;             // now
  TransportCounters transport;
  SpoolCounters spool;
};

// One remote sink's counters under its name ("grpc").
struct RemoteSinkStats {
  std::string name;
  ReliableSinkCounters c;
};

}  // namespace mirador

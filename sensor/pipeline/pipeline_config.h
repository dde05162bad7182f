// PipelineConfig: how the sensor spreads over threads (capture.workers and the sizes of the
// rings between the threads).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mirador {

struct PipelineConfig {
  // capture.workers: worker threads; 0 = one per core (resolved by resolve_workers()).
  uint32_t workers = 0;
  size_t ring_bytes = 16u << 20;      // capture.worker_ring_bytes: each worker's packet ring
  uint32_t reports_per_worker = 256;  // capture.worker_reports: reports in flight per worker
  bool wait_when_full = false;        // a file: wait for room instead of dropping
};

// capture.workers resolved: 0 becomes the number of cores (at least 1).
uint32_t resolve_workers(uint32_t configured);

}  // namespace mirador

// Pipeline: the sensor on every core. The capture thread decodes each frame (link layer,
// tunnels, IP defragmentation) and hands the packet to the worker that owns its flow — chosen by
// the symmetric flow hash, so both directions of a connection meet in one worker — through that
// worker's PacketRing. N worker threads each own a Worker (flow table shard, reassembly, HTTP,
// detection engine with its own Hyperscan scratch) and send one TransactionReport per
// transaction over lock-free rings to the aggregator thread, which runs the one StatefulStage.
// Every thread writes its events through its own producer; the output thread numbers them.
//
// Same answer with any number of workers: every packet, tick and the end gets an index in
// capture order; a worker's reports carry (index, the flow's first index, n) and come out of one
// worker in increasing order; the aggregator merges the workers' reports by that key, taking a
// report only when no worker can still produce a smaller one (its ring is empty and it has
// processed everything dispatched up to that index). So the stateful detectors see the same
// sequence of transactions with 1, 2 or N workers.
//
// Threads and what they wait on: the capture thread waits for room in a ring only when reading
// a file (live, a full ring drops the packet and counts it); a worker waits for a free report
// when the aggregator is behind; the aggregator waits for room in its event queue only on a file.
// Nothing waits on the capture thread, so there is no cycle. Counters are read while the threads
// are parked at a PauseGate (once per stats interval), never racing with their writers.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "decoders/packet/packet_decoder.h"
#include "sensor/capture/raw_packet.h"
#include "sensor/event_outputs.h"
#include "sensor/pipeline/packet_ring.h"
#include "sensor/pipeline/pause_gate.h"
#include "sensor/pipeline/pipeline_config.h"
#include "sensor/pipeline/spsc_ring.h"
#include "sensor/pipeline/stateful_stage.h"
#include "sensor/stats.h"
#include "sensor/worker.h"

namespace mirador {

class Pipeline {
 public:
  // Starts the worker threads and the aggregator. `outputs` must have workers + 1 producers at
  // least: producer i for worker i, producer `workers` for the aggregator.
  Pipeline(const WorkerConfig& wcfg, const PipelineConfig& pcfg, EventOutputs& outputs,
           std::shared_ptr<const detect::CompiledRules> rules);
  ~Pipeline();  // finish()
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Capture thread: one frame.
  void packet(int link_type, const RawPacket& pkt);
  // Capture thread: time passes without packets (live capture idle).
  void tick(int64_t now_us);
  // Capture thread: end of input. Every worker releases its flows, the aggregator handles the
  // last reports and writes the inventory, the threads are joined. Idempotent.
  void finish();

  // Capture thread: stop and resume every pipeline thread around reading counters.
  void pause();
  void resume();
  // Valid while paused or after finish().
  StatsSources stats_sources() const;
  // After finish(): the inventory (null with detection off).
  const StatefulStage* stage() const { return stage_.get(); }
  const DispatchCounters& dispatch_counters() const { return dispatch_; }
  // The capture thread's decoder (what it has read and decoded so far).
  const DecodeCounters& decode_counters() const { return decoder_.counters(); }

 private:
  class Channel;
  struct WorkerSlot;
  void broadcast(PacketRing::Kind kind, int64_t ts_us);
  bool push_or_wait(WorkerSlot& w, const PacketView* v, PacketRing::Kind kind, int64_t ts_us);
  void run_worker(WorkerSlot& slot);
  void run_aggregator();
  // The aggregator: hands the stateful stage every report it can place in key order now.
  bool merge_reports(bool all_done);
  void read_report_counters();
  uint32_t threads() const { return static_cast<uint32_t>(workers_.size()) + 1; }

  PipelineConfig cfg_;
  PacketDecoder decoder_;
  PacketView view_;
  DispatchCounters dispatch_;
  int64_t now_us_ = 0;
  int64_t next_tick_us_ = 0;
  uint64_t index_ = 0;                  // packets, ticks and the end, counted
  std::atomic<uint64_t> published_{0};  // index_ once its record is in every ring it goes to
  PauseGate gate_;
  Doorbell aggregator_bell_;
  std::unique_ptr<StatefulStage> stage_;
  std::vector<std::unique_ptr<WorkerSlot>> workers_;
  std::atomic<uint32_t> workers_done_{0};
  std::atomic<uint64_t> reports_{0};
  std::thread aggregator_;
  bool finished_ = false;
};

}  // namespace mirador

// Worker: the packet path of one shard — decode, flow lookup, TCP reassembly, protocol
// detection, HTTP/1.x — ending in completed transactions handed to a TransactionSink. One thread
// owns a worker; nothing in it locks or allocates per packet in the steady state.
#pragma once

#include <cstdint>
#include <memory>

#include "decoders/http1/http1_session.h"
#include "decoders/http2/http2_session.h"
#include "decoders/packet/packet_decoder.h"
#include "decoders/tcp/tcp_stream.h"
#include "decoders/tls/key_log.h"
#include "decoders/tls/tls_session.h"
#include "detectors/abuse/abuse_detector.h"
#include "detectors/auth/hygiene.h"
#include "detectors/auth/identity.h"
#include "detectors/engine/detection_engine.h"
#include "detectors/inventory/inventory.h"
#include "detectors/inventory/path_template.h"
#include "detectors/inventory/spec_conformance.h"
#include "detectors/tls/tls_checks.h"
#include "sensor/flow_table.h"
#include "sensor/output/transaction_sink.h"
#include "sensor/pipeline/stateful_stage.h"
#include "sensor/pipeline/transaction_report.h"
#include "sensor/worker_config.h"

namespace mirador {

struct WorkerCounters {
  uint64_t tcp_packets = 0;
  uint64_t udp_packets = 0;
  uint64_t other_packets = 0;  // IP, but neither TCP nor UDP
  uint64_t http_flows = 0;
  uint64_t http2_flows = 0;  // prior knowledge, h2c upgrade or midstream (not inside TLS)
  uint64_t tls_flows = 0;
  uint64_t http_flows_by_port = 0;  // fell back to the port hint (midstream pickup)
  uint64_t non_http_flows = 0;
  uint64_t transactions = 0;
  // TCP overlap conflicts / IP fragment overlaps on flows with no HTTP/1.x session to lay them
  // on (HTTP/2, TLS, not HTTP): counted only (tcp.overlap_conflicts, decode frag_overlap too).
  uint64_t evasion_unattributed = 0;
  // TCP reassembly, summed over finished streams and, in snapshot(), live ones.
  TcpStreamCounters tcp;
  uint64_t tcp_memcap_hits = 0;
  uint64_t rules_reloads = 0;  // times the engine took reloaded rules (SIGHUP)
};

// Where a worker sends its TransactionReports when the stateful stage runs on another thread
// (the aggregator). acquire() gives a report to fill (recycled, never null; it may wait for
// one); submit() hands it over. Called only from the worker's thread.
class ReportChannel {
 public:
  virtual ~ReportChannel() = default;
  virtual TransactionReport* acquire() = 0;
  virtual void submit(TransactionReport* r) = 0;
};

class Worker {
 public:
  // With `rules`, every transaction goes through a DetectionEngine of this worker (its own
  // Hyperscan scratch) and its findings follow the transaction into the sink; what needs more
  // than one transaction goes to `reports` (the aggregator) or, without it, to a StatefulStage
  // this worker owns (one worker alone: tests, tools).
  Worker(const WorkerConfig& cfg, TransactionSink& sink,
         std::shared_ptr<const detect::CompiledRules> rules = nullptr,
         ReportChannel* reports = nullptr);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // One captured frame of pcap link type `link_type`.
  void process(int link_type, const uint8_t* data, uint32_t cap_len, uint32_t wire_len,
               int64_t ts_us);
  // One packet decoded elsewhere (the capture thread's dispatcher): the view and its payload
  // are read during the call only. `index` is the packet's place in the capture (increasing):
  // with the flow's first index it orders this worker's reports the same way whatever the
  // number of workers (TransactionReport::key).
  void process_view(const PacketView& p, uint64_t index);
  // Advances time without a packet (live capture idle): expires flows and fragments. `index`:
  // as for a packet (0: the next after the last).
  void tick(int64_t now_us, uint64_t index = 0);
  // End of input: every flow is released and its transactions emitted.
  void finish(uint64_t index = 0);

  const DecodeCounters& decode_counters() const { return decoder_.counters(); }
  const FlowTableCounters& flow_counters() const { return flows_.counters(); }
  uint32_t flow_capacity() const { return flows_.capacity(); }
  const Http1Counters& http_counters() const { return http_counters_; }
  const Http2Counters& http2_counters() const { return http2_counters_; }
  const tls::TlsCounters& tls_counters() const { return tls_counters_; }
  const tls::KeyLog* keylog() const { return cfg_.keylog.get(); }
  const WorkerCounters& counters() const { return counters_; }
  // The latest capture time seen (packets and ticks).
  int64_t now_us() const { return now_us_; }
  const ReassemblyMemory& reassembly_memory() const { return tcp_mem_; }
  // Null when detection is off.
  const detect::DetectionEngine* detection() const { return detect_.get(); }
  // Null when detection or auth.enabled is off.
  const detect::IdentityExtractor* identity() const;
  // The stateful detectors of a worker without a ReportChannel (null with detection off or
  // with a channel).
  const StatefulStage* stage() const { return stage_.get(); }

 private:
  class SideSink;
  void handle_view(const PacketView& p);
  void handle_tcp(Flow& f, const PacketView& p, uint8_t side);
  void on_stream_data(Flow& f, uint8_t side, const uint8_t* data, size_t len, int64_t ts);
  void on_stream_gap(Flow& f, uint8_t side, size_t len, int64_t ts);
  void start_http(Flow& f, uint8_t client_side, bool resync);
  enum class H2Start : uint8_t { preface, midstream };
  void start_http2(Flow& f, uint8_t client_side, H2Start how);
  void start_tls(Flow& f, uint8_t client_side);
  void replay_sniffed(Flow& f, uint8_t client_side, bool resync);
  // HttpEvasion bits seen on side's bytes below HTTP, handed to the message that carried them.
  void note_evasion(Flow& f, uint8_t side, uint32_t bits, bool ahead);
  // The HTTP layer of a flow (on TCP, or on TLS's plaintext).
  void http_data(Flow& f, Direction d, const uint8_t* data, size_t len, int64_t ts);
  void http_gap(Flow& f, Direction d, size_t len, int64_t ts);
  void http_end(Flow& f, Direction d, int64_t ts);
  void http_close(Flow& f, int64_t ts);
  Http1Session& new_http1(Flow& f);
  Http2Session& new_http2(Flow& f);
  void switch_to_h2c(Flow& f);
  void on_tls_handshake(Flow& f, const tls::TlsInfo& info);
  TransactionReport& take_report();
  void hand_over(TransactionReport& r);
  FlowContext flow_context(Flow& f) const;
  void maybe_end(Flow& f, uint8_t side, int64_t ts);
  void close_flow(Flow& f, int64_t ts);
  void release(Flow& f, ReleaseReason why);
  void emit(Flow& f, HttpTransaction&& txn);
  bool port_hint(uint16_t port) const;
  Direction dir_of(const Flow& f, uint8_t side) const {
    return side == f.client_side ? Direction::to_server : Direction::to_client;
  }

  WorkerConfig cfg_;
  TransactionSink& sink_;
  ReportChannel* reports_;
  PacketDecoder decoder_;
  ReassemblyMemory tcp_mem_;
  Http1Counters http_counters_;
  Http2Counters http2_counters_;
  tls::TlsCounters tls_counters_;
  int64_t keylog_refreshed_us_ = 0;
  Http1Pool http_pool_;  // recycled HTTP message state; declared before flows_ to outlive them
  WorkerCounters counters_;
  FlowTable flows_;
  PacketView view_;
  std::unique_ptr<detect::DetectionEngine> detect_;
  uint64_t rules_generation_ = 0;  // of cfg_.rules_slot, as detect_ has it
  struct Auth;  // identity extraction and its keyed hashes, with their reused buffers
  std::unique_ptr<Auth> auth_;
  std::unique_ptr<StatefulStage> stage_;           // without a ReportChannel
  std::unique_ptr<TransactionReport> own_report_;  // the report handed to stage_
  int64_t now_us_ = 0;
  int64_t next_expire_us_ = 0;
  uint64_t index_ = 0;  // the current packet's (or tick's) place in the capture
};

}  // namespace mirador

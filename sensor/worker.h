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

namespace mirador {

struct WorkerConfig {
  PacketDecoderConfig decoder;
  FlowTableConfig flows;
  TcpStreamConfig tcp;
  size_t tcp_memcap = 256u << 20;  // all out-of-order bytes held by this worker
  Http1Limits http;
  // Ports whose connections are parsed as HTTP even when the first bytes seen are not (a flow
  // picked up in the middle of a body); the parser then resynchronises on the next message.
  std::vector<uint16_t> http_port_hints = {80, 8000, 8008, 8080, 8888, 3000, 5000, 9000};
  // http2.*: HTTP/2 by prior knowledge, h2c upgrade, midstream pickup, and inside TLS (ALPN h2).
  // Its body caps are http.max_body_inspect / http.max_decompress_ratio.
  bool http2 = true;
  Http2Limits http2_limits;
  // tls.*: TLS handshakes (metadata, fingerprints, certificates) and, with a key log, decryption.
  bool tls = true;
  tls::TlsLimits tls_limits;
  // tls.keylog_file, loaded by the caller (null: no decryption). Shared read-mostly: the worker
  // refreshes it (appended lines) at most every tls_keylog_refresh_us of capture time.
  std::shared_ptr<tls::KeyLog> keylog;
  int64_t tls_keylog_refresh_us = 100'000;
  detect::TlsCheckConfig tls_checks;  // tls.checks and friends (with detection on)
  detect::DetectionConfig detect;     // detect.*: the engine's limits (the rules come compiled)
  // auth.enabled: who made each request (identity.*) and the authentication-hygiene findings
  // (auth.*), with detection on.
  bool auth = true;
  detect::IdentityConfig identity;
  detect::HygieneConfig hygiene;
  // identity.hash_key: the key of the hash identities leave the sensor as (http events'
  // `identity`, findings' `identity`); empty: a random key per process.
  std::string identity_hash_key;
  // abuse.*: the stateful detectors (with auth.enabled), fed one Activity per transaction.
  detect::AbuseConfig abuse;
  detect::ActivityConfig activity;
  detect::TemplateConfig templates;   // inventory.*: endpoint templates named in findings
  detect::InventoryConfig inventory;  // inventory.*: the endpoints seen
  // inventory.report_interval: every endpoint is written again after this much capture time
  // (new and changed ones are written at once).
  int64_t inventory_report_us = 3600 * 1'000'000LL;
  // inventory.openapi_spec, loaded by the caller: shadow and zombie endpoints (with detection on).
  std::shared_ptr<const detect::OpenApiSpec> spec;
  detect::SpecConformanceConfig spec_check;  // inventory.spec_report_*
};

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
  // TCP reassembly, summed over finished streams and, in snapshot(), live ones.
  TcpStreamCounters tcp;
  uint64_t tcp_memcap_hits = 0;
};

class Worker {
 public:
  // With `rules`, every transaction goes through a DetectionEngine of this worker (its own
  // Hyperscan scratch) and its findings follow the transaction into the sink.
  Worker(const WorkerConfig& cfg, TransactionSink& sink,
         std::shared_ptr<const detect::CompiledRules> rules = nullptr);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // One captured frame of pcap link type `link_type`.
  void process(int link_type, const uint8_t* data, uint32_t cap_len, uint32_t wire_len,
               int64_t ts_us);
  // Advances time without a packet (live capture idle): expires flows and fragments.
  void tick(int64_t now_us);
  // End of input: every flow is released and its transactions emitted.
  void finish();

  const DecodeCounters& decode_counters() const { return decoder_.counters(); }
  const FlowTableCounters& flow_counters() const { return flows_.counters(); }
  uint32_t flow_capacity() const { return flows_.capacity(); }
  const Http1Counters& http_counters() const { return http_counters_; }
  const Http2Counters& http2_counters() const { return http2_counters_; }
  const tls::TlsCounters& tls_counters() const { return tls_counters_; }
  // Null without detection or with tls.checks off.
  const detect::TlsChecker* tls_checker() const { return tls_checker_.get(); }
  const tls::KeyLog* keylog() const { return cfg_.keylog.get(); }
  const WorkerCounters& counters() const { return counters_; }
  const ReassemblyMemory& reassembly_memory() const { return tcp_mem_; }
  // Null when detection is off.
  const detect::DetectionEngine* detection() const { return detect_.get(); }
  // Null when detection or auth.enabled is off.
  const detect::IdentityExtractor* identity() const;
  const detect::HygieneChecker* hygiene() const;
  uint64_t auth_below_min_severity() const;
  // Null when detection, auth.enabled or abuse.enabled is off.
  const detect::AbuseDetector* abuse() const;
  // Null when detection is off.
  const detect::PathTemplater* templater() const { return templater_.get(); }
  const detect::Inventory* inventory() const { return inventory_.get(); }
  // Null without an OpenAPI document (or with detection off).
  const detect::SpecConformance* spec_conformance() const { return spec_check_.get(); }

 private:
  class SideSink;
  void handle_tcp(Flow& f, const PacketView& p, uint8_t side);
  void on_stream_data(Flow& f, uint8_t side, const uint8_t* data, size_t len, int64_t ts);
  void on_stream_gap(Flow& f, uint8_t side, size_t len, int64_t ts);
  void start_http(Flow& f, uint8_t client_side, bool resync);
  enum class H2Start : uint8_t { preface, midstream };
  void start_http2(Flow& f, uint8_t client_side, H2Start how);
  void start_tls(Flow& f, uint8_t client_side);
  void replay_sniffed(Flow& f, uint8_t client_side, bool resync);
  // The HTTP layer of a flow (on TCP, or on TLS's plaintext).
  void http_data(Flow& f, Direction d, const uint8_t* data, size_t len, int64_t ts);
  void http_gap(Flow& f, Direction d, size_t len, int64_t ts);
  void http_end(Flow& f, Direction d, int64_t ts);
  void http_close(Flow& f, int64_t ts);
  Http1Session& new_http1(Flow& f);
  Http2Session& new_http2(Flow& f);
  void switch_to_h2c(Flow& f);
  void on_tls_handshake(Flow& f, const tls::TlsInfo& info);
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
  PacketDecoder decoder_;
  ReassemblyMemory tcp_mem_;
  Http1Counters http_counters_;
  Http2Counters http2_counters_;
  tls::TlsCounters tls_counters_;
  int64_t keylog_refreshed_us_ = 0;
  std::unique_ptr<detect::TlsChecker> tls_checker_;
  std::vector<detect::Finding> tls_findings_;
  Http1Pool http_pool_;  // recycled HTTP message state; declared before flows_ to outlive them
  WorkerCounters counters_;
  FlowTable flows_;
  PacketView view_;
  std::unique_ptr<detect::DetectionEngine> detect_;
  struct Auth;  // identity extraction and hygiene checks, with their reused buffers
  std::unique_ptr<Auth> auth_;
  std::unique_ptr<detect::PathTemplater> templater_;
  std::string host_, template_, endpoint_;  // per transaction, capacity reused
  std::string_view path_;                   // the request's path (no query), in the transaction
  void endpoint_of(const HttpTransaction& t);
  std::unique_ptr<detect::Inventory> inventory_;
  struct ObservationScratch;  // reused buffers for one transaction's Observation
  std::unique_ptr<ObservationScratch> obs_;
  int64_t last_inventory_report_us_ = 0;
  void observe(const HttpTransaction& t, const std::vector<detect::Finding>& found,
               std::string_view auth_kind);
  void report_inventory(int64_t time_us);
  int64_t now_us_ = 0;
  int64_t next_expire_us_ = 0;
  std::unique_ptr<detect::SpecConformance> spec_check_;
  std::vector<detect::Finding> spec_findings_;
};

}  // namespace mirador

// TransactionSink: where completed HTTP transactions go, with the flow context a record needs.
// The JSON-lines writer is one; the protobuf event pipeline (issue 3) will be another.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "decoders/http1/http_transaction.h"
#include "decoders/packet/ip_address.h"
#include "decoders/packet/packet_view.h"
#include "decoders/tls/tls_info.h"
#include "detectors/finding.h"
#include "detectors/inventory/inventory.h"
#include "sensor/output/remote_counters.h"

namespace mirador {

namespace v1 {
class SensorStats;
}

struct FlowContext {
  const IpAddress* client_ip = nullptr;
  uint16_t client_port = 0;
  const IpAddress* server_ip = nullptr;
  uint16_t server_port = 0;
  const uint16_t* vlan = nullptr;
  uint8_t vlan_count = 0;
  TunnelKind tunnel = TunnelKind::none;
  uint32_t tunnel_id = 0;
  std::string_view community_id;
  // Who made the request (auth.enabled with detection): the credential kind's name and its keyed
  // hash ("h:3f2a…"); empty otherwise.
  std::string_view auth_kind;
  std::string_view identity;
  bool decrypted = false;  // the exchange was decrypted from TLS (tls.keylog_file)
};

struct OutputCounters {
  uint64_t records = 0;
  uint64_t write_errors = 0;
  uint64_t masked_values = 0;  // credentials masked in records
  // The event queue between the worker and the output thread (zero without one).
  uint64_t queue_pushed = 0;
  uint64_t queue_dropped = 0;  // refused by a full queue: lost, and a gap in the sequence
  uint64_t queue_high_water_events = 0;
  uint64_t queue_high_water_bytes = 0;
  uint64_t written = 0;                  // events the output thread handed to the sinks
  uint64_t rotations = 0;                // JSON-lines files closed and renamed
  uint64_t sequence_errors = 0;          // sequence reservations that could not be written
  std::vector<RemoteSinkStats> remotes;  // one per remote sink (gRPC, Kafka)
};

class TransactionSink {
 public:
  virtual ~TransactionSink() = default;
  virtual void write(const FlowContext& flow, const HttpTransaction& txn) = 0;
  // A finding of the detection engine about `txn` (written after the transaction itself).
  virtual void write_finding(const FlowContext& /*flow*/, const HttpTransaction& /*txn*/,
                             const detect::Finding& /*finding*/) {}
  // An endpoint of the inventory, new, changed or in the periodic report, at `time_us`.
  virtual void write_endpoint(const detect::Endpoint& /*endpoint*/, int64_t /*time_us*/) {}
  // A TLS connection's handshake (written once per connection), at `time_us`.
  virtual void write_tls(const FlowContext& /*flow*/, const tls::TlsInfo& /*info*/,
                         int64_t /*time_us*/) {}
  // The sensor's counters as a stats event (sinks that carry events; others ignore it).
  virtual void write_stats(const v1::SensorStats& /*stats*/, int64_t /*time_us*/) {}
  // Pushes out what is buffered; must not wait for a slow destination (the capture loop calls
  // it on its stats timer).
  virtual void flush() = 0;
  // No more transactions: everything written so far is delivered before it returns.
  virtual void close() { flush(); }
  virtual OutputCounters counters() const = 0;
};

}  // namespace mirador

// GrpcTransport: events to a mirador-collector over gRPC (proto/mirador/v1/collector.proto,
// Collector.Publish), as a RemoteTransport behind ReliableSink.
//
// - gRPC's asynchronous API on a completion queue the output thread polls: at most one Write and
//   one Read outstanding; never blocks beyond poll()'s budget.
// - Channel: insecure, TLS (server verified against `ca_file`, or the system roots), or mutual TLS
//   (`cert_file` + `key_file` as the client certificate). A bearer token (`token_file`, read once
//   at start; never logged) is sent as "authorization: Bearer <token>" metadata.
// - A stream that ends (collector gone, UNAUTHENTICATED, deadline) reports broken with the gRPC
//   status in last_error(); so does a connection not ready within `connect_timeout`.
// - Each connect() builds a new channel (its own subchannel pool), so a reconnect tries at once
//   instead of waiting out the backoff of gRPC's channel: ReliableSink owns the backoff.
// - Keepalive pings every 30 s (10 s timeout) notice a collector that vanished without closing;
//   the collector must permit them (GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS).
// - An ack is capped at the highest sequence sent on the connection.
#pragma once

#include <chrono>
#include <string>

#include "sensor/output/remote_transport.h"

namespace mirador {

struct GrpcConfig {
  std::string address;      // output.grpc: host:port; empty = no gRPC sink
  bool tls = false;         // output.grpc_tls
  std::string ca_file;      // output.grpc_ca: PEM roots to verify the collector
  std::string cert_file;    // output.grpc_cert: client certificate (mutual TLS)
  std::string key_file;     // output.grpc_key
  std::string server_name;  // output.grpc_server_name: expected name in the collector's certificate
  std::string token_file;   // output.grpc_token_file: bearer token
  std::chrono::milliseconds connect_timeout{5000};  // output.grpc_connect_timeout
};

class GrpcTransport final : public RemoteTransport {
 public:
  // Reads the TLS files and the token; throws std::runtime_error when one cannot be read.
  explicit GrpcTransport(const GrpcConfig& cfg);
  ~GrpcTransport() override;

  std::string_view name() const override { return "grpc"; }
  void connect() override;
  State poll(std::chrono::milliseconds budget) override;
  bool can_send() const override;
  bool send(std::span<const OutgoingEvent> batch) override;
  uint64_t acked() const override;
  void close(std::chrono::milliseconds budget) override;
  const std::string& last_error() const override { return error_; }
  TransportCounters counters() const override { return c_; }

 private:
  struct Impl;
  void teardown();
  void request_finish();
  void fail(std::string why);
  void handle(void* tag, bool ok);

  GrpcConfig cfg_;
  Impl* impl_ = nullptr;
  std::string error_;
  TransportCounters c_;
};

}  // namespace mirador

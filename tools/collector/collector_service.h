// The collector's gRPC service (proto/mirador/v1/collector.proto) and the server around it.
//
// Sync API: each Publish stream has its own handler thread, so many sensors are served at once and
// a slow disk slows only the streams waiting for the store's lock. Per batch: EventStore::accept,
// then a PublishAck with the batch's highest sequence (the sensor writes in sequence order, so
// everything up to it on this stream is durable or a duplicate). A batch the store could not write
// ends the stream with UNAVAILABLE and no ack: the sensor reconnects and sends it again.
//
// Refusals: a missing or wrong bearer token -> UNAUTHENTICATED (compared in constant time); more
// than max_streams concurrent streams -> RESOURCE_EXHAUSTED; a message over max_message_bytes is
// refused by gRPC itself (RESOURCE_EXHAUSTED to the sensor), and the stream it ends is counted.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "mirador/v1/collector.grpc.pb.h"
#include "tools/collector/event_store.h"

namespace mirador::collector {

struct CollectorServiceConfig {
  std::string token;  // bearer token; empty = none required
  size_t max_streams = 64;
};

struct ServiceCounters {
  uint64_t streams_active = 0;
  uint64_t streams_total = 0;    // accepted streams, ever
  uint64_t streams_refused = 0;  // over max_streams
  uint64_t unauthenticated = 0;  // refused for the token
  // Ended by a cancel: the peer's, or a message over the cap (seen within 100 ms of the end).
  uint64_t streams_aborted = 0;
  uint64_t streams_write_failed = 0;  // ended because the store could not write
  uint64_t batches = 0;
  uint64_t acks = 0;
};

class CollectorService final : public v1::Collector::Service {
 public:
  CollectorService(EventStore& store, const CollectorServiceConfig& cfg);

  grpc::Status Publish(grpc::ServerContext* ctx,
                       grpc::ServerReaderWriter<v1::PublishAck, v1::EventBatch>* stream) override;

  ServiceCounters counters() const;

 private:
  bool authorised(const grpc::ServerContext& ctx) const;

  EventStore& store_;
  CollectorServiceConfig cfg_;
  std::string token_digest_;  // SHA-256 of "Bearer <token>"
  std::atomic<uint64_t> active_{0}, total_{0}, refused_{0}, unauth_{0}, aborted_{0},
      write_failed_{0}, batches_{0}, acks_{0};
};

struct ServerConfig {
  std::string listen = "127.0.0.1:4317";  // host:port; port 0 picks a free one
  std::string tls_cert_pem;               // server certificate chain (PEM text); empty = plaintext
  std::string tls_key_pem;
  std::string client_ca_pem;  // mutual TLS: client certificates required and verified against it
  int max_message_bytes = 16 << 20;
};

// Builds and starts the server; `*port` receives the bound port. Throws std::runtime_error when
// it cannot listen or the TLS settings are inconsistent.
std::unique_ptr<grpc::Server> start_collector_server(const ServerConfig& cfg,
                                                     CollectorService& service, int* port);

}  // namespace mirador::collector

#include "tools/collector/collector_service.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <chrono>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <vector>

namespace mirador::collector {

namespace {

std::string sha256(std::string_view s) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  return std::string(reinterpret_cast<const char*>(d), sizeof d);
}

// Counts a stream in for its lifetime.
class ActiveStream {
 public:
  explicit ActiveStream(std::atomic<uint64_t>& n) : n_(n) { value_ = ++n_; }
  ~ActiveStream() { --n_; }
  uint64_t value() const { return value_; }

 private:
  std::atomic<uint64_t>& n_;
  uint64_t value_;
};

}  // namespace

CollectorService::CollectorService(EventStore& store, const CollectorServiceConfig& cfg)
    : store_(store), cfg_(cfg) {
  if (!cfg_.token.empty()) token_digest_ = sha256("Bearer " + cfg_.token);
}

// Both sides are hashed first, so the comparison takes the same time whatever the length and
// content of the offered value.
bool CollectorService::authorised(const grpc::ServerContext& ctx) const {
  if (token_digest_.empty()) return true;
  const auto& md = ctx.client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) return false;
  const std::string offered = sha256(std::string_view(it->second.data(), it->second.size()));
  return CRYPTO_memcmp(offered.data(), token_digest_.data(), offered.size()) == 0;
}

grpc::Status CollectorService::Publish(
    grpc::ServerContext* ctx, grpc::ServerReaderWriter<v1::PublishAck, v1::EventBatch>* stream) {
  if (!authorised(*ctx)) {
    ++unauth_;
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing or wrong bearer token");
  }
  ActiveStream active(active_);
  if (active.value() > cfg_.max_streams) {
    ++refused_;
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "too many concurrent streams (--max-streams)");
  }
  ++total_;
  v1::EventBatch batch;
  v1::PublishAck ack;
  uint64_t acked = 0, duplicates = 0;
  std::vector<std::string> events;
  while (stream->Read(&batch)) {
    ++batches_;
    // The batch's strings are moved out, not copied.
    events.resize(static_cast<size_t>(batch.events_size()));
    for (int i = 0; i < batch.events_size(); ++i) {
      events[static_cast<size_t>(i)].swap(*batch.mutable_events(i));
    }
    const AcceptResult r = store_.accept(events);
    if (r.write_failed) {
      ++write_failed_;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the collector cannot write its output");
    }
    acked = std::max(acked, r.highest_seq);
    duplicates += r.duplicates;
    ack.set_acked_sequence(acked);
    ack.set_duplicates(duplicates);
    if (!stream->Write(ack)) break;  // the sensor went away: it resends what was not acked
    ++acks_;
  }
  // Read ended: the sensor half-closed, or the call was cancelled (by the peer, or by gRPC for a
  // message over the cap). IsCancelled() learns of a cancel slightly after Read fails, so it is
  // asked again for a short while; a clean half-close only costs this thread the wait.
  for (int i = 0; i < 20; ++i) {
    if (ctx->IsCancelled()) {
      ++aborted_;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return grpc::Status::OK;
}

ServiceCounters CollectorService::counters() const {
  ServiceCounters c;
  c.streams_active = active_.load();
  c.streams_total = total_.load();
  c.streams_refused = refused_.load();
  c.unauthenticated = unauth_.load();
  c.streams_aborted = aborted_.load();
  c.streams_write_failed = write_failed_.load();
  c.batches = batches_.load();
  c.acks = acks_.load();
  return c;
}

std::unique_ptr<grpc::Server> start_collector_server(const ServerConfig& cfg,
                                                     CollectorService& service, int* port) {
  std::shared_ptr<grpc::ServerCredentials> creds;
  if (!cfg.tls_cert_pem.empty() || !cfg.tls_key_pem.empty()) {
    if (cfg.tls_cert_pem.empty() || cfg.tls_key_pem.empty()) {
      throw std::runtime_error("TLS needs both a certificate and a key");
    }
    grpc::SslServerCredentialsOptions o(
        cfg.client_ca_pem.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                  : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    o.pem_root_certs = cfg.client_ca_pem;
    o.pem_key_cert_pairs.push_back({cfg.tls_key_pem, cfg.tls_cert_pem});
    creds = grpc::SslServerCredentials(o);
  } else if (!cfg.client_ca_pem.empty()) {
    throw std::runtime_error("a client CA (mutual TLS) needs a server certificate and key");
  } else {
    creds = grpc::InsecureServerCredentials();
  }
  grpc::ServerBuilder b;
  b.AddListeningPort(cfg.listen, creds, port);
  b.RegisterService(&service);
  b.SetMaxReceiveMessageSize(cfg.max_message_bytes);
  // Sensors ping every 30 s to notice a vanished collector, also on an idle stream: allow it (the
  // default tolerates one ping per 5 minutes without data and answers GOAWAY too_many_pings).
  b.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  b.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  std::unique_ptr<grpc::Server> server = b.BuildAndStart();
  if (!server || *port == 0) throw std::runtime_error("cannot listen on " + cfg.listen);
  return server;
}

}  // namespace mirador::collector

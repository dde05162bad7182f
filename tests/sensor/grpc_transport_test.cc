// GrpcTransport against an in-test mirador.v1.Collector (sync service on 127.0.0.1): delivery in
// order with acks, a server going away mid-stream, insecure, TLS and mutual TLS with
// certificates made here by the openssl CLI, the bearer token; and ReliableSink over
// GrpcTransport through a server restart on the same port.
#include "sensor/output/grpc_transport.h"

#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "mirador/v1/collector.grpc.pb.h"
#include "sensor/config.h"
#include "sensor/event_outputs.h"
#include "sensor/output/reliable_sink.h"
#include "sensor/stats.h"
#include "tests/sensor/remote_test_util.h"
#include "tests/sensor/sample_transaction.h"

using namespace mirador;
using namespace mirador::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// What the collector saw, shared by the servers of one test (a restart keeps it).
struct Received {
  std::mutex mu;
  std::vector<std::vector<uint64_t>> streams;  // sequences per stream, in arrival order
  std::vector<uint64_t> all() {
    std::lock_guard l(mu);
    std::vector<uint64_t> v;
    for (const auto& s : streams) v.insert(v.end(), s.begin(), s.end());
    return v;
  }
};

class TestCollector final : public v1::Collector::Service {
 public:
  TestCollector(std::shared_ptr<Received> r, std::string token)
      : r_(std::move(r)), token_(std::move(token)) {}

  grpc::Status Publish(grpc::ServerContext* ctx,
                       grpc::ServerReaderWriter<v1::PublishAck, v1::EventBatch>* stream) override {
    if (!token_.empty()) {
      const auto& md = ctx->client_metadata();
      auto it = md.find("authorization");
      if (it == md.end() ||
          std::string(it->second.data(), it->second.size()) != "Bearer " + token_) {
        return {grpc::StatusCode::UNAUTHENTICATED, "bad or missing token"};
      }
    }
    size_t idx;
    {
      std::lock_guard l(r_->mu);
      idx = r_->streams.size();
      r_->streams.emplace_back();
    }
    v1::EventBatch batch;
    uint64_t hi = 0;
    while (stream->Read(&batch)) {
      for (const std::string& bytes : batch.events()) {
        v1::Event e;
        if (!e.ParseFromString(bytes)) return {grpc::StatusCode::INVALID_ARGUMENT, "bad event"};
        std::lock_guard l(r_->mu);
        r_->streams[idx].push_back(e.sequence());
        hi = std::max(hi, e.sequence());
      }
      v1::PublishAck ack;
      ack.set_acked_sequence(hi);
      if (!stream->Write(ack)) break;
    }
    return grpc::Status::OK;
  }

 private:
  std::shared_ptr<Received> r_;
  std::string token_;
};

struct TestServer {
  TestServer(std::shared_ptr<Received> r, int port_wanted = 0, std::string token = {},
             std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials())
      : service(std::move(r), std::move(token)) {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:" + std::to_string(port_wanted), creds, &port);
    b.RegisterService(&service);
    server = b.BuildAndStart();
    REQUIRE(server);
    REQUIRE(port > 0);
  }
  ~TestServer() { stop(); }
  void stop() {
    if (!server) return;
    server->Shutdown(std::chrono::system_clock::now() + 100ms);  // cancels open streams
    server->Wait();
    server.reset();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }

  TestCollector service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A CA, a server certificate for 127.0.0.1 and localhost, a client certificate (EC keys: fast).
struct Certs {
  Certs() : dir("grpc_certs") {
    const std::string d = dir.path;
    const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string script =
        "set -e; cd '" + d + "'; exec 2>openssl.log;" + "openssl req -x509" + key +
        " -keyout ca.key -out ca.pem -days 2 -subj /CN=mirador-test-ca;" + "openssl req" + key +
        " -keyout server.key -out server.csr -subj /CN=localhost;" +
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' "
        "> server.ext;" +
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        "-extfile server.ext -out server.pem;" +
        "openssl req" + key + " -keyout client.key -out client.csr -subj /CN=sensor-1;" +
        "printf 'extendedKeyUsage=clientAuth\\n' > client.ext;" +
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        "-extfile client.ext -out client.pem;" +
        // A second CA that signed nothing of the above.
        "openssl req -x509" + key + " -keyout other.key -out other.pem -days 2 -subj /CN=other;";
    ok = std::system(("bash -c \"" + script + "\"").c_str()) == 0;
  }
  std::string path(const std::string& f) const { return dir.path + "/" + f; }

  std::shared_ptr<grpc::ServerCredentials> server_creds(bool require_client) const {
    grpc::SslServerCredentialsOptions o(
        require_client ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                       : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    o.pem_root_certs = slurp(path("ca.pem"));
    o.pem_key_cert_pairs.push_back({slurp(path("server.key")), slurp(path("server.pem"))});
    return grpc::SslServerCredentials(o);
  }

  TempDir dir;
  bool ok = false;
};

using State = RemoteTransport::State;

// Polls until `done` or the state is broken, at most `limit`.
template <typename F>
State poll_until(GrpcTransport& t, F done, std::chrono::milliseconds limit = 5000ms) {
  const auto end = Clock::now() + limit;
  State s = t.poll(0ms);
  while (!done() && s != State::broken && Clock::now() < end) s = t.poll(20ms);
  return s;
}

// Connects, sends events `from`..`to` in batches of 10, waits for the ack of the last.
void deliver(GrpcTransport& t, uint64_t from, uint64_t to) {
  REQUIRE(poll_until(t, [&] { return t.can_send(); }) == State::ready);
  std::vector<std::string> bytes;
  for (uint64_t i = from; i <= to; ++i) bytes.push_back(event_with_seq(i).SerializeAsString());
  for (uint64_t i = from; i <= to;) {
    std::vector<OutgoingEvent> batch;
    for (; i <= to && batch.size() < 10; ++i) batch.push_back({i, bytes[i - from], nullptr});
    REQUIRE(poll_until(t, [&] { return t.can_send(); }) == State::ready);
    REQUIRE(t.send(batch));
  }
  REQUIRE(poll_until(t, [&] { return t.acked() == to; }) == State::ready);
}

std::string write_file(const TempDir& d, const std::string& name, const std::string& text) {
  const std::string p = d.path + "/" + name;
  std::ofstream(p) << text;
  return p;
}

}  // namespace

TEST_CASE("GrpcTransport delivers batches in order and reads the acks", "[grpc]") {
  auto rec = std::make_shared<Received>();
  TestServer server(rec);
  GrpcConfig cfg;
  cfg.address = server.address();
  GrpcTransport t(cfg);
  CHECK(t.name() == "grpc");
  t.connect();
  deliver(t, 1, 95);
  CHECK(rec->all() == range(1, 95));
  const TransportCounters c = t.counters();
  CHECK(c.connects == 1);
  CHECK(c.events_sent == 95);
  CHECK(c.batches_sent == 10);
  CHECK(c.breaks == 0);
  t.close(500ms);
  CHECK(t.poll(0ms) == State::disconnected);
}

TEST_CASE("GrpcTransport reports broken with a status when the collector goes away", "[grpc]") {
  auto rec = std::make_shared<Received>();
  auto server = std::make_unique<TestServer>(rec);
  GrpcConfig cfg;
  cfg.address = server->address();
  GrpcTransport t(cfg);
  t.connect();
  deliver(t, 1, 5);
  server->stop();
  CHECK(poll_until(t, [] { return false; }) == State::broken);
  CHECK(!t.last_error().empty());
  CHECK(t.counters().breaks == 1);
  CHECK(!t.can_send());

  SECTION("nobody listening: refused quickly, with the reason") {
    const auto start = Clock::now();
    t.connect();
    CHECK(poll_until(t, [] { return false; }) == State::broken);
    CHECK(Clock::now() - start < 3s);
    CHECK(t.last_error().find("UNAVAILABLE") != std::string::npos);
  }
}

TEST_CASE("GrpcTransport sends the bearer token; a wrong one is UNAUTHENTICATED", "[grpc]") {
  TempDir d("grpc_token");
  auto rec = std::make_shared<Received>();
  TestServer server(rec, 0, "s3cret-token");
  GrpcConfig cfg;
  cfg.address = server.address();

  cfg.token_file = write_file(d, "good", "s3cret-token\n");
  {
    GrpcTransport t(cfg);
    t.connect();
    deliver(t, 1, 3);
  }
  cfg.token_file = write_file(d, "bad", "guess");
  GrpcTransport t(cfg);
  t.connect();
  CHECK(poll_until(t, [] { return false; }) == State::broken);
  CHECK(t.last_error().find("UNAUTHENTICATED") != std::string::npos);
  CHECK(t.last_error().find("guess") == std::string::npos);  // never the token

  cfg.token_file = write_file(d, "empty", "\n");
  CHECK_THROWS_AS(GrpcTransport(cfg), std::runtime_error);
  cfg.token_file = d.path + "/missing";
  CHECK_THROWS_AS(GrpcTransport(cfg), std::runtime_error);
}

TEST_CASE("GrpcTransport over TLS and mutual TLS", "[grpc]") {
  Certs certs;
  REQUIRE(certs.ok);
  auto rec = std::make_shared<Received>();
  GrpcConfig cfg;
  cfg.tls = true;
  cfg.ca_file = certs.path("ca.pem");

  SECTION("TLS: the collector verified against the CA, by IP or by server name") {
    TestServer server(rec, 0, {}, certs.server_creds(false));
    cfg.address = server.address();
    {
      GrpcTransport t(cfg);
      t.connect();
      deliver(t, 1, 4);
    }
    cfg.server_name = "localhost";
    GrpcTransport t(cfg);
    t.connect();
    deliver(t, 5, 8);
    CHECK(rec->all() == range(1, 8));
  }
  SECTION("TLS: a collector signed by another CA is refused") {
    TestServer server(rec, 0, {}, certs.server_creds(false));
    cfg.address = server.address();
    cfg.ca_file = certs.path("other.pem");
    GrpcTransport t(cfg);
    t.connect();
    CHECK(poll_until(t, [] { return false; }) == State::broken);
    CHECK(rec->all().empty());
  }
  SECTION("mutual TLS: with the client certificate, and refused without") {
    TestServer server(rec, 0, {}, certs.server_creds(true));
    cfg.address = server.address();
    {
      GrpcTransport t(cfg);  // no client certificate
      t.connect();
      CHECK(poll_until(t, [] { return false; }) == State::broken);
    }
    cfg.cert_file = certs.path("client.pem");
    cfg.key_file = certs.path("client.key");
    GrpcTransport t(cfg);
    t.connect();
    deliver(t, 1, 6);
    CHECK(rec->all() == range(1, 6));
  }
  SECTION("bad settings are errors at start") {
    cfg.address = "127.0.0.1:1";
    cfg.cert_file = certs.path("client.pem");  // without its key
    CHECK_THROWS_AS(GrpcTransport(cfg), std::runtime_error);
    cfg.key_file = certs.path("missing.key");
    CHECK_THROWS_AS(GrpcTransport(cfg), std::runtime_error);
  }
}

TEST_CASE(
    "ReliableSink over GrpcTransport: every event arrives in order through a collector "
    "restart",
    "[grpc][reliable_sink]") {
  TempDir spool("grpc_e2e_spool");
  auto rec = std::make_shared<Received>();
  auto server = std::make_unique<TestServer>(rec);
  const int port = server->port;

  GrpcConfig gcfg;
  gcfg.address = server->address();
  gcfg.connect_timeout = 1000ms;
  ReliableSinkConfig cfg;
  cfg.spool_dir = spool.path + "/grpc";
  cfg.spool_segment_bytes = 8192;
  cfg.window_events = 64;
  cfg.batch_events = 16;
  cfg.backoff_min = 20ms;
  cfg.backoff_max = 200ms;
  cfg.drain_timeout = 2000ms;
  ReliableSink sink(std::make_unique<GrpcTransport>(gcfg), cfg);

  auto write = [&](uint64_t from, uint64_t to) {
    for (uint64_t i = from; i <= to; ++i) {
      const v1::Event e = event_with_seq(i);
      sink.write(e, e.SerializeAsString());
      if (i % 16 == 0) sink.pump(1ms);
    }
  };
  write(1, 300);
  server->stop();   // mid-stream: some of 1..300 may be unacknowledged
  write(301, 600);  // the window fills and spills to the spool while the collector is away
  const uint64_t acked_before_restart = sink.remote_counters().acked;
  for (int i = 0; i < 20; ++i) sink.pump(5ms);  // a few failed reconnects
  server = std::make_unique<TestServer>(rec, port);
  write(601, 700);
  const auto end = Clock::now() + 8s;
  while (sink.busy() && Clock::now() < end) sink.pump(10ms);
  REQUIRE(!sink.busy());

  const ReliableSinkCounters c = sink.remote_counters();
  CHECK(c.acked == 700);
  CHECK(c.reconnects >= 1);
  CHECK(c.spooled > 0);
  CHECK(c.dropped_spool == 0);
  CHECK(c.dropped_window_full == 0);

  // Every event arrived; each stream in increasing order; duplicates only of events not yet
  // acknowledged when the collector went away.
  const std::vector<uint64_t> all = rec->all();
  std::set<uint64_t> uniq(all.begin(), all.end());
  CHECK(uniq.size() == 700);
  CHECK(*uniq.begin() == 1);
  CHECK(*uniq.rbegin() == 700);
  std::set<uint64_t> seen;
  for (uint64_t s : all) {
    if (!seen.insert(s).second) CHECK(s > acked_before_restart);
  }
  {
    std::lock_guard l(rec->mu);
    for (const auto& stream : rec->streams) {
      for (size_t i = 1; i < stream.size(); ++i) CHECK(stream[i] > stream[i - 1]);
    }
  }
  sink.close();
}

TEST_CASE(
    "output.grpc: the sensor's event path streams to the collector, drains while idle, "
    "and numbering continues across runs",
    "[grpc][event_outputs]") {
  TempDir spool("grpc_outputs");
  auto rec = std::make_shared<Received>();
  TestServer server(rec);
  SensorConfig cfg;
  cfg.json_output = "";
  cfg.grpc.address = server.address();
  cfg.spool_dir = spool.path;
  cfg.remote.drain_timeout = 2000ms;
  cfg.remote.backoff_min = 20ms;
  test::SampleTransaction x;
  {
    EventOutputs out(cfg, true);
    CHECK(out.sink_count() == 1);
    for (int i = 0; i < 200; ++i) out.write(x.ctx, x.t);
    // No more events: the output thread still pumps the sink until everything is acknowledged.
    const auto end = Clock::now() + 5s;
    auto acked = [&] {
      const OutputCounters c = out.counters();
      return c.remotes.empty() ? 0 : c.remotes[0].c.acked;
    };
    while (acked() < 200 && Clock::now() < end) std::this_thread::sleep_for(10ms);
    CHECK(acked() == 200);
    out.close();
    const OutputCounters c = out.counters();
    REQUIRE(c.remotes.size() == 1);
    CHECK(c.remotes[0].name == "grpc");
    CHECK(c.remotes[0].c.events_in == 200);
    CHECK(c.sequence_errors == 0);
    // The stats line has the sink's group.
    Worker w(cfg.worker, out);
    const std::string line = format_stats_json(w, CaptureStats{}, c, 1.0, true);
    CHECK(line.find("\"output_grpc\":{\"connected\":") != std::string::npos);
    CHECK(line.find("\"acked\":200") != std::string::npos);
  }
  CHECK(rec->all() == range(1, 200));
  {
    EventOutputs out(cfg, true);  // a restart: the numbers go on
    for (int i = 0; i < 5; ++i) out.write(x.ctx, x.t);
    out.close();
  }
  CHECK(rec->all() == range(1, 205));
}

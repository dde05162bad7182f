// The gRPC service with an in-test client (the generated stub, sync API): batches with duplicates,
// a replay after reconnect, acks, the bearer token, the stream and message caps, TLS and mutual
// TLS (certificates made here with the openssl CLI), and a store restarted on the same directory.
#include "tools/collector/collector_service.h"

#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "collector_test_util.h"
#include "tools/collector/event_json_id.h"

using namespace mirador;
using namespace mirador::collector;
using test::TempDir;

namespace {

// A collector in this process: store, service and server on 127.0.0.1:0.
struct Collector {
  EventStore store;
  CollectorService service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;

  Collector(const EventStoreConfig& sc, const CollectorServiceConfig& svc = {},
            ServerConfig srv = {})
      : store(sc), service(store, svc) {
    srv.listen = "127.0.0.1:0";
    server = start_collector_server(srv, service, &port);
  }
  ~Collector() {
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    server->Wait();
    store.close();
  }
  std::string target() const { return "127.0.0.1:" + std::to_string(port); }
};

struct Stream {
  grpc::ClientContext ctx;
  std::unique_ptr<v1::Collector::Stub> stub;
  std::unique_ptr<grpc::ClientReaderWriter<v1::EventBatch, v1::PublishAck>> rw;

  Stream(const std::string& target, std::shared_ptr<grpc::ChannelCredentials> creds = nullptr,
         const std::string& token = "") {
    stub = v1::Collector::NewStub(
        grpc::CreateChannel(target, creds ? creds : grpc::InsecureChannelCredentials()));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    rw = stub->Publish(&ctx);
  }
  // Sends events [from, to] of `sensor` as one batch and returns the ack (nullopt: stream ended).
  std::optional<v1::PublishAck> send(const std::string& sensor, uint64_t from, uint64_t to) {
    v1::EventBatch b;
    for (uint64_t s = from; s <= to; ++s) b.add_events(test::http_bytes(sensor, s));
    if (!rw->Write(b)) return std::nullopt;
    v1::PublishAck a;
    if (!rw->Read(&a)) return std::nullopt;
    return a;
  }
  grpc::Status finish() {
    rw->WritesDone();
    return rw->Finish();
  }
};

EventStoreConfig store_config(const TempDir& d) {
  EventStoreConfig c;
  c.json_path = d.file("events.jsonl");
  return c;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A CA, a server certificate for 127.0.0.1/localhost and a client certificate, made with the
// openssl CLI; plus a second CA and a client certificate from it (not trusted by the server).
struct Pki {
  TempDir dir;
  bool ok = false;
  Pki() {
    const std::string d = dir.path.string();
    const std::string script =
        "set -e; cd '" + d +
        "'; exec >log 2>&1\n"
        "for ca in ca other; do\n"
        "  openssl req -x509 -newkey rsa:2048 -nodes -keyout $ca.key -out $ca.pem -days 2 "
        "-subj /CN=mirador-test-$ca\n"
        "done\n"
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext\n"
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
        "-subj /CN=localhost\n"
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
        "-out server.pem -days 2 -extfile san.ext\n"
        "for c in client:ca stranger:other; do n=${c%%:*}; ca=${c##*:}\n"
        "  openssl req -newkey rsa:2048 -nodes -keyout $n.key -out $n.csr -subj /CN=sensor-$n\n"
        "  openssl x509 -req -in $n.csr -CA $ca.pem -CAkey $ca.key -CAcreateserial "
        "-out $n.pem -days 2\n"
        "done\n";
    ok = std::system(script.c_str()) == 0;
  }
  std::string pem(const std::string& name) const { return slurp(dir.file(name)); }
  std::shared_ptr<grpc::ChannelCredentials> client(const std::string& who) const {
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = pem("ca.pem");
    if (!who.empty()) {
      o.pem_private_key = pem(who + ".key");
      o.pem_cert_chain = pem(who + ".pem");
    }
    return grpc::SslCredentials(o);
  }
};

}  // namespace

TEST_CASE("service: every event once, acks carry the highest sequence, replay after reconnect") {
  TempDir d;
  Collector c(store_config(d));
  {
    Stream s(c.target());
    auto a = s.send("s1", 1, 5);
    REQUIRE(a);
    CHECK(a->acked_sequence() == 5);
    a = s.send("s1", 4, 8);  // 4 and 5 again
    REQUIRE(a);
    CHECK(a->acked_sequence() == 8);
    CHECK(a->duplicates() == 2);
    CHECK(s.finish().ok());
  }
  {
    // The sensor reconnects and replays what it has not seen acknowledged, then goes on.
    Stream s(c.target());
    auto a = s.send("s1", 6, 8);
    REQUIRE(a);
    CHECK(a->acked_sequence() == 8);
    CHECK(a->duplicates() == 3);
    a = s.send("s1", 9, 10);
    REQUIRE(a);
    CHECK(a->acked_sequence() == 10);
    CHECK(s.finish().ok());
  }
  // Several sensors at once.
  std::vector<std::thread> sensors;
  for (int k = 0; k < 4; ++k) {
    sensors.emplace_back([&, k] {
      Stream s(c.target());
      for (uint64_t from = 1; from <= 100; from += 10)
        s.send("m" + std::to_string(k), from, from + 9);
      s.finish();
    });
  }
  for (auto& t : sensors) t.join();
  const auto all = test::event_ids(store_config(d).json_path);
  CHECK(all.size() == 410);
  CHECK(std::set(all.begin(), all.end()).size() == 410);
  const auto sc = c.service.counters();
  CHECK(sc.streams_total == 6);
  CHECK(sc.streams_active == 0);
  CHECK(sc.acks == 4 + 40);
}

TEST_CASE("service: the bearer token is required") {
  TempDir d;
  CollectorServiceConfig svc;
  svc.token = "s3cret-token";
  Collector c(store_config(d), svc);
  {
    Stream s(c.target());
    CHECK_FALSE(s.send("s1", 1, 1));
    CHECK(s.finish().error_code() == grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    Stream s(c.target(), nullptr, "s3cret-tokeN");
    CHECK_FALSE(s.send("s1", 1, 1));
    CHECK(s.finish().error_code() == grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    Stream s(c.target(), nullptr, "s3cret-token");
    auto a = s.send("s1", 1, 1);
    REQUIRE(a);
    CHECK(a->acked_sequence() == 1);
    CHECK(s.finish().ok());
  }
  CHECK(c.service.counters().unauthenticated == 2);
  CHECK(test::read_lines(store_config(d).json_path).size() == 1);
}

TEST_CASE("service: streams over max_streams and messages over the cap are refused") {
  TempDir d;
  CollectorServiceConfig svc;
  svc.max_streams = 1;
  ServerConfig srv;
  srv.max_message_bytes = 4096;
  Collector c(store_config(d), svc, srv);
  Stream first(c.target());
  REQUIRE(first.send("s1", 1, 1));  // holds the only slot
  {
    Stream second(c.target());
    CHECK_FALSE(second.send("s2", 1, 1));
    CHECK(second.finish().error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  CHECK(first.finish().ok());
  CHECK(c.service.counters().streams_refused == 1);
  {
    Stream big(c.target());
    v1::EventBatch b;
    for (uint64_t s = 1; s <= 60; ++s) b.add_events(test::http_bytes("s3", s));  // > 4 KiB
    REQUIRE(b.ByteSizeLong() > 4096);
    big.rw->Write(b);
    v1::PublishAck a;
    CHECK_FALSE(big.rw->Read(&a));
    CHECK(big.rw->Finish().error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  // The handler notices the cancelled stream shortly after the client does.
  for (int i = 0; i < 100 && c.service.counters().streams_aborted == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(c.service.counters().streams_aborted == 1);
  CHECK(test::read_lines(store_config(d).json_path).size() == 1);
}

TEST_CASE("service: TLS and mutual TLS") {
  Pki pki;
  REQUIRE(pki.ok);
  SECTION("TLS: the client verifies the server against the CA") {
    TempDir d;
    ServerConfig srv;
    srv.tls_cert_pem = pki.pem("server.pem");
    srv.tls_key_pem = pki.pem("server.key");
    Collector c(store_config(d), {}, srv);
    Stream s(c.target(), pki.client(""));
    auto a = s.send("s1", 1, 2);
    REQUIRE(a);
    CHECK(a->acked_sequence() == 2);
    CHECK(s.finish().ok());
    Stream plain(c.target());  // plaintext to a TLS port
    CHECK_FALSE(plain.send("s1", 3, 3));
    CHECK_FALSE(plain.finish().ok());
  }
  SECTION("mutual TLS: a client certificate from the client CA is required") {
    TempDir d;
    ServerConfig srv;
    srv.tls_cert_pem = pki.pem("server.pem");
    srv.tls_key_pem = pki.pem("server.key");
    srv.client_ca_pem = pki.pem("ca.pem");
    Collector c(store_config(d), {}, srv);
    {
      Stream s(c.target(), pki.client("client"));
      auto a = s.send("s1", 1, 2);
      REQUIRE(a);
      CHECK(a->acked_sequence() == 2);
      CHECK(s.finish().ok());
    }
    for (const char* who : {"", "stranger"}) {
      INFO("client certificate: " << who);
      Stream s(c.target(), pki.client(who));
      CHECK_FALSE(s.send("s1", 3, 3));
      CHECK_FALSE(s.finish().ok());
    }
    CHECK(test::read_lines(store_config(d).json_path).size() == 2);
  }
  SECTION("inconsistent TLS settings are refused") {
    TempDir d;
    EventStore store(store_config(d));
    CollectorService service(store, {});
    ServerConfig srv;
    srv.listen = "127.0.0.1:0";
    srv.client_ca_pem = pki.pem("ca.pem");
    int port = 0;
    CHECK_THROWS(start_collector_server(srv, service, &port));
    srv.tls_cert_pem = pki.pem("server.pem");
    CHECK_THROWS(start_collector_server(srv, service, &port));
  }
}

TEST_CASE("service: a store restarted on the same directory drops replays") {
  TempDir d;
  {
    Collector c(store_config(d));
    Stream s(c.target());
    REQUIRE(s.send("s1", 1, 5));
    CHECK(s.finish().ok());
  }
  Collector c(store_config(d));
  Stream s(c.target());
  auto a = s.send("s1", 1, 7);
  REQUIRE(a);
  CHECK(a->acked_sequence() == 7);
  CHECK(a->duplicates() == 5);
  CHECK(s.finish().ok());
  const auto all = test::event_ids(store_config(d).json_path);
  CHECK(all.size() == 7);
  CHECK(std::set(all.begin(), all.end()).size() == 7);
}

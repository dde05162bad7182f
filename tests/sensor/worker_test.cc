// The worker end to end on hand-built frames: protocol detection, orientation, tunnels, flow
// lifetimes and losses, checked on the transactions it emits.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sensor/worker.h"
#include "tests/decoders/packet/packet_builder.h"
#include "tests/sensor/worker_conn.h"

using namespace mirador;
using namespace mirador::test;

namespace {

const std::string kRequest = "GET /api/v1/users/7 HTTP/1.1\r\nHost: api.test\r\n\r\n";
const std::string kResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    "11\r\n\r\n{\"id\":\"7\"}\n";

}  // namespace

TEST_CASE("the client is found by content on any port, and the record is oriented") {
  CollectingSink sink;
  Worker w(WorkerConfig{}, sink);
  Conn c(w, "198.18.0.10", 40000, "198.18.0.20", 5555);  // 5555 is no HTTP port hint
  c.handshake();
  c.client(kRequest);
  c.server(kResponse);
  c.fin_both();
  w.finish();
  REQUIRE(sink.records.size() == 1);
  const Record& r = sink.records[0];
  CHECK(r.client == "198.18.0.10");
  CHECK(r.client_port == 40000);
  CHECK(r.server == "198.18.0.20");
  CHECK(r.server_port == 5555);
  CHECK(r.txn.method == "GET");
  CHECK(r.txn.uri == "/api/v1/users/7");
  CHECK(r.txn.status == 200);
  CHECK(r.txn.response_body_len == 11);
  CHECK(r.txn.anomalies == 0);
  CHECK(w.counters().http_flows == 1);
}

TEST_CASE("a connection picked up mid-body on an HTTP port resynchronises at the next request") {
  CollectingSink sink;
  Worker w(WorkerConfig{}, sink);
  Conn c(w, "198.18.0.10", 40001, "198.18.0.20", 80);
  c.server("tail of a body that started before the capture}\n");  // no handshake seen
  c.client(kRequest);
  c.server(kResponse);
  w.finish();
  REQUIRE_FALSE(sink.records.empty());
  const Record& r = sink.records.back();
  CHECK(r.txn.uri == "/api/v1/users/7");
  CHECK(r.txn.status == 200);
  CHECK(r.server_port == 80);
  CHECK(w.counters().http_flows_by_port == 1);
}

TEST_CASE("equal inner flows in two VXLAN segments stay apart") {
  CollectingSink sink;
  Worker w(WorkerConfig{}, sink);
  Conn a(w, "198.18.0.10", 40000, "198.18.0.20", 8080);
  Conn b(w, "198.18.0.10", 40000, "198.18.0.20", 8080);
  a.set_vni(100);
  b.set_vni(200);
  a.handshake();
  b.handshake();
  a.client(kRequest);
  b.client("GET /other HTTP/1.1\r\nHost: api.test\r\n\r\n");
  b.server(kResponse);
  a.server(kResponse);
  w.finish();
  REQUIRE(sink.records.size() == 2);
  for (const Record& r : sink.records) {
    CHECK(r.tunnel == TunnelKind::vxlan);
    CHECK(r.txn.status == 200);
    CHECK(r.txn.uri == (r.tunnel_id == 100 ? "/api/v1/users/7" : "/other"));
  }
  CHECK(sink.records[0].tunnel_id != sink.records[1].tunnel_id);
  CHECK(w.flow_counters().created == 2);  // only inner flows are tracked; the VTEP pair is not
}

TEST_CASE("a reset in the middle of a response reports it truncated") {
  CollectingSink sink;
  Worker w(WorkerConfig{}, sink);
  Conn c(w, "198.18.0.10", 40000, "198.18.0.20", 8080);
  c.handshake();
  c.client(kRequest);
  c.server(kResponse.substr(0, kResponse.size() - 4));
  c.rst_from_server();
  REQUIRE(sink.records.size() == 1);  // emitted at the reset, not at the end of input
  CHECK(sink.records[0].txn.has(HttpAnomaly::response_truncated));
  w.finish();
  CHECK(sink.records.size() == 1);
}

TEST_CASE("idle flows time out and their pending requests are still reported") {
  CollectingSink sink;
  WorkerConfig cfg;
  cfg.flows.timeouts.established_us = 5'000'000;
  Worker w(cfg, sink);
  Conn c(w, "198.18.0.10", 40000, "198.18.0.20", 8080);
  c.handshake();
  c.client(kRequest);
  CHECK(sink.records.empty());
  w.tick(c.ts + 10'000'000);
  REQUIRE(sink.records.size() == 1);
  CHECK(sink.records[0].txn.has(HttpAnomaly::no_response));
  CHECK(w.flow_counters().timed_out == 1);
}

TEST_CASE("when max_flows is reached the oldest flow is evicted and still reported") {
  CollectingSink sink;
  WorkerConfig cfg;
  cfg.flows.max_flows = 1;
  Worker w(cfg, sink);
  Conn a(w, "198.18.0.10", 40000, "198.18.0.20", 8080);
  Conn b(w, "198.18.0.11", 40000, "198.18.0.20", 8080);
  a.handshake();
  a.client(kRequest);
  a.server(kResponse);
  b.handshake();  // evicts a
  CHECK(w.flow_counters().evicted == 1);
  REQUIRE(sink.records.size() == 1);
  CHECK(sink.records[0].client == "198.18.0.10");
  CHECK(sink.records[0].txn.status == 200);
}

TEST_CASE("bytes lost on the mirror become a gap the HTTP record shows") {
  CollectingSink sink;
  Worker w(WorkerConfig{}, sink);
  Conn c(w, "198.18.0.10", 40000, "198.18.0.20", 8080);
  c.handshake();
  c.client(kRequest);
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n";
  c.server(head + std::string(1000, 'a'));
  c.server_lost(1000);
  c.server(std::string(1000, 'c'));  // arrives ahead of the hole
  c.client_ack();                    // the client acknowledged everything: the hole is loss
  c.client(kRequest);
  c.server(kResponse);
  c.fin_both();
  w.finish();
  REQUIRE(sink.records.size() == 2);
  CHECK(sink.records[0].txn.status == 200);
  CHECK(sink.records[0].txn.has(HttpAnomaly::gap_response));
  CHECK(sink.records[1].txn.status == 200);
  CHECK(sink.records[1].txn.response_body_len == 11);
  CHECK(w.counters().tcp.gap_bytes == 1000);
}

TEST_CASE("TLS is told from HTTP, and other protocols are left alone") {
  CollectingSink sink;
  Worker w(WorkerConfig{}, sink);
  Conn c(w, "198.18.0.10", 40000, "198.18.0.20", 443);
  c.handshake();
  c.client(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(64, 'x'));
  c.server(std::string("\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03", 11) + std::string(64, 'y'));
  c.fin_both();
  Conn ssh(w, "198.18.0.10", 40001, "198.18.0.20", 22);
  ssh.handshake();
  ssh.server("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
  ssh.client("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
  ssh.fin_both();
  w.finish();
  CHECK(sink.records.empty());
  CHECK(w.counters().tls_flows == 1);
  CHECK(w.counters().non_http_flows == 1);
  CHECK(w.tls_counters().connections == 1);
}

TEST_CASE("with detection: findings name their endpoint template, auth hygiene is checked") {
  CollectingSink sink;
  WorkerConfig cfg;
  Worker w(cfg, sink, detect::load_compiled_rules(""));
  Conn c(w, "198.18.0.10", 40001, "198.18.0.20", 80);
  c.handshake();
  // An unsigned JWT ({"alg":"none"} . {"sub":"42"} .) answered 200 with a resident ID inside.
  const std::string jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiI0MiJ9.";
  const std::string body = "{\"id\":7,\"idCard\":\"11010519491231002X\"}";
  for (int id : {7, 8}) {
    c.client("GET /api/v1/users/" + std::to_string(id) +
             " HTTP/1.1\r\nHost: API.test\r\nAuthorization: Bearer " + jwt + "\r\n\r\n");
    c.server("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body);
    c.client_ack();
  }
  c.fin_both();
  w.finish();
  REQUIRE(sink.records.size() == 2);
  size_t none = 0, ids = 0, cleartext = 0;
  for (const detect::Finding& f : sink.findings) {
    CHECK(f.endpoint == "GET /api/v1/users/{id}");
    none += f.id == "auth.jwt_alg_none";
    ids += f.data_class == "cn_resident_id";
    cleartext += f.id == "auth.credential_over_cleartext";
  }
  CHECK(none == 2);       // every request with an unsigned token
  CHECK(ids == 2);        // the data finding of each response
  CHECK(cleartext == 1);  // a deployment-wide fact: once per window
  REQUIRE(w.identity() != nullptr);
  CHECK(w.identity()->counters().by_kind[static_cast<int>(detect::CredentialKind::bearer_jwt)] ==
        2);
  CHECK(w.stage()->templater().counters().paths == 2);

  // The inventory: the endpoint was written when new, and once more at the end, complete.
  REQUIRE(sink.endpoints.size() >= 2);
  const detect::Endpoint& ep = sink.endpoints.back();
  CHECK(ep.host == "api.test");
  CHECK(ep.method == "GET");
  CHECK(ep.path_template == "/api/v1/users/{id}");
  CHECK(ep.count == 2);
  CHECK(ep.auth_kinds == std::vector<std::string>{"bearer_jwt"});
  REQUIRE(ep.status_codes.size() == 1);
  CHECK(ep.status_codes[0] == std::pair<int, uint64_t>{200, 2});
  CHECK(ep.response_content_types == std::vector<std::string>{"application/json"});
  CHECK(ep.response_data_classes == std::vector<std::string>{"cn_resident_id"});
  CHECK(ep.sensitivity == "high");
  CHECK(w.stage()->inventory().counters().endpoints == 1);
}

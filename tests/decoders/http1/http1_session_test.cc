// Framing and pairing: pipelining, keep-alive, bodies, bodiless responses, 1xx, protocol switches.
#include "tests/decoders/http1/http1_harness.h"

using namespace mirador;
using namespace mirador::test;

namespace {
constexpr auto S = Direction::to_server;
constexpr auto C = Direction::to_client;
}  // namespace

TEST_CASE("pipelining: three requests, then three responses") {
  auto r = run_all_splits({
      req("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
          "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
          100),
      resp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
           "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nBB"
           "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
           200),
  });
  REQUIRE(r.txs.size() == 3);
  CHECK(r.txs[0].uri == "/a");
  CHECK(r.txs[0].status == 200);
  CHECK(r.txs[0].response_body == "A");
  CHECK(r.txs[1].uri == "/b");
  CHECK(r.txs[1].status == 404);
  CHECK(r.txs[1].status_msg == "Not Found");
  CHECK(r.txs[1].response_body == "BB");
  CHECK(r.txs[2].method == "POST");
  CHECK(r.txs[2].request_body == "abc");
  CHECK(r.txs[2].request_body_len == 3);
  CHECK(r.txs[2].status == 201);
  for (uint32_t i = 0; i < 3; ++i) {
    CHECK(r.txs[i].trans_depth == i + 1);
    CHECK(r.txs[i].anomalies == 0);
    CHECK(r.txs[i].request_ts_us == 100);
    CHECK(r.txs[i].end_ts_us == 200);
  }
  CHECK(r.counters.requests == 3);
  CHECK(r.counters.responses == 3);
  CHECK(r.counters.transactions == 3);
}

TEST_CASE("keep-alive: request/response alternating, timing per transaction") {
  auto r = run_all_splits({
      req("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n", 10),
      resp("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 20),
      req("GET /2 HTTP/1.1\r\nHost: a\r\n\r\n", 30),
      resp("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 40),
      resp("world", 50),
  });
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[0].request_ts_us == 10);
  CHECK(r.txs[0].end_ts_us == 20);
  CHECK(r.txs[1].request_ts_us == 30);
  CHECK(r.txs[1].end_ts_us == 50);
  CHECK(r.txs[1].response_body == "world");
  CHECK(r.txs[0].version == "1.1");
  CHECK(r.txs[0].response_version == "1.1");
  CHECK(r.txs[0].request_header("host") == "a");
}

TEST_CASE("Content-Length bodies in both directions") {
  auto r = run_all_splits({
      req("PUT /x HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world"),
      resp("HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nokay"),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].request_body == "hello world");
  CHECK(r.txs[0].request_body_wire_len == 11);
  CHECK(r.txs[0].response_body == "okay");
  CHECK(r.txs[0].response_version == "1.0");
}

TEST_CASE("chunked with extensions and trailers") {
  auto r = run_all_splits({
      req("POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
          "5;name=val\r\nhello\r\n6 ; x=\"q\"\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n"),
      resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           "a\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n"),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].request_body == "hello world");
  CHECK(r.txs[0].request_body_wire_len == 11);
  CHECK(r.txs[0].request_header("X-Sum") == "42");
  CHECK(r.txs[0].response_body == "0123456789abcdefghij");
  CHECK(r.txs[0].response_body_len == 20);
  CHECK(r.txs[0].anomalies == 0);
}

TEST_CASE("close-delimited response") {
  SECTION("completes at on_end") {
    auto r = run_all_splits({
        req("GET / HTTP/1.0\r\n\r\n", 1),
        resp("HTTP/1.0 200 OK\r\nServer: x\r\n\r\nsome ", 2),
        resp("body", 3),
        end(C),
    });
    REQUIRE(r.txs.size() == 1);
    CHECK(r.txs[0].response_body == "some body");
    CHECK(r.txs[0].end_ts_us == 3);
    CHECK(r.txs[0].anomalies == 0);
  }
  SECTION("completes at on_close") {
    auto r = run_all_splits({
        req("GET / HTTP/1.0\r\n\r\n", 1),
        resp("HTTP/1.0 200 OK\r\n\r\nall of it", 2),
        close_conn(),
    });
    REQUIRE(r.txs.size() == 1);
    CHECK(r.txs[0].response_body == "all of it");
    CHECK(r.txs[0].anomalies == 0);
  }
}

TEST_CASE("bodiless responses: HEAD, 204, 304") {
  auto r = run_all_splits({
      req("HEAD /h HTTP/1.1\r\n\r\nDELETE /d HTTP/1.1\r\n\r\nGET /n HTTP/1.1\r\n\r\n"
          "GET /last HTTP/1.1\r\n\r\n"),
      resp("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
           "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n"
           "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n"
           "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
  });
  REQUIRE(r.txs.size() == 4);
  CHECK(r.txs[0].method == "HEAD");
  CHECK(r.txs[0].response_body_wire_len == 0);
  CHECK(r.txs[1].status == 204);
  CHECK(r.txs[2].status == 304);
  CHECK(r.txs[3].response_body == "ok");
  for (auto& t : r.txs) CHECK(t.anomalies == 0);
}

TEST_CASE("1xx interim responses are recorded in info_codes") {
  auto r = run_all_splits({
      req("GET /slow HTTP/1.1\r\n\r\n"),
      resp("HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"
           "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].info_codes == std::vector<int>{102, 103});
  CHECK(r.txs[0].status == 200);
  CHECK(r.txs[0].response_body == "hi");
  CHECK(r.txs[0].response_header("Link").empty());  // the final response's headers only
}

TEST_CASE("Expect: 100-continue") {
  auto r = run_all_splits({
      req("POST /u HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n", 1),
      resp("HTTP/1.1 100 Continue\r\n\r\n", 2),
      req("data", 3),
      resp("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", 4),
      req("GET /next HTTP/1.1\r\n\r\n", 5),
      resp("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 6),
  });
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[0].info_codes == std::vector<int>{100});
  CHECK(r.txs[0].status == 201);
  CHECK(r.txs[0].request_body == "data");
  CHECK(r.txs[0].end_ts_us == 4);
  CHECK(r.txs[1].uri == "/next");
}

TEST_CASE("CONNECT") {
  SECTION("2xx: the tunnel is not parsed") {
    auto r = run_all_splits({
        req("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
            "\x16\x03\x01\x02\x00 client hello"),
        resp("HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x03 server hello"),
        req("GET /not-http HTTP/1.1\r\n\r\n"),
        close_conn(),
    });
    REQUIRE(r.txs.size() == 1);
    CHECK(r.txs[0].method == "CONNECT");
    CHECK(r.txs[0].uri == "example.com:443");
    CHECK(r.txs[0].upgrade == "connect");
    CHECK(r.txs[0].anomalies == 0);
    CHECK(r.upgraded);
    CHECK(r.counters.upgrades == 1);
  }
  SECTION("refused: the held bytes are parsed as HTTP") {
    auto r = run_all_splits({
        req("CONNECT a:443 HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n"),
        resp("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
             "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    });
    REQUIRE(r.txs.size() == 2);
    CHECK(r.txs[0].status == 407);
    CHECK(r.txs[0].upgrade.empty());
    CHECK(r.txs[1].uri == "/after");
    CHECK(r.txs[1].status == 200);
    CHECK_FALSE(r.upgraded);
  }
}

TEST_CASE("Upgrade with 101") {
  SECTION("websocket") {
    auto r = run_all_splits({
        req("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"),
        resp("HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n"
             "\r\n\x81\x05hello"),
        req("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"),
        close_conn(),
    });
    REQUIRE(r.txs.size() == 1);
    CHECK(r.txs[0].status == 101);
    CHECK(r.txs[0].upgrade == "websocket");
    CHECK(r.txs[0].info_codes.empty());
    CHECK(r.txs[0].anomalies == 0);
    CHECK(r.upgraded);
  }
  SECTION("h2c") {
    auto r = run_all_splits({
        req("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"),
        resp("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"),
        req("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        close_conn(),
    });
    REQUIRE(r.txs.size() == 1);
    CHECK(r.txs[0].upgrade == "h2c");
    CHECK(r.upgraded);
  }
  SECTION("upgrade declined: the connection stays HTTP/1") {
    auto r = run_all_splits({
        req("GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"),
        resp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\nContent-Length: 1"
             "\r\n\r\ny"),
    });
    REQUIRE(r.txs.size() == 2);
    CHECK(r.txs[0].upgrade.empty());
    CHECK(r.txs[1].uri == "/2");
    CHECK(r.txs[1].response_body == "y");
  }
}

TEST_CASE("HTTP/0.9 simple request, raw response") {
  auto r = run_all_splits({
      req("GET /old\r\n", 1),
      resp("<html>raw</html>", 2),
      end(C),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].method == "GET");
  CHECK(r.txs[0].uri == "/old");
  CHECK(r.txs[0].version == "0.9");
  CHECK(r.txs[0].response_version == "0.9");
  CHECK(r.txs[0].response_body == "<html>raw</html>");
  CHECK(r.txs[0].has(HttpAnomaly::missing_version));
}

TEST_CASE("mixed-case header names are kept and matched case-insensitively") {
  auto r = run_all_splits({
      req("GET / HTTP/1.1\r\nhOsT: h\r\nX-API-key: k\r\n\r\n"),
      resp("HTTP/1.1 200 OK\r\ncontent-LENGTH: 3\r\nCONTENT-type: text/plain\r\n\r\nabc"),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].request_headers[0].name == "hOsT");
  CHECK(r.txs[0].request_header("Host") == "h");
  CHECK(r.txs[0].request_header("x-api-key") == "k");
  CHECK(r.txs[0].response_header("Content-Type") == "text/plain");
  CHECK(r.txs[0].response_body == "abc");
}

TEST_CASE("empty lines between messages are ignored") {
  auto r = run_all_splits({
      req("\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
      resp("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].anomalies == 0);
}

TEST_CASE("h2c takeover: the upgrade request is handed over with the bytes after the switch") {
  Http1Limits limits;
  Http1Counters counters;
  std::vector<HttpTransaction> out;
  Http1Session s(limits, counters, [&](HttpTransaction&& t) { out.push_back(std::move(t)); });
  s.set_takeover("h2c");
  auto feed = [&](Direction d, std::string_view b, int64_t ts) {
    s.on_data(d, reinterpret_cast<const uint8_t*>(b.data()), b.size(), ts);
  };
  feed(S, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", 1);
  feed(C, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 2);
  feed(S,
       "GET /b HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
       "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\nPRI * HTTP/2.0\r\n",
       3);
  CHECK_FALSE(s.switch_pending());
  feed(C,
       std::string(
           "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n") +
           std::string("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9),
       4);
  REQUIRE(s.switch_pending());
  feed(S, "\r\nSM\r\n\r\n", 5);
  REQUIRE(out.size() == 1);  // /a only: /b was handed over
  CHECK(out[0].uri == "/a");
  HttpTransaction up = s.take_switch();
  CHECK_FALSE(s.switch_pending());
  CHECK(up.uri == "/b");
  CHECK(up.status == 101);
  CHECK(up.upgrade == "h2c");
  CHECK(s.take_after_switch(S) == "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  CHECK(s.take_after_switch(C) == std::string("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9));
  s.on_close(6);
  CHECK(out.size() == 1);
}

TEST_CASE("an upgrade to another protocol than the takeover one is emitted as before") {
  Http1Limits limits;
  Http1Counters counters;
  std::vector<HttpTransaction> out;
  Http1Session s(limits, counters, [&](HttpTransaction&& t) { out.push_back(std::move(t)); });
  s.set_takeover("h2c");
  const std::string rq = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n";
  const std::string rs = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00";
  s.on_data(S, reinterpret_cast<const uint8_t*>(rq.data()), rq.size(), 1);
  s.on_data(C, reinterpret_cast<const uint8_t*>(rs.data()), rs.size(), 2);
  CHECK_FALSE(s.switch_pending());
  REQUIRE(out.size() == 1);
  CHECK(out[0].upgrade == "websocket");
}

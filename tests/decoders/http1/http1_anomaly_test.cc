// Violations, caps, gaps, resynchronisation and connection ends.
#include "tests/decoders/http1/http1_harness.h"

using namespace mirador;
using namespace mirador::test;

namespace {
constexpr auto S = Direction::to_server;
constexpr auto C = Direction::to_client;
const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
}  // namespace

TEST_CASE("obs-fold is unfolded and flagged") {
  auto r = run_all_splits({
      req("GET / HTTP/1.1\r\nX-Long: first\r\n  second\r\n\tthird\r\nHost: h\r\n\r\n"),
      resp(kOk),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].request_header("X-Long") == "first second third");
  CHECK(r.txs[0].request_header("Host") == "h");
  CHECK(r.txs[0].has(HttpAnomaly::obs_fold));
}

TEST_CASE("malformed header lines are flagged and skipped") {
  auto r = run_all_splits({
      req("GET / HTTP/1.1\r\nno colon here\r\nContent-Length : 5\r\n: empty\r\nOk: yes\r\n\r\n"),
      resp(kOk),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].has(HttpAnomaly::malformed_header));
  CHECK(r.txs[0].request_headers.size() == 1);
  CHECK(r.txs[0].request_header("Ok") == "yes");
  CHECK(r.txs[0].request_body_wire_len == 0);  // "Content-Length :" is not a header
}

TEST_CASE("bare LF line endings are accepted and flagged") {
  auto r = run_all_splits({
      req("GET /lf HTTP/1.1\nHost: h\n\n"),
      resp("HTTP/1.1 200 OK\nContent-Length: 2\n\nok"),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].uri == "/lf");
  CHECK(r.txs[0].request_header("Host") == "h");
  CHECK(r.txs[0].response_body == "ok");
  CHECK(r.txs[0].has(HttpAnomaly::bare_lf));
}

TEST_CASE("line too long") {
  Http1Limits lim;
  lim.max_line = 64;
  SECTION("header line: value truncated, message kept") {
    auto r = run_all_splits(
        {req("GET / HTTP/1.1\r\nX-Big: " + std::string(200, 'a') + "\r\nHost: h\r\n\r\n"),
         resp(kOk)},
        lim);
    REQUIRE(r.txs.size() == 1);
    CHECK(r.txs[0].has(HttpAnomaly::line_too_long));
    CHECK(r.txs[0].request_header("X-Big").size() < 64);
    CHECK(r.txs[0].request_header("Host") == "h");
    CHECK(r.counters.line_too_long == 1);
  }
  SECTION("request line: target truncated, headers still read") {
    auto r = run_all_splits({req("GET /" + std::string(300, 'p') +
                                 " HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"),
                             resp(kOk + kOk)},
                            lim);
    REQUIRE(r.txs.size() == 2);
    CHECK(r.txs[0].has(HttpAnomaly::line_too_long));
    CHECK(r.txs[0].uri.size() < 64);
    CHECK(r.txs[0].request_header("Host") == "h");
    CHECK(r.txs[1].uri == "/2");
    CHECK(r.txs[1].anomalies == 0);
  }
}

TEST_CASE("header section too large") {
  Http1Limits lim;
  lim.max_header_bytes = 200;
  std::string headers;
  for (int i = 0; i < 20; ++i) headers += "X-H" + std::to_string(i) + ": 0123456789\r\n";
  auto r = run_all_splits(
      {req("POST / HTTP/1.1\r\n" + headers + "Content-Length: 2\r\n\r\nhi"), resp(kOk)}, lim);
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].has(HttpAnomaly::headers_too_large));
  CHECK(r.txs[0].request_headers.size() < 20);
  // Framing headers past the cap are still honoured.
  CHECK(r.txs[0].request_body == "hi");
  CHECK(r.counters.headers_too_large == 1);
}

TEST_CASE("too many headers") {
  Http1Limits lim;
  lim.max_headers = 5;
  std::string headers;
  for (int i = 0; i < 10; ++i) headers += "X-H" + std::to_string(i) + ": v\r\n";
  auto r = run_all_splits(
      {req("POST / HTTP/1.1\r\n" + headers + "Content-Length: 2\r\n\r\nhi"), resp(kOk)}, lim);
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].has(HttpAnomaly::too_many_headers));
  CHECK(r.txs[0].request_headers.size() == 5);
  CHECK(r.txs[0].request_body == "hi");
  CHECK(r.counters.too_many_headers == 1);
}

TEST_CASE("Content-Length and Transfer-Encoding together: chunked wins") {
  auto r = run_all_splits({
      req("POST / HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
          "3\r\nabc\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n"),
      resp(kOk + kOk),
  });
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[0].has(HttpAnomaly::cl_and_te));
  CHECK(r.txs[0].request_body == "abc");
  CHECK(r.txs[1].uri == "/smuggled");
}

TEST_CASE("Content-Length duplicates") {
  SECTION("same value twice is fine") {
    auto r = run_all_splits({
        req("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi"),
        resp(kOk),
    });
    REQUIRE(r.txs.size() == 1);
    CHECK(r.txs[0].anomalies == 0);
    CHECK(r.txs[0].request_body == "hi");
  }
  SECTION("differing values: flagged, framing unknown, resync at the next request") {
    auto r = run_all_splits({
        req("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nhel\r\n"
            "GET /next HTTP/1.1\r\n\r\n"),
        resp(kOk + kOk),
    });
    REQUIRE(r.txs.size() == 2);
    CHECK(r.txs[0].has(HttpAnomaly::duplicate_content_length));
    CHECK(r.txs[0].request_body_wire_len == 0);
    CHECK(r.txs[1].uri == "/next");
    CHECK(r.txs[1].has(HttpAnomaly::resync));
  }
  SECTION("unparsable value") {
    auto r = run_all_splits({req("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), resp(kOk)});
    REQUIRE(r.txs.size() == 1);
    CHECK(r.txs[0].has(HttpAnomaly::bad_content_length));
  }
}

TEST_CASE("Transfer-Encoding whose final coding is not chunked") {
  SECTION("request: flagged, framing unknown") {
    auto r = run_all_splits({
        req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\nxxxx"),
        resp(kOk),
    });
    REQUIRE(r.txs.size() == 1);
    CHECK(r.txs[0].has(HttpAnomaly::te_not_chunked_last));
    CHECK(r.counters.resyncs == 1);
  }
  SECTION("response: close-delimited") {
    auto r = run_all_splits({
        req("GET / HTTP/1.1\r\n\r\n"),
        resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: foo\r\n\r\nuntil the end"),
        close_conn(),
    });
    REQUIRE(r.txs.size() == 1);
    CHECK(r.txs[0].has(HttpAnomaly::te_not_chunked_last));
    CHECK(r.txs[0].has(HttpAnomaly::unknown_transfer_encoding));
    CHECK(r.txs[0].response_body == "until the end");
  }
}

TEST_CASE("bad chunk size") {
  auto r = run_all_splits({
      req("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"),
      resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\ngarbage\r\n"
           "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
  });
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[0].has(HttpAnomaly::bad_chunk_size));
  CHECK(r.txs[0].response_body == "abc");
  CHECK(r.txs[1].response_body == "ok");
  CHECK(r.txs[1].has(HttpAnomaly::resync));
  CHECK(r.counters.bytes_skipped == 9);  // "garbage\r\n"
}

TEST_CASE("chunk data longer than its size") {
  auto r = run_all_splits({
      req("GET / HTTP/1.1\r\n\r\n"),
      resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n0\r\n\r\n"),
      close_conn(),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].has(HttpAnomaly::bad_chunk_size));
}

TEST_CASE("gap inside a body of known length is skipped") {
  SECTION("Content-Length") {
    auto r = run_all_splits({
        req("GET / HTTP/1.1\r\n\r\n"),
        resp("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
        gap(C, 4),
        resp("hij"),
        req("GET /2 HTTP/1.1\r\n\r\n"),
        resp(kOk),
    });
    REQUIRE(r.txs.size() == 2);
    CHECK(r.txs[0].has(HttpAnomaly::gap_response));
    CHECK(r.txs[0].response_body == "abchij");
    CHECK(r.txs[0].response_body_wire_len == 10);
    CHECK(r.txs[1].uri == "/2");
    CHECK(r.txs[1].anomalies == 0);
    CHECK(r.counters.gaps == 1);
  }
  SECTION("inside a chunk") {
    auto r = run_all_splits({
        req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nab"),
        gap(S, 3),
        req("fgh\r\n0\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"),
        resp(kOk + kOk),
    });
    REQUIRE(r.txs.size() == 2);
    CHECK(r.txs[0].has(HttpAnomaly::gap_request));
    CHECK(r.txs[0].request_body == "abfgh");
    CHECK(r.txs[1].uri == "/2");
  }
  SECTION("gap running past the body's end resyncs") {
    auto r = run_all_splits({
        req("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"),
        resp("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab"),
        gap(C, 20),
        resp("ength: 0\r\n\r\n" + kOk),
    });
    REQUIRE(r.txs.size() == 2);
    CHECK(r.txs[0].has(HttpAnomaly::gap_response));
    CHECK(r.txs[1].has(HttpAnomaly::resync));
  }
}

TEST_CASE("gap in headers, then resync at the next request") {
  auto r = run_all_splits({
      req("GET /first HTTP/1.1\r\nHost: h\r\nX-A"),
      gap(S, 50),
      req("rtial-header: x\r\n\r\nbody junk\r\nGET /second HTTP/1.1\r\nHost: h\r\n\r\n"),
      resp(kOk + kOk),
  });
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[0].uri == "/first");
  CHECK(r.txs[0].has(HttpAnomaly::gap_request));
  CHECK(r.txs[1].uri == "/second");
  CHECK(r.txs[1].has(HttpAnomaly::resync));
  CHECK(r.counters.resyncs == 1);
  CHECK(r.counters.bytes_skipped == std::string("rtial-header: x\r\n\r\nbody junk\r\n").size());
}

TEST_CASE("gap between messages flags the next one found") {
  auto r = run_all_splits({
      req("GET /1 HTTP/1.1\r\n\r\n"),
      resp(kOk),
      gap(S, 100),
      req("GET /3 HTTP/1.1\r\n\r\n"),
      resp(kOk),
  });
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[1].has(HttpAnomaly::gap_request));
  CHECK(r.txs[1].has(HttpAnomaly::resync));
}

TEST_CASE("gap in a close-delimited body") {
  auto r = run_all_splits({
      req("GET / HTTP/1.0\r\n\r\n"),
      resp("HTTP/1.0 200 OK\r\n\r\nab"),
      gap(C, 5),
      resp("cd"),
      end(C),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].has(HttpAnomaly::gap_response));
  CHECK(r.txs[0].response_body == "abcd");
  CHECK(r.txs[0].response_body_wire_len == 9);
}

TEST_CASE("garbage before the first response is skipped") {
  auto r = run_all_splits({
      req("GET / HTTP/1.1\r\n\r\n"),
      resp("\x01\x02 nonsense\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].status == 200);
  CHECK(r.txs[0].has(HttpAnomaly::malformed_status_line));
  CHECK(r.txs[0].has(HttpAnomaly::resync));
}

TEST_CASE("unsolicited response") {
  auto r = run_all_splits({
      resp("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n", 7),
      close_conn(),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].has(HttpAnomaly::unsolicited_response));
  CHECK(r.txs[0].method.empty());
  CHECK(r.txs[0].status == 408);
  CHECK(r.txs[0].trans_depth == 1);
}

TEST_CASE("requests without a response at close") {
  auto r = run_all_splits({
      req("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n", 5),
      resp(kOk, 6),
      close_conn(),
  });
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[0].anomalies == 0);
  CHECK(r.txs[1].uri == "/b");
  CHECK(r.txs[1].has(HttpAnomaly::no_response));
  CHECK_FALSE(r.txs[1].has_response);
  CHECK(r.txs[1].end_ts_us == 5);
}

TEST_CASE("truncated messages at close") {
  SECTION("response body cut") {
    auto r = run_all_splits({
        req("GET / HTTP/1.1\r\n\r\n"),
        resp("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"),
        close_conn(),
    });
    REQUIRE(r.txs.size() == 1);
    CHECK(r.txs[0].has(HttpAnomaly::response_truncated));
    CHECK(r.txs[0].response_body == "partial");
    CHECK(r.txs[0].response_body_len == 7);
  }
  SECTION("response head cut") {
    auto r = run_all_splits({
        req("GET / HTTP/1.1\r\n\r\n"),
        resp("HTTP/1.1 200 OK\r\nContent-Le"),
        close_conn(),
    });
    REQUIRE(r.txs.size() == 1);
    CHECK(r.txs[0].has(HttpAnomaly::response_truncated));
    CHECK(r.txs[0].status == 200);
  }
  SECTION("request body cut") {
    auto r = run_all_splits({
        req("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"),
        close_conn(),
    });
    REQUIRE(r.txs.size() == 1);
    CHECK(r.txs[0].has(HttpAnomaly::request_truncated));
    CHECK(r.txs[0].has(HttpAnomaly::no_response));
  }
}

TEST_CASE("max_pending: requests past the cap are dropped and counted") {
  Http1Limits lim;
  lim.max_pending = 2;
  auto r = run_all_splits(
      {req("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n"), close_conn()},
      lim);
  CHECK(r.txs.size() == 2);
  CHECK(r.counters.pending_overflow == 1);
  CHECK(r.counters.requests == 3);
}

TEST_CASE("body inspection cap keeps counting") {
  Http1Limits lim;
  lim.max_body_inspect = 8;
  auto r =
      run_all_splits({req("GET / HTTP/1.1\r\n\r\n"),
                      resp("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789abcdefghij")},
                     lim);
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].response_body == "01234567");
  CHECK(r.txs[0].response_body_len == 20);
  CHECK(r.txs[0].has(HttpAnomaly::body_truncated));
  CHECK(r.counters.body_truncated == 1);
}

TEST_CASE("anomaly names") {
  CHECK(http_anomaly_name(HttpAnomaly::cl_and_te) == "cl_and_te");
  CHECK(http_anomaly_name(HttpAnomaly::te_not_chunked_last) == "te_not_chunked_last");
  auto names = http_anomaly_names(static_cast<uint32_t>(HttpAnomaly::gap_request) |
                                  static_cast<uint32_t>(HttpAnomaly::resync) | (1u << 31));
  CHECK(names == std::vector<std::string_view>{"gap_request", "resync"});
}

TEST_CASE("content sniffing") {
  auto req_ok = [](std::string_view s) {
    return http1_looks_like_request(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  auto resp_ok = [](std::string_view s) {
    return http1_looks_like_response(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  CHECK(req_ok("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(req_ok("PROPFIND /dav HTTP/1.1\r\n"));
  CHECK(req_ok("CUSTOMVERB /x HTTP/1.0\r\n"));
  CHECK(req_ok("GET /old\r\n"));
  CHECK(req_ok("POST /very/long/path/cut-in-the-midd"));
  CHECK_FALSE(req_ok("get / HTTP/1.1\r\n"));
  CHECK_FALSE(req_ok("GET  HTTP/1.1\r\n"));
  CHECK_FALSE(req_ok("GET / SIP/2.0\r\n"));
  CHECK_FALSE(req_ok("\x16\x03\x01\x00"));
  CHECK_FALSE(req_ok("SSH-2.0-OpenSSH_9.0\r\n"));
  CHECK_FALSE(req_ok(""));
  CHECK(resp_ok("HTTP/1.1 200 OK\r\n"));
  CHECK(resp_ok("HTTP/1.0 404"));
  CHECK_FALSE(resp_ok("HTTP/2 200"));
  CHECK_FALSE(resp_ok("HTTP/1.1 20"));
  CHECK_FALSE(resp_ok("SSH-2.0"));
}

TEST_CASE("a request line without a target keeps its method and version") {
  // "GET HTTP/1.1" (Zeek's no-uri trace): Zeek and tshark both report a GET with an empty URI.
  auto r = run_all_splits({
      req("GET HTTP/1.1\r\nHost: h\r\n\r\n"),
      resp(kOk),
  });
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].method == "GET");
  CHECK(r.txs[0].uri.empty());
  CHECK(r.txs[0].version == "1.1");
  CHECK(r.txs[0].status == 200);
  CHECK(r.txs[0].has(HttpAnomaly::malformed_request_line));
}

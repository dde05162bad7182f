// Http2Session: streams into transactions, through every split of the bytes.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/decoders/body/compress.h"
#include "tests/decoders/http2/http2_harness.h"

using namespace mirador;
using namespace mirador::test;

namespace {
constexpr Direction kC = Direction::to_server;
constexpr Direction kS = Direction::to_client;

// Both sides' opening: preface + SETTINGS, server SETTINGS, both ACKs.
std::vector<Step> opening(H2Builder&) {
  return {c2s(kPreface + H2Builder::settings({{3, 100}}), 10),
          s2c(H2Builder::settings({{3, 128}}) + H2Builder::settings_ack(), 11),
          c2s(H2Builder::settings_ack(), 12)};
}
}  // namespace

TEST_CASE("a simple GET becomes one transaction", "[http2][session]") {
  H2Builder b;
  auto steps = opening(b);
  steps.push_back(c2s(b.headers(kC, 1, get_req("/v1/users?id=7"), true), 100));
  steps.push_back(
      s2c(cat({b.headers(kS, 1, status_resp(200, {{"content-type", "application/json"}}), false),
               H2Builder::data(1, "{\"id\":", false), H2Builder::data(1, "7}", true)}),
          200));
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 1);
  const HttpTransaction& t = r.txs[0];
  CHECK(t.method == "GET");
  CHECK(t.uri == "/v1/users?id=7");
  CHECK(t.version == "2");
  CHECK(t.authority == "api.example");
  CHECK(t.scheme == "https");
  CHECK(t.stream_id == 1);
  CHECK(t.trans_depth == 1);
  CHECK(hdrs(t.request_headers) == "user-agent:t/1;");  // pseudo-headers are fields, not headers
  CHECK(t.has_response);
  CHECK(t.response_version == "2");
  CHECK(t.status == 200);
  CHECK(t.response_header("content-type") == "application/json");
  CHECK(t.response_body == "{\"id\":7}");
  CHECK(t.response_body_wire_len == 8);
  CHECK(t.response_body_len == 8);
  CHECK(t.request_ts_us == 100);
  CHECK(t.end_ts_us == 200);
  CHECK(t.anomalies == 0);
  CHECK(r.counters.transactions == 1);
  CHECK(r.counters.streams == 1);
  CHECK(r.counters.protocol_errors == 0);
}

TEST_CASE("interleaved streams complete in their own order", "[http2][session]") {
  H2Builder b;
  auto steps = opening(b);
  Fields post = get_req("/upload", "POST");
  post.push_back({"content-type", "text/plain"});
  steps.push_back(
      c2s(cat({b.headers(kC, 1, get_req("/slow"), true), b.headers(kC, 3, post, false),
               H2Builder::data(3, "part1-", false), b.headers(kC, 5, get_req("/fast"), true),
               H2Builder::data(3, "part2", true)}),
          100));
  steps.push_back(
      s2c(cat({b.headers(kS, 5, status_resp(204), true), b.headers(kS, 1, status_resp(200), false),
               b.headers(kS, 3, status_resp(201), false), H2Builder::data(1, "one", false),
               H2Builder::data(3, "three", true), H2Builder::data(1, "-done", true)}),
          200));
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 3);
  CHECK(r.txs[0].stream_id == 5);
  CHECK(r.txs[0].trans_depth == 3);
  CHECK(r.txs[0].status == 204);
  CHECK(r.txs[1].stream_id == 3);
  CHECK(r.txs[1].trans_depth == 2);
  CHECK(r.txs[1].method == "POST");
  CHECK(r.txs[1].request_body == "part1-part2");
  CHECK(r.txs[1].response_body == "three");
  CHECK(r.txs[2].stream_id == 1);
  CHECK(r.txs[2].response_body == "one-done");
  // The header blocks of the later streams used the dynamic table the earlier ones filled.
  CHECK(r.txs[2].request_header("user-agent") == "t/1");
  CHECK(r.txs[0].request_header("user-agent") == "t/1");
}

TEST_CASE("padding, priority and CONTINUATION on the session", "[http2][session]") {
  H2Builder b;
  auto steps = opening(b);
  Fields big = get_req("/cont");
  for (int i = 0; i < 20; ++i) big.push_back({"x-h" + std::to_string(i), std::string(30, 'a' + i)});
  steps.push_back(c2s(cat({b.headers_split(kC, 1, big, false, 4), H2Builder::priority(1),
                           H2Builder::data(1, "padded", true, 10)}),
                      100));
  steps.push_back(s2c(
      cat({b.headers(kS, 1, status_resp(200), false, 5, true), H2Builder::data(1, "ok", true, 0)}),
      200));
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].request_headers.size() == 21);
  CHECK(r.txs[0].request_header("x-h19") == std::string(30, 'a' + 19));
  CHECK(r.txs[0].request_body == "padded");
  CHECK(r.txs[0].request_body_wire_len == 6);
  CHECK(r.txs[0].response_body == "ok");
  CHECK(r.txs[0].anomalies == 0);
  CHECK(r.counters.frames_by_type[9] >= 3);
}

TEST_CASE("1xx interim responses, trailers and a gRPC status", "[http2][session]") {
  H2Builder b;
  auto steps = opening(b);
  Fields req = {{":method", "POST"},
                {":scheme", "http"},
                {":authority", "grpc.local:50051"},
                {":path", "/pkg.Svc/Call"},
                {"content-type", "application/grpc"},
                {"grpc-encoding", "gzip"},
                {"te", "trailers"}};
  // A gRPC message, length-prefixed (flag 1 = compressed per grpc-encoding): kept as sent.
  std::string msg = std::string("\x01\x00\x00\x00\x05", 5) + "ABCDE";
  steps.push_back(c2s(cat({b.headers(kC, 1, req, false), H2Builder::data(1, msg, true)}), 100));
  steps.push_back(
      s2c(cat({b.headers(kS, 1, status_resp(100), false),
               b.headers(kS, 1, status_resp(200, {{"content-type", "application/grpc"}}), false),
               H2Builder::data(1, msg, false),
               b.headers(kS, 1, {{"grpc-status", "5"}, {"grpc-message", "not%20found"}}, true)}),
          200));
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 1);
  const HttpTransaction& t = r.txs[0];
  CHECK(t.info_codes == std::vector<int>{100});
  CHECK(t.status == 200);
  CHECK(t.request_body == msg);
  CHECK(t.response_body == msg);
  CHECK(hdrs(t.response_trailers) == "grpc-status:5;grpc-message:not%20found;");
  CHECK(t.grpc_status == 5);
  CHECK(t.grpc_message == "not%20found");
  CHECK(t.anomalies == 0);
}

TEST_CASE("a gRPC trailers-only response", "[http2][session]") {
  H2Builder b;
  auto steps = opening(b);
  Fields req = {{":method", "POST"},
                {":scheme", "http"},
                {":authority", "g"},
                {":path", "/S/M"},
                {"content-type", "application/grpc+proto"}};
  steps.push_back(c2s(
      cat({b.headers(kC, 1, req, false), H2Builder::data(1, std::string("\0\0\0\0\0", 5), true)}),
      100));
  steps.push_back(s2c(b.headers(kS, 1,
                                status_resp(200, {{"content-type", "application/grpc"},
                                                  {"grpc-status", "16"},
                                                  {"grpc-message", "bad token"}}),
                                true),
                      200));
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].grpc_status == 16);
  CHECK(r.txs[0].grpc_message == "bad token");
  CHECK(r.txs[0].response_trailers.empty());
}

TEST_CASE("request trailers and a gzip response body", "[http2][session]") {
  H2Builder b;
  auto steps = opening(b);
  std::string json = "{\"items\":[" + std::string(2000, '1') + "]}";
  std::string gz = zcompress(json, 16 + 15);
  steps.push_back(
      c2s(cat({b.headers(kC, 1, get_req("/d", "PUT"), false), H2Builder::data(1, "abc", false),
               b.headers(kC, 1, {{"x-checksum", "99"}}, true)}),
          100));
  steps.push_back(s2c(
      cat({b.headers(kS, 1, status_resp(200, {{"content-encoding", "gzip"}}), false),
           H2Builder::data(1, gz.substr(0, 10), false), H2Builder::data(1, gz.substr(10), true)}),
      200));
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].request_header("x-checksum") == "99");
  CHECK(r.txs[0].request_body == "abc");
  CHECK(r.txs[0].response_body == json);
  CHECK(r.txs[0].response_body_wire_len == gz.size());
  CHECK(r.txs[0].response_body_len == json.size());
  CHECK(r.txs[0].anomalies == 0);
}

TEST_CASE("RST_STREAM and GOAWAY end streams, flagged", "[http2][session]") {
  H2Builder b;
  auto steps = opening(b);
  steps.push_back(
      c2s(cat({b.headers(kC, 1, get_req("/a"), true), b.headers(kC, 3, get_req("/b"), true),
               b.headers(kC, 5, get_req("/c"), true)}),
          100));
  steps.push_back(s2c(cat({H2Builder::rst(1, 8), b.headers(kS, 3, status_resp(200), true),
                           H2Builder::goaway(3, 0)}),
                      200));
  // After a complete response, RST_STREAM(NO_ERROR) is not a reset.
  steps.push_back(c2s(b.headers(kC, 7, get_req("/d", "POST"), false), 300));
  steps.push_back(s2c(cat({b.headers(kS, 7, status_resp(413), true), H2Builder::rst(7, 0)}), 400));
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 4);
  CHECK(r.txs[0].stream_id == 1);
  CHECK(r.txs[0].has(HttpAnomaly::h2_stream_reset));
  CHECK_FALSE(r.txs[0].has_response);
  CHECK(r.txs[1].stream_id == 3);
  CHECK(r.txs[1].anomalies == 0);
  CHECK(r.txs[2].stream_id == 5);
  CHECK(r.txs[2].has(HttpAnomaly::h2_stream_reset));
  CHECK(r.txs[3].stream_id == 7);
  CHECK(r.txs[3].status == 413);
  CHECK(r.txs[3].anomalies == 0);
  CHECK(r.counters.resets == 2);
  CHECK(r.counters.goaways == 1);
}

TEST_CASE("PUSH_PROMISE: the promised request with its pushed response", "[http2][session]") {
  H2Builder b;
  auto steps = opening(b);
  steps.push_back(c2s(b.headers(kC, 1, get_req("/index.html"), true), 100));
  steps.push_back(s2c(
      cat({b.push_promise(1, 2, get_req("/style.css")), b.headers(kS, 1, status_resp(200), false),
           b.headers(kS, 2, status_resp(200, {{"content-type", "text/css"}}), false),
           H2Builder::data(2, "body{}", true), H2Builder::data(1, "<html>", true)}),
      200));
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[0].stream_id == 2);
  CHECK(r.txs[0].uri == "/style.css");
  CHECK(r.txs[0].trans_depth == 2);
  CHECK(r.txs[0].response_body == "body{}");
  CHECK(r.txs[1].stream_id == 1);
  CHECK(r.txs[1].response_body == "<html>");
  CHECK(r.counters.pushes == 1);
}

TEST_CASE("close emits open streams truncated or unanswered", "[http2][session]") {
  H2Builder b;
  auto steps = opening(b);
  steps.push_back(
      c2s(cat({b.headers(kC, 1, get_req("/a"), true),
               b.headers(kC, 3, get_req("/b", "POST"), false), H2Builder::data(3, "x", false)}),
          100));
  steps.push_back(
      s2c(cat({b.headers(kS, 1, status_resp(200), false), H2Builder::data(1, "par", false)}), 200));
  steps.push_back(close_conn());
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[0].has(HttpAnomaly::response_truncated));
  CHECK_FALSE(r.txs[0].has(HttpAnomaly::request_truncated));
  CHECK(r.txs[0].response_body == "par");
  CHECK(r.txs[1].has(HttpAnomaly::request_truncated));
  CHECK(r.txs[1].has(HttpAnomaly::no_response));
}

TEST_CASE("SETTINGS_HEADER_TABLE_SIZE bounds the peer's encoder once acknowledged",
          "[http2][session]") {
  H2Builder b;
  // The client allows the server's encoder 8192 bytes; the server grows to it after the ACK.
  std::vector<Step> steps = {c2s(kPreface + H2Builder::settings({{1, 8192}}), 10),
                             s2c(H2Builder::settings() + H2Builder::settings_ack(), 11),
                             c2s(H2Builder::settings_ack(), 12),
                             c2s(b.headers(kC, 1, get_req("/a"), true), 100)};
  REQUIRE(nghttp2_hd_deflate_change_table_size(b.deflater(kS), 8192) == 0);
  steps.push_back(
      s2c(b.headers(kS, 1, status_resp(200, {{"x-big", std::string(6000, 'q')}}), true), 200));
  // The client's encoder was allowed only the default 4096: 16384 is a protocol error.
  REQUIRE(nghttp2_hd_deflate_change_table_size(b.deflater(kC), 16384) == 0);
  steps.push_back(c2s(b.headers(kC, 3, get_req("/b"), true), 300));
  steps.push_back(
      s2c(b.headers(kS, 3, status_resp(200, {{"x-big", std::string(6000, 'q')}}), true), 400));
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[0].anomalies == 0);
  CHECK(r.txs[0].response_header("x-big").size() == 6000);
  CHECK(r.txs[1].has(HttpAnomaly::h2_protocol_error));
  CHECK(r.txs[1].uri == "/b");                              // still decoded
  CHECK(r.txs[1].response_header("x-big").size() == 6000);  // indexed from the 8192 table
  CHECK(r.counters.protocol_errors == 1);
}

TEST_CASE("h2c: the upgrade request is stream 1", "[http2][session]") {
  H2Builder b;
  Options o;
  o.start = Start::upgraded;
  o.upgrade.method = "GET";
  o.upgrade.uri = "/h2c";
  o.upgrade.version = "1.1";
  o.upgrade.request_ts_us = 5;
  o.upgrade.end_ts_us = 6;
  // SETTINGS_HEADER_TABLE_SIZE=8192 in base64url, no padding.
  o.upgrade.request_headers = {{"Host", "h"}, {"Upgrade", "h2c"}, {"HTTP2-Settings", "AAEAACAA"}};
  REQUIRE(nghttp2_hd_deflate_change_table_size(b.deflater(kS), 8192) == 0);
  std::vector<Step> steps = {
      c2s(kPreface + H2Builder::settings(), 10),
      s2c(cat({H2Builder::settings(), H2Builder::settings_ack(),
               b.headers(kS, 1, status_resp(200, {{"x-big", std::string(6000, 'q')}}), false),
               H2Builder::data(1, "upgraded", true)}),
          20),
      c2s(cat({H2Builder::settings_ack(), b.headers(kC, 3, get_req("/next"), true)}), 30),
      s2c(b.headers(kS, 3, status_resp(404), true), 40)};
  Result r = run_all_splits(steps, o);
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[0].stream_id == 1);
  CHECK(r.txs[0].trans_depth == 1);
  CHECK(r.txs[0].uri == "/h2c");
  CHECK(r.txs[0].request_ts_us == 5);
  CHECK(r.txs[0].status == 200);
  CHECK(r.txs[0].response_version == "2");
  CHECK(r.txs[0].response_body == "upgraded");
  CHECK(r.txs[0].anomalies == 0);  // the 8192 table was allowed by HTTP2-Settings
  CHECK(r.txs[1].uri == "/next");
  CHECK(r.txs[1].status == 404);
  CHECK(r.counters.upgrades == 1);
}

TEST_CASE("a gap resets HPACK: dynamic indexes fail, never invented", "[http2][session]") {
  H2Builder b;
  auto steps = opening(b);
  Fields req = get_req("/secret");
  req.push_back({"authorization", "Bearer abc"});
  steps.push_back(c2s(b.headers(kC, 1, req, true), 100));
  steps.push_back(s2c(cat({b.headers(kS, 1, status_resp(200, {{"x-srv", "1"}}), false),
                           H2Builder::data(1, "first", true)}),
                      110));
  b.headers(kC, 3, req, true);  // encoded (the client's table changes) but lost:
  steps.push_back(gap(kC));
  steps.push_back(c2s(b.headers(kC, 5, req, true), 130));  // indexed: needs the lost table
  steps.push_back(s2c(cat({b.headers(kS, 3, status_resp(200, {{"x-srv", "1"}}), false),
                           H2Builder::data(3, "three", true),
                           b.headers(kS, 5, status_resp(200, {{"x-srv", "1"}}), false),
                           H2Builder::data(5, "five", true)}),
                      140));
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 3);
  CHECK(r.txs[0].method == "GET");
  // Stream 5's request used the dynamic table: unknown, and no header invented.
  const HttpTransaction* s3 = nullptr;
  const HttpTransaction* s5 = nullptr;
  for (auto& t : r.txs) {
    if (t.stream_id == 3) s3 = &t;
    if (t.stream_id == 5) s5 = &t;
  }
  REQUIRE(s3);
  REQUIRE(s5);
  CHECK(s5->method.empty());
  CHECK(s5->request_headers.empty());
  CHECK(s5->has(HttpAnomaly::h2_headers_unknown));
  CHECK(s5->status == 200);  // the server's direction kept its table
  CHECK(s5->response_header("x-srv") == "1");
  CHECK(s5->response_body == "five");
  CHECK(s3->method.empty());
  CHECK(s3->has(HttpAnomaly::h2_headers_unknown));
  CHECK(s3->response_body == "three");
  CHECK(r.counters.gaps == 1);
  CHECK(r.counters.headers_unknown == 1);
}

TEST_CASE("a gap inside a frame resyncs at the next frame", "[http2][session]") {
  H2Builder b;
  auto steps = opening(b);
  steps.push_back(c2s(
      cat({b.headers(kC, 1, get_req("/a"), true), b.headers(kC, 3, get_req("/b"), true)}), 100));
  std::string resp1 = b.headers(kS, 1, status_resp(200), false) + H2Builder::data(1, "aaaa", false);
  std::string d1 = H2Builder::data(1, std::string(100, 'x'), true);
  steps.push_back(s2c(resp1 + d1.substr(0, 40), 200));
  steps.push_back(gap(kS));
  steps.push_back(
      s2c(cat({d1.substr(60), H2Builder::ping(), b.headers(kS, 3, status_resp(404), true)}), 300));
  steps.push_back(close_conn());
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[0].stream_id == 3);
  CHECK(r.txs[0].status == 404);  // literal :status 404 decodes on a fresh table
  CHECK(r.txs[1].stream_id == 1);
  CHECK(r.txs[1].has(HttpAnomaly::gap_response));
  CHECK(r.txs[1].has(HttpAnomaly::response_truncated));
  CHECK(r.counters.resyncs == 1);
  CHECK(r.counters.bytes_skipped == 49);  // the rest of the cut DATA frame
}

TEST_CASE("midstream pickup: frames found, headers only from literals", "[http2][session]") {
  H2Builder b;
  // The connection's first exchange (never seen) fills both tables.
  b.block(kC, get_req("/x"));
  b.block(kS, status_resp(200, {{"content-type", "application/json"}}));
  Options o;
  o.start = Start::midstream;
  std::string c = cat({H2Builder::window_update(0, 1000), b.headers(kC, 7, get_req("/x"), true)});
  std::string s =
      cat({std::string("tail-of-a-frame"), H2Builder::ping(),
           b.headers(kS, 5, status_resp(200, {{"content-type", "application/json"}}), false),
           H2Builder::data(5, "{}", true),
           b.headers(kS, 7, status_resp(503, {{"retry-after", "3"}}), true)});
  std::vector<Step> steps = {c2s(c, 100), s2c(s, 200), close_conn()};
  Result r = run_all_splits(steps, o);
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[0].stream_id == 5);
  CHECK(r.txs[0].method.empty());
  CHECK(r.txs[0].has(HttpAnomaly::h2_headers_unknown));
  CHECK(r.txs[0].response_body == "{}");
  CHECK(r.txs[1].stream_id == 7);
  CHECK(r.txs[1].method.empty());  // its block indexes the unseen table
  CHECK(r.txs[1].request_headers.empty());
  CHECK(r.txs[1].status == 503);
  CHECK(r.txs[1].response_header("retry-after") == "3");
  CHECK(r.counters.midstream == 1);
  CHECK(r.counters.resyncs == 2);
  CHECK(r.counters.bytes_skipped == 15);
}

TEST_CASE("caps: streams, header block, header list, buffered data", "[http2][session]") {
  H2Builder b;
  Options o;
  o.limits.max_streams = 2;
  o.limits.max_header_block = 200;
  o.limits.max_header_list = 1000;
  o.limits.max_headers = 8;
  o.limits.max_buffered_data = 10;
  auto steps = opening(b);
  Fields many = get_req("/many");
  for (int i = 0; i < 10; ++i) many.push_back({"m" + std::to_string(i), "v"});
  steps.push_back(
      c2s(cat({b.headers(kC, 1, get_req("/one", "POST"), false), b.headers(kC, 3, many, false),
               b.headers(kC, 5, get_req("/three"), true), H2Builder::data(1, "0123456789abc", true),
               H2Builder::data(3, "zz", true)}),
          100));
  steps.push_back(
      s2c(cat({b.headers(kS, 1, status_resp(200), true), b.headers(kS, 3, status_resp(200), true)}),
          200));
  Fields huge = get_req("/huge");
  huge.push_back({"x-long", std::string(300, 'L')});
  steps.push_back(c2s(b.headers(kC, 7, huge, true), 300));
  steps.push_back(s2c(b.headers(kS, 7, status_resp(200), true), 400));
  Result r = run_all_splits(steps, o);
  REQUIRE(r.txs.size() == 4);
  CHECK(r.txs[0].stream_id == 5);
  CHECK(r.txs[0].has(HttpAnomaly::h2_stream_refused));
  CHECK(r.txs[0].uri == "/three");
  CHECK(r.txs[1].stream_id == 1);
  CHECK(r.txs[1].request_body == "0123456789");
  CHECK(r.txs[1].request_body_wire_len == 13);
  CHECK(r.txs[1].has(HttpAnomaly::body_truncated));
  CHECK(r.txs[2].stream_id == 3);
  CHECK(r.txs[2].has(HttpAnomaly::too_many_headers));
  CHECK(r.txs[2].request_headers.size() == 4);  // 8 fields kept, 4 of them pseudo
  CHECK(r.txs[2].request_body.empty());         // the connection's budget was spent
  CHECK(r.txs[3].stream_id == 7);
  CHECK(r.txs[3].has(HttpAnomaly::headers_too_large));
  CHECK(r.txs[3].method.empty());
  CHECK(r.counters.streams_refused == 1);
  CHECK(r.counters.too_many_headers == 1);
  CHECK(r.counters.data_cap_hits == 2);
  CHECK(r.counters.header_block_too_large == 1);
}

TEST_CASE("arbitrary bytes never crash and stay bounded", "[http2][session]") {
  std::mt19937 rng(7);
  H2Builder b;
  std::string valid = b.headers(kC, 1, get_req("/a"), false) + H2Builder::data(1, "abc", true);
  for (int iter = 0; iter < 300; ++iter) {
    std::string c = kPreface + valid;
    std::string s = b.headers(kS, 1, status_resp(200), false) + H2Builder::data(1, "x", true);
    for (int k = 0; k < 6; ++k) {
      c[rng() % c.size()] = static_cast<char>(rng());
      s[rng() % s.size()] = static_cast<char>(rng());
    }
    Options o;
    if (iter % 3 == 1) o.start = Start::midstream;
    std::vector<Step> steps = {c2s(c), s2c(s), gap(kS), s2c(s), close_conn()};
    Result r = run_whole(steps, o);
    CHECK(r.txs.size() <= 4);
  }
}

TEST_CASE("protocol violations are flagged and counted once per frame", "[http2][session]") {
  H2Builder b;
  auto steps = opening(b);
  steps.push_back(c2s(cat({b.headers(kC, 1, get_req("/a"), true),
                           H2Builder::data(1, "late", false),         // after END_STREAM
                           H2Builder::data(9, "never-opened", true),  // stream never opened
                           H2Builder::frame(1, 0x5, 3, "")}),         // empty block: no :method
                      100));
  steps.push_back(
      s2c(cat({b.headers(kS, 1, status_resp(200), true), b.headers(kS, 3, status_resp(400), true)}),
          200));
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 2);
  CHECK(r.txs[0].stream_id == 1);
  CHECK(r.txs[0].has(HttpAnomaly::h2_protocol_error));
  CHECK(r.txs[0].method == "GET");
  CHECK(r.txs[1].stream_id == 3);
  CHECK(r.txs[1].has(HttpAnomaly::h2_protocol_error));
  CHECK(r.txs[1].method.empty());
  CHECK(r.txs[1].status == 400);
  CHECK(r.counters.protocol_errors == 3);
}

TEST_CASE("an ACK delivered before the SETTINGS it acknowledges still applies them",
          "[http2][session]") {
  H2Builder b;
  // The directions are reassembled apart: the server's ACK can reach us before the client's
  // SETTINGS do.
  std::vector<Step> steps = {s2c(H2Builder::settings() + H2Builder::settings_ack(), 11),
                             c2s(kPreface + H2Builder::settings({{1, 8192}}), 10),
                             c2s(H2Builder::settings_ack(), 12),
                             c2s(b.headers(kC, 1, get_req("/a"), true), 100)};
  REQUIRE(nghttp2_hd_deflate_change_table_size(b.deflater(kS), 8192) == 0);
  steps.push_back(
      s2c(b.headers(kS, 1, status_resp(200, {{"x-big", std::string(6000, 'q')}}), true), 200));
  Result r = run_all_splits(steps);
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].anomalies == 0);
  CHECK(r.counters.protocol_errors == 0);
}

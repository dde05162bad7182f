#include <catch2/catch.hpp>
#include <string>

#include "mirador/v1/event.pb.h"
#include "sensor/output/event_builder.h"
#include "sensor/output/json_writer.h"
#include "sensor/output/masking.h"

using namespace mirador;

namespace {
// The line the sensor writes for a transaction: the event as the worker builds it, written from
// the message as the output thread does. Returns how many values were masked.
size_t event_line(const EventHeader& h, const FlowContext& flow, const HttpTransaction& t,
                  std::string& out, bool mask = false) {
  MaskingConfig cfg;
  cfg.enabled = mask;
  EventBuilder builder(cfg);
  append_event_json(builder.build(h, flow, t), out);
  return builder.masked_values();
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}
}  // namespace

TEST_CASE("JSON strings escape quotes, backslashes and control characters") {
  CHECK(json_string("plain") == "\"plain\"");
  CHECK(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(json_string("tab\there\nnl\rcr") == "\"tab\\there\\nnl\\rcr\"");
  CHECK(json_string(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\\u007f\"");
  CHECK(json_string(std::string("nul\0x", 5)) == "\"nul\\u0000x\"");
}

TEST_CASE("valid UTF-8 passes through, invalid bytes become \\xNN text") {
  CHECK(json_string("姓名") == "\"姓名\"");
  CHECK(json_string("\xF0\x9F\x98\x80") == "\"\xF0\x9F\x98\x80\"");  // 4-byte emoji
  CHECK(json_string("a\xffz") == "\"a\\\\xffz\"");
  CHECK(json_string("\xC0\xAF") == "\"\\\\xc0\\\\xaf\"");             // overlong '/'
  CHECK(json_string("\xED\xA0\x80") == "\"\\\\xed\\\\xa0\\\\x80\"");  // surrogate
  CHECK(json_string("\xE4\xB8") == "\"\\\\xe4\\\\xb8\"");             // truncated sequence
}

TEST_CASE("timestamps are RFC 3339 UTC with microseconds") {
  std::string out;
  append_rfc3339(out, 1'258'535'541'123'456);
  CHECK(out == "2009-11-18T09:12:21.123456Z");
}

TEST_CASE("an HTTP event carries the envelope, the flow context, and omits empty fields") {
  HttpTransaction t;
  t.request_ts_us = 1'000'000;
  t.end_ts_us = 1'250'000;
  t.trans_depth = 2;
  t.method = "GET";
  t.uri = "/api/v1/users/7";
  t.version = "1.1";
  t.request_headers = {{"Host", "api.example"}, {"User-Agent", "curl/7.88.1"}};
  t.has_response = true;
  t.status = 200;
  t.status_msg = "OK";
  t.response_headers = {{"Content-Type", "application/json"}};
  t.response_body_len = 42;
  t.response_body_wire_len = 30;
  t.flag(HttpAnomaly::cl_and_te);

  uint8_t c[4] = {198, 18, 0, 1}, s[4] = {198, 18, 0, 2};
  IpAddress cip = IpAddress::v4(c), sip = IpAddress::v4(s);
  uint16_t vlan[2] = {100, 200};
  FlowContext ctx;
  ctx.client_ip = &cip;
  ctx.client_port = 40000;
  ctx.server_ip = &sip;
  ctx.server_port = 8080;
  ctx.vlan = vlan;
  ctx.vlan_count = 2;
  ctx.tunnel = TunnelKind::vxlan;
  ctx.tunnel_id = 42;
  ctx.community_id = "1:abc=";

  std::string out;
  event_line({"s1", 7, t.request_ts_us}, ctx, t, out);
  CHECK(out ==
        "{\"sensor_id\":\"s1\",\"sequence\":7,\"time\":\"1970-01-01T00:00:01.000000Z\","
        "\"http\":{\"flow\":{\"community_id\":\"1:abc=\",\"src_ip\":\"198.18.0.1\","
        "\"src_port\":40000,\"dst_ip\":\"198.18.0.2\",\"dst_port\":8080,\"vlan\":[100,200],"
        "\"tunnel\":{\"type\":\"vxlan\",\"id\":42}},\"trans_depth\":2,"
        "\"method\":\"GET\",\"host\":\"api.example\",\"uri\":\"/api/v1/users/7\","
        "\"version\":\"1.1\",\"user_agent\":\"curl/7.88.1\",\"has_response\":true,"
        "\"status\":200,\"status_msg\":\"OK\","
        "\"request_body_len\":0,\"response_body_len\":42,\"request_body_wire_len\":0,"
        "\"response_body_wire_len\":30,\"response_content_type\":\"application/json\","
        "\"duration\":0.250000,\"anomalies\":[\"cl_and_te\"]}}");
}

TEST_CASE("an event without a sensor id or addresses leaves those keys out") {
  HttpTransaction t;
  t.request_ts_us = 1'000'000;
  t.end_ts_us = 1'000'000;
  t.trans_depth = 1;
  FlowContext ctx;
  std::string out;
  event_line({"", 1, t.request_ts_us}, ctx, t, out);
  CHECK(out ==
        "{\"sequence\":1,\"time\":\"1970-01-01T00:00:01.000000Z\",\"http\":{\"flow\":{"
        "\"src_port\":0,\"dst_port\":0},\"trans_depth\":1,\"request_body_len\":0,"
        "\"response_body_len\":0,\"request_body_wire_len\":0,\"response_body_wire_len\":0,"
        "\"duration\":0.000000}}");
}

TEST_CASE("with a masker, credentials in the target and the referrer are masked") {
  HttpTransaction t;
  t.request_ts_us = 1'000'000;
  t.method = "GET";
  t.uri = "/login?user=alice&password=hunter2";
  t.request_headers = {{"Referer", "http://app.test/cb?access_token=abc.def.ghi"}};
  FlowContext ctx;
  std::string out;
  CHECK(event_line({"s1", 1, t.request_ts_us}, ctx, t, out, true) == 2);
  CHECK(out.find("hunter2") == std::string::npos);
  CHECK(out.find("abc.def.ghi") == std::string::npos);
  CHECK(out.find("\"uri\":\"/login?user=alice&password=***\"") != std::string::npos);
  CHECK(out.find("\"referrer\":\"http://app.test/cb?access_token=***\"") != std::string::npos);
  out.clear();
  CHECK(event_line({"s1", 1, t.request_ts_us}, ctx, t, out) == 0);  // masking off: as sent
  CHECK(out.find("hunter2") != std::string::npos);
}

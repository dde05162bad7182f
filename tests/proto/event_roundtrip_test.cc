// The schema itself: every kind of event, fully populated, survives the binary and the proto3
// JSON round trips unchanged (field names as written in event.proto).
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <string>

#include "mirador/v1/event.pb.h"

using google::protobuf::util::MessageDifferencer;
using mirador::v1::Event;

namespace {

Event http_event() {
  Event e;
  e.set_sensor_id("edge-1");
  e.set_sequence(uint64_t{1} << 40);
  e.mutable_time()->set_seconds(1'795'873'875);
  e.mutable_time()->set_nanos(818'377'000);
  auto* h = e.mutable_http();
  auto* f = h->mutable_flow();
  f->set_community_id("1:abc=");
  f->set_src_ip("2001:db8::1");
  f->set_src_port(40000);
  f->set_dst_ip("198.18.0.2");
  f->set_dst_port(8080);
  f->add_vlan(100);
  f->add_vlan(200);
  f->mutable_tunnel()->set_type("vxlan");
  f->mutable_tunnel()->set_id(42);
  h->set_trans_depth(2);
  h->set_method("POST");
  h->set_host("api.example");
  h->set_uri("/login?password=***");
  h->set_version("1.1");
  h->set_user_agent("curl/7.88.1");
  h->set_referrer("http://x/");
  h->set_origin("http://x");
  h->set_has_response(true);
  h->set_status(200);
  h->set_status_msg("OK");
  h->add_info_codes(100);
  h->set_request_body_len(uint64_t{1} << 33);
  h->set_response_body_len(5);
  h->set_request_body_wire_len(7);
  h->set_response_body_wire_len(3);
  h->set_request_content_type("application/json");
  h->set_response_content_type("text/plain; charset=utf-8");
  h->set_request_content_encoding("gzip");
  h->set_response_content_encoding("br");
  h->set_duration(0.123456);
  h->set_upgrade("websocket");
  h->add_anomalies("cl_and_te");
  return e;
}

void round_trips(const Event& e) {
  Event bin;
  REQUIRE(bin.ParseFromString(e.SerializeAsString()));
  CHECK(MessageDifferencer::Equals(e, bin));

  google::protobuf::util::JsonPrintOptions opt;
  opt.preserve_proto_field_names = true;
  std::string json;
  REQUIRE(google::protobuf::util::MessageToJsonString(e, &json, opt).ok());
  Event back;
  INFO(json);
  REQUIRE(google::protobuf::util::JsonStringToMessage(json, &back).ok());
  CHECK(MessageDifferencer::Equals(e, back));
}

}  // namespace

TEST_CASE("an HTTP event round-trips through bytes and proto3 JSON with snake_case names") {
  const Event e = http_event();
  round_trips(e);
  google::protobuf::util::JsonPrintOptions opt;
  opt.preserve_proto_field_names = true;
  std::string json;
  REQUIRE(google::protobuf::util::MessageToJsonString(e, &json, opt).ok());
  CHECK(json.find("\"sensor_id\":\"edge-1\"") != std::string::npos);
  CHECK(json.find("\"community_id\":") != std::string::npos);
  CHECK(json.find("\"request_body_wire_len\":") != std::string::npos);
  CHECK(json.find("\"time\":\"2026-11-28T") != std::string::npos);
}

TEST_CASE("finding, endpoint and stats events round-trip") {
  Event f;
  f.set_sensor_id("s");
  f.set_sequence(2);
  auto* x = f.mutable_finding();
  x->mutable_flow()->set_src_ip("198.18.0.1");
  x->set_id("sqli.union_select");
  x->set_risk_class("sql_injection");
  x->set_severity("high");
  x->set_owasp_api("API8:2023");
  x->set_summary("UNION SELECT in a query parameter");
  x->add_locations("request.query id");
  x->add_masked_samples("1 UNION SELECT ***");
  x->set_count(3);
  x->set_endpoint("GET /users/{id}");
  round_trips(f);

  Event a;
  auto* ep = a.mutable_endpoint();
  ep->set_host("api.example");
  ep->set_method("GET");
  ep->set_path_template("/users/{id}");
  ep->mutable_first_seen()->set_seconds(1);
  ep->mutable_last_seen()->set_seconds(2);
  ep->set_count(10);
  ep->add_auth_kinds("bearer_jwt");
  ep->add_data_classes("email");
  ep->set_sensitivity("medium");
  round_trips(a);

  Event s;
  auto* st = s.mutable_stats();
  st->set_final(true);
  st->set_elapsed_s(12.5);
  st->set_peak_rss_bytes(15 << 20);
  (*(*st->mutable_groups())["capture"].mutable_counters())["packets"] = 1234;
  (*(*st->mutable_groups())["http"].mutable_counters())["transactions"] = 56;
  round_trips(s);
}

TEST_CASE("a message that is not an Event is rejected, unknown JSON keys too") {
  Event e;
  CHECK_FALSE(google::protobuf::util::JsonStringToMessage("{\"nope\":1}", &e).ok());
  CHECK_FALSE(e.ParseFromString(std::string("\x0a\x05sh", 4)));  // truncated sensor_id
}

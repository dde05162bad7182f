// Helpers shared by the Kafka tests: real mirador.v1 events of every kind, a KafkaTransport whose
// producer hosts librdkafka's mock cluster, and bounded waits.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "mirador/v1/event.pb.h"
#include "sensor/output/kafka_transport.h"

namespace mirador::test {

inline void set_envelope(v1::Event& e, const std::string& sensor, uint64_t seq) {
  e.set_sensor_id(sensor);
  e.set_sequence(seq);
  e.mutable_time()->set_seconds(1700000000 + static_cast<int64_t>(seq));
  e.mutable_time()->set_nanos(1000 * static_cast<int32_t>(seq % 1000));
}

// A Community ID v1 shaped string, one per connection number.
inline std::string community_id(int conn) {
  return "1:" + std::to_string(1000003 * (conn + 1)) + "AbCdEfGhIjKlMnOp=";
}

inline void fill_flow(v1::FlowContext* f, int conn) {
  f->set_community_id(community_id(conn));
  f->set_src_ip("198.18.0." + std::to_string(1 + conn % 200));
  f->set_src_port(40000 + static_cast<uint32_t>(conn));
  f->set_dst_ip("198.18.1.1");
  f->set_dst_port(8080);
}

inline v1::Event http_event(const std::string& sensor, uint64_t seq, int conn, uint32_t depth) {
  v1::Event e;
  set_envelope(e, sensor, seq);
  auto* h = e.mutable_http();
  fill_flow(h->mutable_flow(), conn);
  h->set_trans_depth(depth);
  h->set_method(depth % 3 == 0 ? "POST" : "GET");
  h->set_host("api.example.test");
  h->set_uri("/v1/orders/" + std::to_string(seq) + "?page=" + std::to_string(depth));
  h->set_version("1.1");
  h->set_user_agent("mirador-test/1.0");
  h->set_has_response(true);
  h->set_status(200);
  h->set_status_msg("OK");
  h->set_response_body_len(512 + seq);
  h->set_response_content_type("application/json");
  h->set_duration(0.001 * static_cast<double>(depth));
  return e;
}

inline v1::Event finding_event(const std::string& sensor, uint64_t seq, int conn) {
  v1::Event e;
  set_envelope(e, sensor, seq);
  auto* f = e.mutable_finding();
  fill_flow(f->mutable_flow(), conn);
  f->set_id("sqli.union_select");
  f->set_risk_class("sql_injection");
  f->set_severity("high");
  f->set_owasp_api("API8:2023");
  f->set_summary("UNION SELECT in a query parameter");
  f->add_locations("request.query id");
  f->set_count(1);
  return e;
}

inline v1::Event endpoint_event(const std::string& sensor, uint64_t seq) {
  v1::Event e;
  set_envelope(e, sensor, seq);
  auto* a = e.mutable_endpoint();
  a->set_host("api.example.test");
  a->set_method("GET");
  a->set_path_template("/v1/orders/{id}");
  a->set_count(42);
  a->add_auth_kinds("bearer_jwt");
  return e;
}

inline v1::Event stats_event(const std::string& sensor, uint64_t seq) {
  v1::Event e;
  set_envelope(e, sensor, seq);
  auto* s = e.mutable_stats();
  s->set_elapsed_s(12.5);
  s->set_peak_rss_bytes(123456789);
  (*(*s->mutable_groups())["output"].mutable_counters())["queue_dropped"] = 0;
  (*(*s->mutable_groups())["http"].mutable_counters())["transactions"] = 40;
  return e;
}

// A configuration whose producer creates a mock cluster of `brokers` brokers; topics
// "<prefix>.http" and so on.
inline KafkaConfig mock_config(const std::string& prefix, int brokers = 3) {
  KafkaConfig cfg;
  cfg.topic_http = prefix + ".http";
  cfg.topic_finding = prefix + ".finding";
  cfg.topic_endpoint = prefix + ".endpoint";
  cfg.topic_stats = prefix + ".stats";
  cfg.topic_tls = prefix + ".tls";
  cfg.message_timeout = std::chrono::milliseconds(5000);
  cfg.extra = {"test.mock.num.brokers=" + std::to_string(brokers), "linger.ms=1"};
  return cfg;
}

inline rd_kafka_mock_cluster_t* mock_of(const KafkaTransport& t) {
  return rd_kafka_handle_mock_cluster(static_cast<rd_kafka_t*>(t.native_handle()));
}

inline void create_topics(const KafkaTransport& t, const KafkaConfig& cfg, int partitions) {
  for (const auto* name : {&cfg.topic_http, &cfg.topic_finding, &cfg.topic_endpoint,
                           &cfg.topic_stats, &cfg.topic_tls}) {
    const auto err = rd_kafka_mock_topic_create(mock_of(t), name->c_str(), partitions, 3);
    if (err) throw std::runtime_error(rd_kafka_err2str(err));
  }
}

// Polls until acked() reaches `seq` (true) or `limit` passes (false).
inline bool poll_until_acked(KafkaTransport& t, uint64_t seq, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (t.acked() < seq) {
    if (std::chrono::steady_clock::now() >= end) return false;
    if (t.poll(std::chrono::milliseconds(10)) == RemoteTransport::State::broken) return false;
  }
  return true;
}

// Settings that make a consumer group on the mock cluster quick (the mock's first join still
// waits 3 s, as group.initial.rebalance.delay.ms does on a broker).
inline std::vector<std::string> fast_consumer_settings() {
  return {"heartbeat.interval.ms=100", "session.timeout.ms=4000", "fetch.wait.max.ms=10",
          "fetch.error.backoff.ms=10",

          "reconnect.backoff.ms=10"};
}

}  // namespace mirador::test

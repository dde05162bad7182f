// The Kafka path end to end on librdkafka's mock cluster: events produced by the sensor's
// KafkaTransport are read back by KafkaSource as a consumer-group member, decoded and compared
// with what was produced; topics, keys and partitions are checked with a plain consumer; two
// members of one group share the partitions and together see everything.
#include <google/protobuf/util/message_differencer.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sensor/config.h"
#include "sensor/event_outputs.h"
#include "sensor/output/kafka_transport.h"
#include "tests/sensor/kafka_events.h"
#include "tests/sensor/sample_transaction.h"
#include "tools/collector/kafka_source.h"

using namespace mirador;
using namespace mirador::test;
using namespace std::chrono_literals;
using collector::KafkaSource;
using collector::KafkaSourceConfig;
using google::protobuf::util::MessageDifferencer;

namespace {

struct Produced {
  std::vector<v1::Event> events;
  std::vector<std::string> bytes;
};

// Sends every event through the transport and waits for all of them to be acknowledged.
void produce_all(KafkaTransport& t, const Produced& p) {
  t.connect();
  std::vector<OutgoingEvent> batch;
  for (size_t i = 0; i < p.events.size(); i += 7) {
    batch.clear();
    for (size_t j = i; j < std::min(p.events.size(), i + 7); ++j)
      batch.push_back({p.events[j].sequence(), p.bytes[j], j % 2 ? &p.events[j] : nullptr});
    REQUIRE(t.send(batch));
  }
  INFO(t.last_error());
  REQUIRE(poll_until_acked(t, p.events.back().sequence(), 10s));
}

Produced make_events(const std::string& sensor, int http_events, int connections) {
  Produced p;
  uint64_t seq = 0;
  for (int i = 0; i < http_events; ++i)
    p.events.push_back(
        http_event(sensor, ++seq, i % connections, 1 + static_cast<uint32_t>(i / connections)));
  p.events.push_back(finding_event(sensor, ++seq, 2));
  p.events.push_back(endpoint_event(sensor, ++seq));
  p.events.push_back(stats_event(sensor, ++seq));
  for (const auto& e : p.events) p.bytes.push_back(e.SerializeAsString());
  return p;
}

// run() on a thread; stop() if it has not returned within `limit` (so no test can hang). What
// run() threw goes to `error`.
bool run_bounded(KafkaSource& src, std::chrono::seconds limit, std::string* error = nullptr) {
  auto done = std::async(std::launch::async, [&] { src.run(); });
  const bool in_time = done.wait_for(limit) == std::future_status::ready;
  if (!in_time) src.stop();
  try {
    done.get();
  } catch (const std::exception& e) {
    if (!error) throw;
    *error = e.what();
  }
  return in_time;
}

// What a plain consumer (assigned every partition, no group) finds in one topic.
struct Record {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
};

std::vector<Record> read_topics(const std::string& brokers, const std::vector<std::string>& topics,
                                int partitions, size_t want) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err) ==
          RD_KAFKA_CONF_OK);
  REQUIRE(rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err, sizeof err) == RD_KAFKA_CONF_OK);
  // assign() wants a group id, though nothing joins or commits.
  REQUIRE(rd_kafka_conf_set(conf, "group.id", "plain-reader", err, sizeof err) == RD_KAFKA_CONF_OK);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  REQUIRE(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (const std::string& topic : topics) {
    for (int p = 0; p < partitions; ++p)
      rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
  }
  REQUIRE(rd_kafka_assign(rk, parts) == 0);
  rd_kafka_topic_partition_list_destroy(parts);
  std::vector<Record> out;
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (out.size() < want && std::chrono::steady_clock::now() < end) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (!m) continue;
    if (!m->err) {
      out.push_back({rd_kafka_topic_name(m->rkt), m->partition, m->offset,
                     std::string(static_cast<const char*>(m->key), m->key_len),
                     std::string(static_cast<const char*>(m->payload), m->len)});
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

// The group's committed offsets, summed over the partitions (0 when nothing is committed).
int64_t committed_total(const std::string& brokers, const std::string& group,
                        const std::string& topic, int partitions) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err) ==
          RD_KAFKA_CONF_OK);
  REQUIRE(rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  REQUIRE(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(parts, topic.c_str(), p);
  const rd_kafka_resp_err_t cerr = rd_kafka_committed(rk, parts, 5000);
  int64_t total = 0;
  for (int i = 0; i < parts->cnt; ++i) total += std::max<int64_t>(0, parts->elems[i].offset);
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_destroy(rk);
  REQUIRE(cerr == RD_KAFKA_RESP_ERR_NO_ERROR);
  return total;
}

}  // namespace

TEST_CASE("Kafka: events produced by KafkaTransport come back through KafkaSource, equal") {
  KafkaConfig kcfg = mock_config("rt");
  kcfg.topic_http = "rt.transactions";  // topic names are configurable
  KafkaTransport t(kcfg);
  const int partitions = 4;
  create_topics(t, kcfg, partitions);
  const std::string brokers = rd_kafka_mock_cluster_bootstraps(mock_of(t));

  const int connections = 6;
  const Produced p = make_events("sensor-a", 48, connections);
  produce_all(t, p);

  std::vector<std::string> got;
  KafkaSourceConfig scfg;
  scfg.brokers = brokers;
  scfg.group = "rt-collectors";
  scfg.topics = {kcfg.topic_http, kcfg.topic_finding, kcfg.topic_endpoint, kcfg.topic_stats};
  scfg.extra = fast_consumer_settings();
  scfg.batch_events = 10;
  scfg.max_idle = 1000ms;
  KafkaSource src(scfg, [&](std::span<const std::string> batch) {
    got.insert(got.end(), batch.begin(), batch.end());
  });
  REQUIRE(run_bounded(src, 20s));

  // Every event consumed equals one produced, each exactly once (nothing broke on the way).
  REQUIRE(got.size() == p.events.size());
  std::map<uint64_t, size_t> by_seq;
  for (size_t i = 0; i < p.events.size(); ++i) by_seq[p.events[i].sequence()] = i;
  std::set<uint64_t> seen;
  std::map<std::string, uint64_t> last_seq_of_conn;
  for (const std::string& bytes : got) {
    v1::Event e;
    REQUIRE(e.ParseFromString(bytes));
    REQUIRE(by_seq.count(e.sequence()) == 1);
    const size_t i = by_seq[e.sequence()];
    CHECK(MessageDifferencer::Equals(e, p.events[i]));
    CHECK(bytes == p.bytes[i]);
    CHECK(seen.insert(e.sequence()).second);
    if (e.has_http()) {  // one connection's transactions arrive in order
      uint64_t& last = last_seq_of_conn[e.http().flow().community_id()];
      CHECK(e.sequence() > last);
      last = e.sequence();
    }
  }
  CHECK(last_seq_of_conn.size() == static_cast<size_t>(connections));
  const auto c = src.counters();
  CHECK(c.messages == p.events.size());
  CHECK(c.commits >= 1);
  CHECK(c.rebalances >= 1);
  CHECK(c.partitions == 0);  // left the group
  // Everything accepted was committed (offsets start at 0: the sum of the next offsets is the
  // number of events).
  int64_t committed = 0;
  for (const std::string& topic : scfg.topics)
    committed += committed_total(brokers, scfg.group, topic, partitions);
  CHECK(committed == static_cast<int64_t>(p.events.size()));

  // Where each event went: topic per kind, key = Community ID (else the sensor id), one
  // partition per connection, in sequence order within it.
  const std::vector<Record> recs = read_topics(brokers, scfg.topics, partitions, p.events.size());
  REQUIRE(recs.size() == p.events.size());
  std::map<std::string, int32_t> partition_of_key;
  for (const Record& r : recs) {
    v1::Event e;
    REQUIRE(e.ParseFromString(r.value));
    std::string topic, key;
    switch (e.kind_case()) {
      case v1::Event::kHttp:
        topic = kcfg.topic_http;
        key = e.http().flow().community_id();
        break;
      case v1::Event::kFinding:
        topic = kcfg.topic_finding;
        key = e.finding().flow().community_id();
        break;
      case v1::Event::kEndpoint:
        topic = kcfg.topic_endpoint;
        key = "sensor-a";
        break;
      default:
        topic = kcfg.topic_stats;
        key = "sensor-a";
    }
    CHECK(r.topic == topic);
    CHECK(r.key == key);
    if (r.topic == kcfg.topic_http)
      CHECK(partition_of_key.emplace(r.key, r.partition).first->second == r.partition);
  }
  // Within each partition, offsets follow sequences.
  for (const std::string& topic : scfg.topics) {
    std::map<int32_t, std::vector<std::pair<int64_t, uint64_t>>> per_part;
    for (const Record& r : recs) {
      if (r.topic != topic) continue;
      v1::Event e;
      REQUIRE(e.ParseFromString(r.value));
      per_part[r.partition].push_back({r.offset, e.sequence()});
    }
    for (auto& [part, v] : per_part) {
      std::sort(v.begin(), v.end());
      for (size_t i = 1; i < v.size(); ++i) CHECK(v[i].second > v[i - 1].second);
    }
  }
  CHECK(partition_of_key.size() == static_cast<size_t>(connections));
}

TEST_CASE("Kafka: two KafkaSource members of one group share the partitions") {
  KafkaConfig kcfg = mock_config("grp");
  KafkaTransport t(kcfg);
  const int partitions = 6;
  create_topics(t, kcfg, partitions);
  const std::string brokers = rd_kafka_mock_cluster_bootstraps(mock_of(t));

  std::mutex mu;
  std::set<uint64_t> seen[2];
  int undecodable = 0;  // Catch2 assertions are for the test's thread only
  KafkaSourceConfig scfg;
  scfg.brokers = brokers;
  scfg.group = "grp-collectors";
  scfg.topics = {kcfg.topic_http, kcfg.topic_stats};
  scfg.extra = fast_consumer_settings();
  auto accept_into = [&](int member) {
    return [&, member](std::span<const std::string> batch) {
      std::lock_guard lock(mu);
      for (const auto& b : batch) {
        v1::Event e;
        if (e.ParseFromString(b)) {
          seen[member].insert(e.sequence());
        } else {
          ++undecodable;
        }
      }
    };
  };
  KafkaSource a(scfg, accept_into(0));
  KafkaSource b(scfg, accept_into(1));
  auto run_a = std::async(std::launch::async, [&] { a.run(); });
  auto run_b = std::async(std::launch::async, [&] { b.run(); });
  // Make sure both threads are stopped whatever happens below.
  struct Stopper {
    KafkaSource &a, &b;
    ~Stopper() {
      a.stop();
      b.stop();
    }
  } stopper{a, b};

  // Both members joined and the group's 12 partitions (2 topics x 6) are split between them.
  const auto joined_by = std::chrono::steady_clock::now() + 15s;
  while (!(a.counters().partitions > 0 && b.counters().partitions > 0 &&
           a.counters().partitions + b.counters().partitions == 2u * partitions)) {
    REQUIRE(std::chrono::steady_clock::now() < joined_by);
    std::this_thread::sleep_for(20ms);
  }

  Produced p;
  for (int i = 0; i < 60; ++i)
    p.events.push_back(http_event("sensor-b", 1 + static_cast<uint64_t>(i), i % 12, 1 + i / 12));
  p.events.push_back(stats_event("sensor-b", 61));
  for (const auto& e : p.events) p.bytes.push_back(e.SerializeAsString());
  produce_all(t, p);

  const auto read_by = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    {
      std::lock_guard lock(mu);
      std::set<uint64_t> all = seen[0];
      all.insert(seen[1].begin(), seen[1].end());
      if (all.size() == p.events.size()) break;
    }
    REQUIRE(std::chrono::steady_clock::now() < read_by);
    std::this_thread::sleep_for(20ms);
  }
  a.stop();
  b.stop();
  run_a.get();
  run_b.get();

  CHECK(undecodable == 0);
  CHECK_FALSE(seen[0].empty());
  CHECK_FALSE(seen[1].empty());
  std::set<uint64_t> all = seen[0];
  all.insert(seen[1].begin(), seen[1].end());
  CHECK(all.size() == p.events.size());
  CHECK(*all.begin() == 1);
  CHECK(*all.rbegin() == 61);
  CHECK(a.counters().messages + b.counters().messages >= p.events.size());
}

TEST_CASE("KafkaSource: nothing is committed when accept fails") {
  KafkaConfig kcfg = mock_config("acc");
  KafkaTransport t(kcfg);
  const int partitions = 3;
  create_topics(t, kcfg, partitions);
  const std::string brokers = rd_kafka_mock_cluster_bootstraps(mock_of(t));
  Produced p;
  for (int i = 0; i < 30; ++i)
    p.events.push_back(http_event("sensor-c", 1 + static_cast<uint64_t>(i), i % 5, 1 + i / 5));
  for (const auto& e : p.events) p.bytes.push_back(e.SerializeAsString());
  produce_all(t, p);

  KafkaSourceConfig scfg;
  scfg.brokers = brokers;
  scfg.group = "acc-collectors";
  scfg.topics = {kcfg.topic_http};
  scfg.extra = fast_consumer_settings();
  scfg.max_idle = 1000ms;

  // The store fails on the first batch: run() reports it and leaves the group.
  {
    int calls = 0;
    KafkaSource failing(scfg, [&](std::span<const std::string>) {
      ++calls;
      throw std::runtime_error("disk full");
    });
    std::string error;
    REQUIRE(run_bounded(failing, 20s, &error));
    CHECK(error == "disk full");
    CHECK(calls == 1);
    CHECK(failing.counters().commits == 0);
  }
  // Nothing committed: the next owner of these partitions reads them all again.
  CHECK(committed_total(brokers, scfg.group, kcfg.topic_http, partitions) == 0);
}

TEST_CASE("KafkaSource: a bad configuration is a clear error") {
  KafkaSourceConfig cfg;
  auto accept = [](std::span<const std::string>) {};
  CHECK_THROWS_WITH(KafkaSource(cfg, accept), Catch::Contains("no brokers"));
  cfg.brokers = "127.0.0.1:9";
  cfg.extra = {"no.such.setting=1"};
  CHECK_THROWS_WITH(KafkaSource(cfg, accept), Catch::Contains("no.such.setting"));
  cfg.extra = {};
  CHECK_THROWS_WITH(KafkaSource(cfg, nullptr), Catch::Contains("accept"));
}

TEST_CASE("output.kafka_*: the sensor's event path produces to Kafka; a collector reads it back") {
  // A mock cluster standing alone (its own handle), reached by the sensor as any cluster would
  // be: through output.kafka_brokers.
  char err[512];
  rd_kafka_conf_t* hconf = rd_kafka_conf_new();
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, hconf, err, sizeof err);
  REQUIRE(host);
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(host, 1);
  REQUIRE(mc);
  const std::string brokers = rd_kafka_mock_cluster_bootstraps(mc);
  REQUIRE(rd_kafka_mock_topic_create(mc, "cfg.http", 2, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);

  char dir_template[] = "/tmp/mirador-kafka-outputs.XXXXXX";
  REQUIRE(mkdtemp(dir_template));
  const std::string spool = dir_template;

  SensorConfig cfg;
  cfg.json_output = "";
  apply_config_override(cfg, "output.kafka_brokers=" + brokers);
  apply_config_override(cfg, "output.kafka_topic_http=cfg.http");
  apply_config_override(cfg, "output.kafka_config=linger.ms=1");
  apply_config_override(cfg, "output.spool_dir=" + spool);
  apply_config_override(cfg, "output.remote_drain_timeout=10s");
  REQUIRE(cfg.kafka.brokers == brokers);
  REQUIRE(cfg.kafka.extra == std::vector<std::string>{"linger.ms=1"});

  test::SampleTransaction x;
  HttpTransaction& t = x.t;
  FlowContext& ctx = x.ctx;
  const int n = 120;
  // The worker computes the Community ID; here each of five connections gets its own.
  const std::vector<std::string> ids = {"1:aaaa", "1:bbbb", "1:cccc", "1:dddd", "1:eeee"};
  {
    EventOutputs out(cfg, true);
    REQUIRE(out.sink_count() == 1);
    for (int i = 0; i < n; ++i) {
      ctx.client_port = static_cast<uint16_t>(40000 + i % 5);  // five connections
      ctx.community_id = ids[i % 5];
      out.write(ctx, t);
    }
    out.close();  // drains: every event acknowledged by the cluster
    const OutputCounters oc = out.counters();
    REQUIRE(oc.remotes.size() == 1);
    CHECK(oc.remotes[0].name == "kafka");
    CHECK(oc.remotes[0].c.acked == static_cast<uint64_t>(n));
    CHECK(oc.remotes[0].c.spooled == 0);
  }

  std::vector<std::string> got;
  KafkaSourceConfig scfg;
  scfg.brokers = brokers;
  scfg.group = "cfg-collectors";
  scfg.topics = {"cfg.http"};
  scfg.extra = fast_consumer_settings();
  scfg.max_idle = 1000ms;
  KafkaSource src(scfg, [&](std::span<const std::string> batch) {
    got.insert(got.end(), batch.begin(), batch.end());
  });
  REQUIRE(run_bounded(src, 20s));
  std::set<uint64_t> seqs;
  std::set<std::string> conns;
  for (const std::string& bytes : got) {
    v1::Event e;
    REQUIRE(e.ParseFromString(bytes));
    REQUIRE(e.has_http());
    CHECK(e.http().method() == "GET");
    CHECK(e.http().status() == 200);
    seqs.insert(e.sequence());
    conns.insert(e.http().flow().community_id());
  }
  CHECK(got.size() == static_cast<size_t>(n));
  CHECK(seqs.size() == static_cast<size_t>(n));
  CHECK(*seqs.begin() == 1);
  CHECK(*seqs.rbegin() == static_cast<uint64_t>(n));
  CHECK(conns.size() == 5);

  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(host);
  std::filesystem::remove_all(spool);
}

// KafkaTransport against librdkafka's mock cluster: acked() is the contiguous prefix of delivery
// reports that arrive out of order, a delivery failure breaks the connection and a new connection
// delivers again; AckLedger's arithmetic on its own. (The round trip through a consumer group is
// in tests/tools/collector/kafka_source_test.cc.)
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "sensor/output/ack_ledger.h"
#include "sensor/output/kafka_transport.h"
#include "tests/sensor/kafka_events.h"

using namespace mirador;
using namespace mirador::test;
using namespace std::chrono_literals;
using State = RemoteTransport::State;

namespace {

struct Encoded {
  std::vector<v1::Event> events;
  std::vector<std::string> bytes;
};

Encoded encode(std::vector<v1::Event> events) {
  Encoded out;
  out.events = std::move(events);
  for (const auto& e : out.events) out.bytes.push_back(e.SerializeAsString());
  return out;
}

// Sends events [from, to) in batches; half of the batches without the parsed message (as the
// spool replays them).
void send_range(KafkaTransport& t, const Encoded& enc, size_t from, size_t to, size_t batch = 8) {
  std::vector<OutgoingEvent> out;
  for (size_t i = from; i < to; i += batch) {
    out.clear();
    for (size_t j = i; j < std::min(to, i + batch); ++j) {
      const bool parsed = (j / batch) % 2 == 0;
      out.push_back({enc.events[j].sequence(), enc.bytes[j], parsed ? &enc.events[j] : nullptr});
    }
    REQUIRE(t.send(out));
  }
}

}  // namespace

TEST_CASE("AckLedger: acked() is the contiguous prefix of out-of-order completions") {
  AckLedger l;
  std::vector<uint64_t> tickets;
  // Sequences with gaps, as after queue drops: 1 2 3 5 8 9 10.
  for (uint64_t s : {1, 2, 3, 5, 8, 9, 10}) tickets.push_back(l.add(s));
  CHECK(l.acked() == 0);
  CHECK(l.complete(tickets[1]));        // 2
  CHECK(l.complete(tickets[4]));        // 8
  CHECK(l.acked() == 0);                // 1 not reported
  CHECK_FALSE(l.complete(tickets[1]));  // twice: refused
  CHECK(l.complete(tickets[0]));        // 1 → prefix 1, 2
  CHECK(l.acked() == 2);
  CHECK(l.complete(tickets[3]));  // 5
  CHECK(l.acked() == 2);          // 3 missing
  CHECK(l.complete(tickets[2]));  // 3 → 1 2 3 5 8
  CHECK(l.acked() == 8);
  CHECK(l.size() == 2);
  CHECK(l.pending() == 2);
  CHECK(l.waiting(tickets[5]));
  CHECK_FALSE(l.waiting(tickets[4]));

  // A new connection: the old tickets are stale, even though the same sequences are sent again.
  l.reset();
  CHECK(l.acked() == 0);
  const uint64_t t9 = l.add(9);
  CHECK_FALSE(l.waiting(tickets[5]));
  CHECK_FALSE(l.complete(tickets[5]));
  CHECK_FALSE(l.complete(tickets[6]));
  CHECK(l.acked() == 0);
  CHECK(l.complete(t9));
  CHECK(l.acked() == 9);
}

TEST_CASE("AckLedger: random completion orders never pass an incomplete sequence") {
  std::mt19937 rng(7);
  AckLedger l;
  for (int round = 0; round < 20; ++round) {
    l.reset();
    const size_t n = 3000;  // more than the initial ring: it grows while wrapped
    std::vector<uint64_t> seqs, tickets;
    uint64_t s = 0;
    for (size_t i = 0; i < n; ++i) {
      s += 1 + rng() % 3;
      seqs.push_back(s);
      tickets.push_back(l.add(s));
    }
    std::vector<size_t> order(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<bool> done(n);
    size_t prefix = 0;
    for (size_t k : order) {
      REQUIRE(l.complete(tickets[k]));
      done[k] = true;
      while (prefix < n && done[prefix]) ++prefix;
      REQUIRE(l.acked() == (prefix == 0 ? 0 : seqs[prefix - 1]));
    }
    REQUIRE(l.size() == 0);
  }
}

TEST_CASE("KafkaTransport: acked() never passes an unreported sequence across partitions") {
  KafkaConfig cfg = mock_config("ooo");
  KafkaTransport t(cfg);
  rd_kafka_mock_cluster_t* mc = mock_of(t);
  // Two partitions: partition 0 led by a slow broker, partition 1 by a fast one.
  REQUIRE(rd_kafka_mock_topic_create(mc, cfg.topic_http.c_str(), 2, 3) == 0);
  REQUIRE(rd_kafka_mock_partition_set_leader(mc, cfg.topic_http.c_str(), 0, 1) == 0);
  REQUIRE(rd_kafka_mock_partition_set_leader(mc, cfg.topic_http.c_str(), 1, 2) == 0);
  // Which partition each connection's key goes to, by librdkafka's default partitioner.
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(static_cast<rd_kafka_t*>(t.native_handle()),
                                             cfg.topic_http.c_str(), nullptr);
  auto partition_of = [&](int conn) {
    const std::string key = community_id(conn);
    return rd_kafka_msg_partitioner_consistent_random(rkt, key.data(), key.size(), 2, nullptr,
                                                      nullptr);
  };

  // 40 events, sequences with gaps (1, 3, 5, ...), keys over 8 connections.
  std::vector<v1::Event> evs;
  for (int i = 0; i < 40; ++i)
    evs.push_back(http_event("s1", 1 + 2 * static_cast<uint64_t>(i), i % 8, 1 + i / 8));
  const Encoded enc = encode(std::move(evs));
  size_t first_slow = enc.events.size();
  int fast = 0;
  for (size_t i = 0; i < enc.events.size(); ++i) {
    if (partition_of(static_cast<int>(i % 8)) == 0) {
      first_slow = std::min(first_slow, i);
    } else {
      ++fast;
    }
  }
  rd_kafka_topic_destroy(rkt);
  REQUIRE(first_slow < enc.events.size());  // both partitions are used
  REQUIRE(fast > 0);

  t.connect();
  REQUIRE(t.poll(0ms) == State::ready);
  // Warm up: metadata and connections first, so the delay below hits only the produce.
  REQUIRE(rd_kafka_mock_broker_set_rtt(mc, 1, 600) == 0);
  send_range(t, enc, 0, enc.events.size());

  const auto end = std::chrono::steady_clock::now() + 10s;
  uint64_t last_acked = 0;
  bool held_back = false;  // saw every fast report while the slow ones were outstanding
  while (t.acked() < enc.events.back().sequence()) {
    REQUIRE(std::chrono::steady_clock::now() < end);
    REQUIRE(t.poll(5ms) == State::ready);
    const uint64_t a = t.acked();
    REQUIRE(a >= last_acked);  // never goes back
    last_acked = a;
    // Every sequence up to acked() has its report: at most `delivered` of them.
    size_t covered = 0;
    while (covered < enc.events.size() && enc.events[covered].sequence() <= a) ++covered;
    REQUIRE(covered <= t.kafka_counters().delivered);
    if (a > 0) REQUIRE(enc.events[covered - 1].sequence() == a);  // a sequence that was sent
    if (t.kafka_counters().delivered == static_cast<uint64_t>(fast) &&
        a < enc.events.back().sequence()) {
      // All fast reports are in, the slow partition's are not: acked() stops before the first
      // event of the slow partition.
      REQUIRE(a == (first_slow == 0 ? 0 : enc.events[first_slow - 1].sequence()));
      held_back = true;
    }
  }
  CHECK(held_back);
  CHECK(t.kafka_counters().delivered == enc.events.size());
  CHECK(t.counters().events_sent == enc.events.size());
  t.close(1s);
}

TEST_CASE("KafkaTransport: a failed delivery breaks the connection; a new one delivers") {
  KafkaConfig cfg = mock_config("down");
  cfg.message_timeout = 1000ms;
  // Brokers that come back are found again within 100 ms (librdkafka's default backs off to 10 s).
  cfg.extra.push_back("reconnect.backoff.max.ms=100");
  KafkaTransport t(cfg);
  rd_kafka_mock_cluster_t* mc = mock_of(t);
  create_topics(t, cfg, 3);

  std::vector<v1::Event> evs;
  for (int i = 0; i < 20; ++i)
    evs.push_back(http_event("s1", 1 + static_cast<uint64_t>(i), i % 4, 1));
  evs.push_back(stats_event("s1", 21));
  const Encoded enc = encode(std::move(evs));

  t.connect();
  send_range(t, enc, 0, 10);
  REQUIRE(poll_until_acked(t, 10, 10s));

  // Every broker down: the next events time out after message.timeout.ms.
  for (int b = 1; b <= 3; ++b) REQUIRE(rd_kafka_mock_broker_set_down(mc, b) == 0);
  send_range(t, enc, 10, enc.events.size());
  State st = State::ready;
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (st != State::broken && std::chrono::steady_clock::now() < end) st = t.poll(20ms);
  REQUIRE(st == State::broken);
  CHECK_FALSE(t.last_error().empty());
  CHECK(t.last_error().find("timed out") != std::string::npos);
  CHECK(t.acked() == 10);  // none of the failed events
  CHECK_FALSE(t.can_send());
  CHECK_FALSE(t.send(std::vector<OutgoingEvent>{{11, enc.bytes[10], nullptr}}));
  CHECK(t.counters().breaks == 1);
  CHECK(t.kafka_counters().delivery_failures >= 1);
  // broken stays until connect()
  CHECK(t.poll(10ms) == State::broken);
  INFO(t.last_error());

  // The brokers come back; the sink connects again and re-sends everything unacknowledged.
  for (int b = 1; b <= 3; ++b) REQUIRE(rd_kafka_mock_broker_set_up(mc, b) == 0);
  t.connect();
  CHECK(t.acked() == 0);
  CHECK(t.last_error().empty());
  REQUIRE(t.poll(0ms) == State::ready);
  send_range(t, enc, 10, enc.events.size());
  const bool delivered = poll_until_acked(t, enc.events.back().sequence(), 15s);
  INFO("after the reconnect: " << t.last_error() << ", acked " << t.acked());
  REQUIRE(delivered);
  CHECK(t.counters().connects == 2);
  CHECK(t.counters().breaks == 1);
  t.close(1s);
}

TEST_CASE("KafkaTransport: after a fatal producer error, connect() starts a new producer") {
  KafkaConfig cfg = mock_config("fatal");
  KafkaTransport t(cfg);
  create_topics(t, cfg, 2);
  t.connect();
  const v1::Event e1 = http_event("s1", 1, 0, 1), e2 = http_event("s1", 2, 1, 1);
  const std::string b1 = e1.SerializeAsString(), b2 = e2.SerializeAsString();
  REQUIRE(t.send(std::vector<OutgoingEvent>{{1, b1, &e1}}));
  REQUIRE(poll_until_acked(t, 1, 10s));

  // What the idempotent producer does when the broker says its sequence is out of order.
  REQUIRE(rd_kafka_test_fatal_error(static_cast<rd_kafka_t*>(t.native_handle()),
                                    RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                                    "test") == RD_KAFKA_RESP_ERR_NO_ERROR);
  State st = State::ready;
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (st != State::broken && std::chrono::steady_clock::now() < end) st = t.poll(10ms);
  REQUIRE(st == State::broken);
  CHECK(t.last_error().find("fatal") != std::string::npos);

  // The new producer brings its own mock cluster (test.mock.num.brokers); the topics are
  // created on first use there.
  t.connect();
  REQUIRE(t.poll(0ms) == State::ready);
  CHECK(t.kafka_counters().producers_created == 2);
  REQUIRE(t.send(std::vector<OutgoingEvent>{{2, b2, nullptr}}));
  INFO(t.last_error());
  REQUIRE(poll_until_acked(t, 2, 10s));
}

TEST_CASE("KafkaTransport: undeliverable events are counted and skipped, not retried forever") {
  KafkaConfig cfg = mock_config("skip");
  cfg.extra.push_back("message.max.bytes=2000");
  KafkaTransport t(cfg);
  create_topics(t, cfg, 1);
  t.connect();

  v1::Event big = http_event("s1", 2, 0, 1);
  big.mutable_http()->set_uri(std::string(4000, 'a'));
  v1::Event empty;  // no payload
  empty.set_sensor_id("s1");
  empty.set_sequence(3);
  const v1::Event ok = http_event("s1", 4, 0, 2);
  const std::string garbage = "\xff\xff\xff\xff not protobuf";
  const std::string big_bytes = big.SerializeAsString(), empty_bytes = empty.SerializeAsString(),
                    ok_bytes = ok.SerializeAsString();
  const std::vector<OutgoingEvent> batch = {
      {1, garbage, nullptr}, {2, big_bytes, &big}, {3, empty_bytes, nullptr}, {4, ok_bytes, &ok}};
  REQUIRE(t.send(batch));
  REQUIRE(poll_until_acked(t, 4, 10s));
  CHECK(t.kafka_counters().skipped_unparsable == 2);
  CHECK(t.kafka_counters().skipped_too_large == 1);
  CHECK(t.kafka_counters().delivered == 1);
  CHECK(t.counters().breaks == 0);
}

TEST_CASE("KafkaTransport: a bad configuration is a clear error") {
  KafkaConfig cfg;
  CHECK_THROWS_WITH(KafkaTransport(cfg), Catch::Contains("no brokers"));
  cfg.brokers = "127.0.0.1:9";
  cfg.extra = {"no.such.setting=1"};
  CHECK_THROWS_WITH(KafkaTransport(cfg), Catch::Contains("no.such.setting"));
  cfg.extra = {"acks"};
  CHECK_THROWS_WITH(KafkaTransport(cfg), Catch::Contains("key=value"));
}

TEST_CASE("KafkaTransport: events per second to the mock cluster", "[.bench]") {
  const size_t n = 400000;
  std::vector<v1::Event> evs;
  for (size_t i = 0; i < 1000; ++i)
    evs.push_back(
        http_event("bench", 1 + i, static_cast<int>(i % 64), 1 + static_cast<uint32_t>(i / 64)));
  const Encoded enc = encode(std::move(evs));
  size_t bytes = 0;
  for (const auto& b : enc.bytes) bytes += b.size();

  // Live events (parsed message given) and spool replays (bytes only: parsed for key and topic).
  for (const bool parsed : {true, false}) {
    KafkaConfig cfg = mock_config(parsed ? "bench_live" : "bench_replay");
    cfg.extra.push_back("linger.ms=5");
    KafkaTransport t(cfg);
    create_topics(t, cfg, 6);
    t.connect();
    std::vector<OutgoingEvent> batch;
    const auto start = std::chrono::steady_clock::now();
    uint64_t seq = 0;
    while (seq < n) {
      if (!t.can_send()) {
        REQUIRE(t.poll(1ms) == State::ready);
        continue;
      }
      batch.clear();
      for (size_t k = 0; k < 256 && seq < n; ++k, ++seq)
        batch.push_back(
            {seq + 1, enc.bytes[seq % 1000], parsed ? &enc.events[seq % 1000] : nullptr});
      REQUIRE(t.send(batch));
      t.poll(0ms);
    }
    REQUIRE(poll_until_acked(t, n, 60s));
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf(
        "KafkaTransport -> mock cluster (3 brokers, 6 partitions, acks=all, idempotent), %s: "
        "%zu events of ~%zu B in %.2f s = %.0f events/s, %.1f MB/s\n",
        parsed ? "parsed events" : "bytes only (replay)", n, bytes / 1000, s, n / s,
        n * (bytes / 1000.0) / s / 1e6);
  }
}

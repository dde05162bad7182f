// EventStore: JSON lines byte for byte as the sensor writes them, duplicates dropped, restart
// recovery (state file, current file scan, torn last line), rotation, write failures, CEF to
// syslog. Also the (sensor_id, sequence) extraction the recovery relies on.
#include "tools/collector/event_store.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <set>

#include "collector_test_util.h"
#include "sensor/output/json_writer.h"
#include "tools/collector/event_json_id.h"

using namespace mirador;
using namespace mirador::collector;
using test::TempDir;

namespace {

std::vector<std::string> batch(const std::string& sensor, uint64_t from, uint64_t to) {
  std::vector<std::string> b;
  for (uint64_t s = from; s <= to; ++s) b.push_back(test::http_bytes(sensor, s));
  return b;
}

EventStoreConfig config(const TempDir& d) {
  EventStoreConfig c;
  c.json_path = d.file("events.jsonl");
  return c;
}

// Runs `body` in a child that ends with _exit: no destructor, no close() — a killed collector.
void crash_after(const std::function<void()>& body) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    body();
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
}

}  // namespace

TEST_CASE("event id extraction: both writers, any member order, escapes") {
  std::string id;
  uint64_t seq = 0;
  REQUIRE(extract_event_id(R"({"sensor_id":"s1","sequence":7,"time":"x","http":{}})", id, seq));
  CHECK(id == "s1");
  CHECK(seq == 7);
  REQUIRE(extract_event_id(
      R"({"sequence":"18446744073709551615", "sensor_id":"a\"b\\c\u00e9\ud83d\ude00"})", id, seq));
  CHECK(id == "a\"b\\c\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(seq == UINT64_MAX);
  REQUIRE(extract_event_id(
      R"({"time":"t","finding":{"id":"x","locations":["a}","b]"]},"sensor_id":"s","sequence":3})",
      id, seq));
  CHECK(seq == 3);
  for (const char* bad :
       {"", "{}", "[1]", R"({"sensor_id":"s"})", R"({"sequence":1})",
        R"({"sensor_id":"s","sequence":-1})", R"({"sensor_id":"s","sequence":1.5})",
        R"({"sensor_id":"s","sequence":18446744073709551616})",
        R"({"sensor_id":"s","sequence":"12x"})", R"({"sensor_id":"s)",
        R"({"sensor_id":"\ud800","sequence":1})"}) {
    INFO(bad);
    CHECK_FALSE(extract_event_id(bad, id, seq));
  }
}

TEST_CASE("event id extraction agrees with protobuf's JSON parser on both writers' lines") {
  for (uint64_t s : {1ull, 42ull, 1ull << 40}) {
    auto e = test::http_event("sensor \"q\" \\ \xc3\xa9", s);
    std::string line;
    append_event_json(e, line);
    std::string printed;
    google::protobuf::util::JsonPrintOptions o;
    o.preserve_proto_field_names = true;
    REQUIRE(google::protobuf::util::MessageToJsonString(test::finding_event(e.sensor_id(), s),
                                                        &printed, o)
                .ok());
    for (const std::string& l : {line, printed}) {
      v1::Event parsed;
      const auto st = google::protobuf::util::JsonStringToMessage(l, &parsed);
      INFO(l << " -> " << st.ToString());
      REQUIRE(st.ok());
      std::string id;
      uint64_t seq = 0;
      REQUIRE(extract_event_id(l, id, seq));
      CHECK(id == parsed.sensor_id());
      CHECK(seq == parsed.sequence());
    }
  }
}

TEST_CASE("store: JSON lines byte for byte as the sensor writes them; duplicates once") {
  TempDir d;
  EventStore store(config(d));
  auto r = store.accept(batch("s1", 1, 5));
  CHECK(r.written == 5);
  CHECK(r.highest_seq == 5);
  r = store.accept(batch("s1", 3, 8));
  CHECK(r.written == 3);
  CHECK(r.duplicates == 3);
  CHECK(r.highest_seq == 8);
  r = store.accept(std::vector<std::string>{"\xff\xff garbage", test::http_bytes("", 9)});
  CHECK(r.invalid == 2);
  CHECK(r.written == 0);
  // Acknowledged means in the file: read it before close.
  const auto lines = test::read_lines(config(d).json_path);
  REQUIRE(lines.size() == 8);
  for (uint64_t s = 1; s <= 8; ++s) {
    std::string want;
    append_event_json(test::http_event("s1", s), want);
    CHECK(lines[s - 1] == want);
  }
  const auto c = store.counters();
  CHECK(c.batches == 3);
  CHECK(c.events == 13);
  CHECK(c.written == 8);
  CHECK(c.invalid == 2);
  CHECK(c.dedupe.duplicates == 3);
}

TEST_CASE("store: other kinds are written as the sensor writes them and parse back") {
  TempDir d;
  EventStore store(config(d));
  const auto f = test::finding_event("s1", 1);
  CHECK(store.accept_one(f.SerializeAsString()).written == 1);
  const auto lines = test::read_lines(config(d).json_path);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].rfind(R"({"sensor_id":"s1","sequence":1,)", 0) == 0);
  std::string sensor_line;
  append_event_json(f, sensor_line);
  CHECK(lines[0] == sensor_line);
  v1::Event back;
  REQUIRE(google::protobuf::util::JsonStringToMessage(lines[0], &back).ok());
  CHECK(google::protobuf::util::MessageDifferencer::Equals(back, f));
}

TEST_CASE("store: a restart after close drops replays of what was written") {
  TempDir d;
  {
    EventStore store(config(d));
    store.accept(batch("s1", 1, 10));
    store.accept(batch("s2", 1, 3));
  }
  EventStore store(config(d));
  auto r = store.accept(batch("s1", 1, 12));
  CHECK(r.duplicates == 10);
  CHECK(r.written == 2);
  CHECK(store.accept(batch("s2", 2, 4)).written == 1);
  const auto all = test::event_ids(config(d).json_path);
  CHECK(all.size() == 16);
  CHECK(std::set(all.begin(), all.end()).size() == 16);
}

TEST_CASE("store: a killed collector restarts from its file; a torn last line is cut") {
  TempDir d;
  const auto cfg = config(d);
  crash_after([&] {
    EventStore store(cfg);
    store.accept(batch("s1", 1, 6));
  });
  {
    std::ofstream torn(cfg.json_path, std::ios::app);
    torn << R"({"sensor_id":"s1","sequence":7,"time":"2026-)";
  }
  EventStore store(cfg);
  const auto c0 = store.counters();
  CHECK(c0.recovered_events == 6);
  CHECK(c0.torn_bytes_cut > 0);
  CHECK(c0.dedupe.duplicates == 0);  // the scan does not count as traffic
  auto r = store.accept(batch("s1", 1, 8));
  CHECK(r.duplicates == 6);
  CHECK(r.written == 2);  // 7 was torn: never acknowledged, written again
  const auto lines = test::read_lines(cfg.json_path);
  REQUIRE(lines.size() == 8);
  const auto all = test::event_ids(cfg.json_path);
  CHECK(std::set(all.begin(), all.end()).size() == 8);
}

TEST_CASE("store: rotation persists the state; a kill after rotations loses no knowledge") {
  TempDir d;
  auto cfg = config(d);
  cfg.rotation.max_bytes = 2000;  // a few events per file
  crash_after([&] {
    EventStore store(cfg);
    for (uint64_t s = 1; s <= 40; s += 4) store.accept(batch("s1", s, s + 3));
    store.accept(batch("s2", 1, 2));
  });
  size_t files = 0, total = 0;
  std::multiset<std::pair<std::string, uint64_t>> all;
  for (const auto& e : std::filesystem::directory_iterator(d.path)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("events.jsonl", 0) != 0) continue;
    ++files;
    for (const auto& id : test::event_ids(e.path().string())) all.insert(id);
  }
  total = all.size();
  CHECK(files > 3);
  CHECK(total == 42);
  CHECK(std::filesystem::exists(d.file("dedupe")));

  EventStore store(cfg);
  auto r = store.accept(batch("s1", 1, 41));
  CHECK(r.duplicates == 40);
  CHECK(r.written == 1);
  CHECK(store.accept(batch("s2", 1, 2)).duplicates == 2);
}

TEST_CASE("store: a write failure is reported and the batch is written again on replay") {
  TempDir d;
  EventStoreConfig cfg;
  cfg.json_path = "/dev/full";  // every flush fails with ENOSPC
  cfg.state_dir = d.path.string();
  EventStore store(cfg);
  auto r = store.accept(batch("s1", 1, 3));
  CHECK(r.write_failed);
  r = store.accept(batch("s1", 1, 3));
  CHECK(r.write_failed);
  CHECK(r.duplicates == 0);  // forgotten, so tried again
  const auto c = store.counters();
  CHECK(c.failed_batches == 2);
  CHECK(c.write_errors >= 2);
  CHECK(c.written == 0);
}

TEST_CASE("store: findings are forwarded as CEF over syslog; close drains it") {
  TempDir d;
  test::FrameListener l;
  REQUIRE(l.ok());
  auto cfg = config(d);
  cfg.syslog.host = "127.0.0.1";
  cfg.syslog.port = l.port();
  EventStore store(cfg);
  store.accept(std::vector<std::string>{test::http_bytes("s1", 1),
                                        test::finding_event("s1", 2).SerializeAsString(),
                                        test::finding_event("s1", 2).SerializeAsString()});
  store.close();
  auto m = l.next();
  REQUIRE(m);
  CHECK(m->rfind("<163>1 ", 0) == 0);  // local4, "high" -> err (3)
  CHECK(m->find(" mirador-collector ") != std::string::npos);
  CHECK(m->find("CEF:0|Mirador|mirador|0.1.0|sqli.union_select|") != std::string::npos);
  CHECK(m->find("externalId=2") != std::string::npos);
  CHECK_FALSE(l.next(std::chrono::milliseconds(200)));  // the duplicate was not forwarded
  const auto c = store.counters();
  CHECK(c.cef_sent == 1);
  CHECK(c.syslog.sent == 1);
}

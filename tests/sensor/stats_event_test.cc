// Stats events: the counters of the stats line, as a mirador.v1.SensorStats numbered with the
// transactions, in every sink (the JSON-lines form checked here parses back into the message).
#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>
#include <string>

#include "mirador/v1/event.pb.h"
#include "sensor/config.h"
#include "sensor/event_outputs.h"
#include "sensor/output/json_writer.h"
#include "sensor/stats.h"
#include "sensor/worker.h"

using namespace mirador;

namespace {

// Every "name":number pair of one group object in the stats line.
uint64_t line_value(const std::string& line, const std::string& group, const std::string& key) {
  const size_t g = line.find("\"" + group + "\":{");
  REQUIRE(g != std::string::npos);
  const size_t k = line.find("\"" + key + "\":", g);
  REQUIRE(k != std::string::npos);
  return std::stoull(line.substr(k + key.size() + 3));
}

class Collect final : public EventSink {
 public:
  void write(const v1::Event& e, std::string_view) override { events.push_back(e); }
  void flush() override {}
  OutputCounters counters() const override { return {}; }
  std::vector<v1::Event> events;
};

}  // namespace

TEST_CASE("the stats event carries the counters of the stats line") {
  SensorConfig cfg;
  EventFanout none;
  EventOutputs out(cfg, true, std::move(none));
  Worker w(cfg.worker, out);
  const uint8_t junk[3] = {1, 2, 3};
  w.process(1, junk, sizeof junk, sizeof junk, 1);  // one malformed frame: a non-zero counter
  OutputCounters oc;
  oc.records = 7;
  oc.queue_dropped = 2;
  v1::SensorStats s;
  const std::string line = format_stats_json(w, CaptureStats{}, oc, 1.5, true, &s);
  CHECK(s.final());
  CHECK(s.elapsed_s() == 1.5);
  CHECK(s.peak_rss_bytes() > 0);
  REQUIRE(s.groups().count("output") == 1);
  CHECK(s.groups().at("output").counters().at("records") == 7);
  CHECK(s.groups().at("output").counters().at("queue_dropped") == 2);
  CHECK(s.groups().at("capture").counters().at("packets") == 1);
  CHECK(line_value(line, "capture", "packets") == 1);
  REQUIRE(s.groups().count("decode.malformed") == 1);  // a nested group keeps its path
  uint64_t malformed = 0;
  for (const auto& [name, v] : s.groups().at("decode.malformed").counters()) malformed += v;
  CHECK(malformed == 1);
  // Every number of every group is in the line, with the same value.
  for (const auto& [group, g] : s.groups()) {
    if (group.find('.') != std::string::npos) continue;
    for (const auto& [name, v] : g.counters()) CHECK(line_value(line, group, name) == v);
  }
}

TEST_CASE("stats events are numbered with the transactions and written as proto3 JSON") {
  auto rec = std::make_unique<Collect>();
  Collect& r = *rec;
  EventFanout sinks;
  sinks.add(std::move(rec));
  SensorConfig cfg;
  cfg.sensor_id = "stats-test";
  EventOutputs out(cfg, true, std::move(sinks));
  v1::SensorStats s;
  s.set_elapsed_s(2);
  (*(*s.mutable_groups())["output"].mutable_counters())["records"] = 3;
  out.write_stats(s, 1'795'873'875'123'456);
  out.write_stats(s, 1'795'873'876'000'000);
  out.close();
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0].sequence() == 1);
  CHECK(r.events[1].sequence() == 2);
  CHECK(r.events[0].sensor_id() == "stats-test");
  CHECK(r.events[0].time().seconds() == 1'795'873'875);
  CHECK(r.events[0].time().nanos() == 123'456'000);
  REQUIRE(r.events[0].has_stats());
  CHECK(r.events[0].stats().groups().at("output").counters().at("records") == 3);

  std::string json;
  append_event_json(r.events[0], json);
  CHECK(json.rfind("{\"sensor_id\":\"stats-test\",\"sequence\":1,\"time\":\"", 0) == 0);
  v1::Event back;
  google::protobuf::util::JsonParseOptions po;
  REQUIRE(google::protobuf::util::JsonStringToMessage(json, &back, po).ok());
  CHECK(back.SerializeAsString() == r.events[0].SerializeAsString());
}

// The output thread and the JSON-lines rotation: every queued event is delivered once and in
// order at the end of input and on a stop; a full queue drops and counts without making the
// producer wait; the JSON-lines file rotates by size and by time.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "mirador/v1/event.pb.h"
#include "sensor/event_outputs.h"
#include "sensor/output/event_builder.h"
#include "sensor/output/jsonl_sink.h"
#include "tests/sensor/sample_transaction.h"

using namespace mirador;
namespace fs = std::filesystem;

namespace {

// Records sequence numbers; optionally sleeps per event to play a slow disk.
class SlowSink final : public EventSink {
 public:
  explicit SlowSink(std::chrono::microseconds delay = {}) : delay_(delay) {}
  void write(const v1::Event& e, std::string_view encoded) override {
    if (delay_.count()) std::this_thread::sleep_for(delay_);
    v1::Event again;
    if (!again.ParseFromString(std::string(encoded)) || again.sequence() != e.sequence()) ++bad;
    seqs.push_back(e.sequence());
  }
  void flush() override { ++flushes; }
  OutputCounters counters() const override { return {seqs.size(), 0}; }
  std::vector<uint64_t> seqs;
  uint64_t bad = 0, flushes = 0;

 private:
  std::chrono::microseconds delay_;
};

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("mirador_" + name + "_" + std::to_string(getpid())))
      .string();
}

size_t count_lines(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

v1::Event sample_event(uint64_t seq) {
  test::SampleTransaction x;
  EventBuilder b{MaskingConfig{}};
  return b.build({"rot", seq, x.t.request_ts_us}, x.ctx, x.t);
}

}  // namespace

TEST_CASE("the output thread delivers every event once, in order, by the end of close()") {
  for (const bool wait_when_full : {true, false}) {
    EventFanout sinks;
    auto rec = std::make_unique<SlowSink>();
    SlowSink& r = *rec;
    sinks.add(std::move(rec));
    SensorConfig cfg;
    cfg.queue.max_events = 1 << 16;
    EventOutputs out(cfg, wait_when_full, std::move(sinks));
    test::SampleTransaction x;
    for (int i = 0; i < 5000; ++i) out.write(x.ctx, x.t);
    out.close();  // what a SIGTERM or the end of a file does
    REQUIRE(r.seqs.size() == 5000);
    for (size_t i = 0; i < r.seqs.size(); ++i) CHECK(r.seqs[i] == i + 1);
    CHECK(r.bad == 0);
    CHECK(r.flushes >= 1);
    const OutputCounters c = out.counters();
    CHECK(c.records == 5000);
    CHECK(c.written == 5000);
    CHECK(c.queue_pushed == 5000);
    CHECK(c.queue_dropped == 0);
    CHECK(c.queue_high_water_events >= 1);
  }
}

TEST_CASE("a full queue drops and counts events; the producer never waits for a slow sink") {
  EventFanout sinks;
  auto rec = std::make_unique<SlowSink>(std::chrono::milliseconds(2));
  SlowSink& r = *rec;
  sinks.add(std::move(rec));
  SensorConfig cfg;
  cfg.queue.max_events = 4;
  EventOutputs out(cfg, false, std::move(sinks));
  test::SampleTransaction x;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 500; ++i) out.write(x.ctx, x.t);
  const auto spent = std::chrono::steady_clock::now() - t0;
  // Waiting for the sink would take 500 × 2 ms = 1 s.
  CHECK(spent < std::chrono::milliseconds(300));
  out.close();
  const OutputCounters c = out.counters();
  CHECK(c.records == 500);
  CHECK(c.queue_dropped > 0);
  CHECK(c.queue_pushed + c.queue_dropped == 500);
  CHECK(c.written == c.queue_pushed);
  CHECK(c.queue_high_water_events <= 4);
  REQUIRE(r.seqs.size() == c.written);
  for (size_t i = 1; i < r.seqs.size(); ++i) CHECK(r.seqs[i] > r.seqs[i - 1]);  // gaps, no reorder
}

TEST_CASE("the JSON-lines file rotates by size: NAME.<UTC time>, every line kept once") {
  const std::string path = temp_path("rot_size");
  const fs::path dir = fs::path(path).parent_path();
  const std::string base = fs::path(path).filename().string();
  {
    JsonRotation rot;
    rot.max_bytes = 2000;
    JsonLinesSink sink(path, rot);
    for (uint64_t seq = 1; seq <= 100; ++seq) {
      const v1::Event e = sample_event(seq);
      sink.write(e, e.SerializeAsString());
    }
    sink.flush();
    CHECK(sink.counters().rotations > 3);
    CHECK(sink.counters().write_errors == 0);
  }
  size_t lines = count_lines(path), rotated = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(base + ".", 0) != 0) continue;
    ++rotated;
    CHECK(fs::file_size(entry.path()) >= 2000);
    CHECK(fs::file_size(entry.path()) < 2000 + 1000);  // closed at the line that crossed the cap
    CHECK(name.size() >= base.size() + 1 + 16);        // .YYYYmmddTHHMMSSZ
    lines += count_lines(entry.path().string());
    fs::remove(entry.path());
  }
  CHECK(rotated > 3);
  CHECK(lines == 100);
  fs::remove(path);
}

// Regression: the e2e collector_delivery test read the collector's rotated files in name order
// and found them out of sequence order once one second held more than ten rotations
// (NAME.<time>.10 sorted before NAME.<time>.2).
TEST_CASE("rotated JSON-lines files sort by name in the order they were written") {
  const std::string path = temp_path("rot_order");
  const fs::path dir = fs::path(path).parent_path();
  const std::string base = fs::path(path).filename().string();
  constexpr uint64_t kEvents = 40;  // one rotation each: far more than ten within one second
  {
    JsonRotation rot;
    rot.max_bytes = 1;
    JsonLinesSink sink(path, rot);
    for (uint64_t seq = 1; seq <= kEvents; ++seq) {
      const v1::Event e = sample_event(seq);
      sink.write(e, e.SerializeAsString());
    }
    sink.flush();
    CHECK(sink.counters().rotations == kEvents);
    CHECK(sink.counters().write_errors == 0);
  }
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(base + ".", 0) == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());  // what `ls`, a log shipper or the e2e test do
  std::vector<uint64_t> seqs;
  for (const std::string& name : names) {
    std::ifstream in(dir / name);
    for (std::string line; std::getline(in, line);) {
      const auto at = line.find("\"sequence\":");
      REQUIRE(at != std::string::npos);
      seqs.push_back(std::stoull(line.substr(at + 11)));
    }
    fs::remove(dir / name);
  }
  fs::remove(path);
  REQUIRE(seqs.size() == kEvents);
  for (uint64_t i = 0; i < kEvents; ++i) CHECK(seqs[i] == i + 1);
}

TEST_CASE("the JSON-lines file rotates by time, on an idle flush too") {
  const std::string path = temp_path("rot_time");
  const fs::path dir = fs::path(path).parent_path();
  const std::string base = fs::path(path).filename().string();
  JsonRotation rot;
  rot.max_seconds = 0.05;
  {
    JsonLinesSink sink(path, rot);
    const v1::Event e = sample_event(1);
    sink.write(e, e.SerializeAsString());
    sink.flush();
    CHECK(sink.counters().rotations == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    sink.flush();  // no new event: the idle output thread's flush rotates
    CHECK(sink.counters().rotations == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    sink.flush();  // an empty file is not rotated
    CHECK(sink.counters().rotations == 1);
  }
  size_t rotated = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind(base + ".", 0) != 0) continue;
    ++rotated;
    CHECK(count_lines(entry.path().string()) == 1);
    fs::remove(entry.path());
  }
  CHECK(rotated == 1);
  CHECK(count_lines(path) == 0);
  fs::remove(path);
}

TEST_CASE("events of several producers are numbered once, in delivery order, with no gap") {
  EventFanout sinks;
  auto rec = std::make_unique<SlowSink>();
  SlowSink& r = *rec;
  sinks.add(std::move(rec));
  SensorConfig cfg;
  cfg.queue.max_events = 64;
  EventOutputs out(cfg, /*wait_when_full=*/true, std::move(sinks), 3);
  REQUIRE(out.producer_count() == 3);
  std::vector<std::thread> threads;
  for (size_t p = 0; p < 3; ++p) {
    threads.emplace_back([&out, p] {
      test::SampleTransaction x;
      for (int i = 0; i < 2000; ++i) out.producer(p).write(x.ctx, x.t);
    });
  }
  for (auto& t : threads) t.join();
  out.close();
  REQUIRE(r.seqs.size() == 6000);
  for (size_t i = 0; i < r.seqs.size(); ++i) CHECK(r.seqs[i] == i + 1);
  CHECK(r.bad == 0);
  const OutputCounters c = out.counters();
  CHECK(c.records == 6000);
  CHECK(c.queue_pushed == 6000);
}

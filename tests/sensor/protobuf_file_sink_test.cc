// The length-delimited protobuf file: every event of every test capture is read back, in order,
// equal to the message EventBuilder built for it; a truncated file is detected.
#include <fcntl.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "mirador/v1/event.pb.h"
#include "sensor/event_outputs.h"
#include "sensor/output/protobuf_file_sink.h"
#include "sensor/worker.h"
#include "tests/sensor/capture_files.h"

using namespace mirador;
using namespace mirador::test;

namespace {

// Keeps a copy of each event as the output thread delivers it.
class RecordingSink final : public EventSink {
 public:
  void write(const v1::Event& e, std::string_view) override { events.push_back(e); }
  void flush() override {}
  OutputCounters counters() const override { return {events.size(), 0}; }
  std::vector<v1::Event> events;
};

std::vector<v1::Event> read_all(const std::string& path, bool& clean) {
  std::vector<v1::Event> out;
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  {
    google::protobuf::io::FileInputStream in(fd);
    clean = false;
    for (v1::Event e;; e.Clear()) {
      bool eof = false;
      if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&e, &in, &eof)) {
        clean = eof;
        break;
      }
      out.push_back(e);
    }
  }
  ::close(fd);
  return out;
}

}  // namespace

TEST_CASE("the protobuf file holds every event, in order, equal to the built message") {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("mirador_pb_" + std::to_string(getpid())))
          .string();
  std::vector<v1::Event> want;
  {
    // The whole path: producer, queue, output thread, both sinks.
    EventFanout sinks;
    auto rec = std::make_unique<RecordingSink>();
    RecordingSink& r = *rec;
    sinks.add(std::make_unique<ProtobufFileSink>(path));
    sinks.add(std::move(rec));
    SensorConfig cfg;
    cfg.sensor_id = "pb-test";
    EventOutputs fanout(cfg, true, std::move(sinks));
    Worker w(WorkerConfig{}, fanout);
    for (const Capture& c : load_captures()) {
      for (const Packet& p : c.packets) {
        w.process(c.link_type, p.bytes.data(), static_cast<uint32_t>(p.bytes.size()), p.wire_len,
                  p.ts_us);
      }
    }
    w.finish();
    fanout.close();
    CHECK(fanout.counters().write_errors == 0);
    CHECK(fanout.counters().records == r.events.size());
    CHECK(fanout.counters().written == r.events.size());
    want = r.events;
  }  // the sink closes the file
  REQUIRE(want.size() > 100);
  bool clean = false;
  const std::vector<v1::Event> got = read_all(path, clean);
  CHECK(clean);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO(i);
    CHECK(got[i].sequence() == i + 1);
    CHECK(google::protobuf::util::MessageDifferencer::Equals(got[i], want[i]));
  }

  // Cut inside the last event: every whole event still reads, the cut one is reported.
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 3);
  const std::vector<v1::Event> cut = read_all(path, clean);
  CHECK_FALSE(clean);
  CHECK(cut.size() == want.size() - 1);
  std::filesystem::remove(path);
}

TEST_CASE("an unwritable protobuf path is an error that names it") {
  CHECK_THROWS_WITH(ProtobufFileSink("/nonexistent/dir/x.pb"),
                    Catch::Contains("/nonexistent/dir/x.pb"));
}

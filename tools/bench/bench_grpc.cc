// mirador-bench-grpc: events/s from the sensor's gRPC sink (ReliableSink over GrpcTransport, as
// the output thread drives it) to a running mirador-collector on loopback.
//
// The events are real ones: a length-delimited protobuf file the sensor wrote
// (output.protobuf_file), cycled and renumbered until --events have been built in memory before
// the clock starts. The timed part is: write every event into the sink (pumping whenever its
// window is full, as the output thread does) and wait until the collector has acknowledged the
// last one — acknowledged means written and flushed to the collector's JSON file.
// See tools/bench_grpc.sh, which starts the collector and prints this program's figures.
#include <fcntl.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "mirador/v1/event.pb.h"
#include "sensor/output/grpc_transport.h"
#include "sensor/output/reliable_sink.h"

namespace {

std::vector<mirador::v1::Event> read_events(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  google::protobuf::io::FileInputStream in(fd);
  std::vector<mirador::v1::Event> out;
  for (;;) {
    mirador::v1::Event e;
    bool eof = false;
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&e, &in, &eof)) break;
    out.push_back(std::move(e));
  }
  ::close(fd);
  return out;
}

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mirador-bench-grpc: events/s through the gRPC sink to mirador-collector"};
  std::string collector, events_file;
  size_t count = 200000;
  mirador::ReliableSinkConfig rc;
  app.add_option("--collector", collector, "the collector's host:port")->required();
  app.add_option("--events-file", events_file, "length-delimited events (output.protobuf_file)")
      ->required();
  app.add_option("--events", count, "events to send");
  app.add_option("--window", rc.window_events, "output.remote_window_events");
  app.add_option("--batch", rc.batch_events, "output.remote_batch_events");
  CLI11_PARSE(app, argc, argv);

  std::vector<mirador::v1::Event> source = read_events(events_file);
  if (source.empty()) {
    std::fprintf(stderr, "no events in %s\n", events_file.c_str());
    return 1;
  }
  // Built before the clock starts: the benchmark times the sink, not protobuf encoding.
  std::vector<std::string> bytes(count);
  uint64_t total_bytes = 0;
  for (size_t i = 0; i < count; ++i) {
    mirador::v1::Event& e = source[i % source.size()];
    e.set_sensor_id("bench-grpc");
    e.set_sequence(i + 1);
    bytes[i] = e.SerializeAsString();
    total_bytes += bytes[i].size();
  }

  mirador::GrpcConfig gc;
  gc.address = collector;
  rc.spool_dir.clear();  // the window only: a benchmark measures the link, not the disk
  rc.spool_max_bytes = 0;
  rc.drain_timeout = std::chrono::milliseconds(120000);
  mirador::ReliableSink sink(std::make_unique<mirador::GrpcTransport>(gc), rc);

  // Connect before timing.
  const auto connect_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!sink.remote_counters().connected && std::chrono::steady_clock::now() < connect_deadline) {
    sink.pump(std::chrono::milliseconds(10));
  }
  if (!sink.remote_counters().connected) {
    std::fprintf(stderr, "cannot connect to %s\n", collector.c_str());
    return 1;
  }

  mirador::v1::Event parsed;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < count; ++i) {
    while (sink.remote_counters().window_events >= rc.window_events) {
      sink.pump(std::chrono::milliseconds(1));
    }
    parsed.ParseFromString(bytes[i]);  // the output thread hands the sink a parsed event too
    sink.write(parsed, bytes[i]);
  }
  while (sink.remote_counters().acked < count &&
         std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120)) {
    sink.pump(std::chrono::milliseconds(1));
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const mirador::ReliableSinkCounters c = sink.remote_counters();
  sink.close();

  std::printf("grpc sink -> collector: %llu events (%.1f MB of events) acknowledged in %.3f s\n",
              static_cast<unsigned long long>(c.acked), total_bytes / 1e6, secs);
  std::printf("  %.0f events/s, %.1f MB/s, peak RSS %.1f MiB (sensor side)\n", c.acked / secs,
              total_bytes / 1e6 / secs, peak_rss_mib());
  std::printf("  dropped_window_full %llu, reconnects %llu, batches %llu\n",
              static_cast<unsigned long long>(c.dropped_window_full),
              static_cast<unsigned long long>(c.reconnects),
              static_cast<unsigned long long>(c.transport.batches_sent));
  return c.acked == count ? 0 : 1;
}

#include "sensor/capture_loop.h"

#include <chrono>
#include <string>

#include "detectors/inventory/openapi_export.h"
#include "mirador/v1/event.pb.h"

namespace mirador {

std::atomic<bool> g_stop_requested{false};

namespace {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

int64_t wall_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

void draw_progress(const PacketSource& src, const Pipeline& pipe, double elapsed, std::FILE* out) {
  // Read without pausing: the capture thread's own decoder, and a count from another thread
  // that is only drawn.
  const DecodeCounters& d = pipe.decode_counters();
  double pct = src.file_size() ? 100.0 * static_cast<double>(src.file_offset()) /
                                     static_cast<double>(src.file_size())
                               : 0.0;
  double gbps = elapsed > 0 ? static_cast<double>(d.bytes) * 8 / elapsed / 1e9 : 0;
  std::fprintf(out, "\r\033[K[mirador] %5.1f%%  %llu packets  %.2f Gbit/s  %llu dispatched", pct,
               static_cast<unsigned long long>(d.packets), gbps,
               static_cast<unsigned long long>(pipe.dispatch_counters().dispatched));
  std::fflush(out);
}

}  // namespace

LoopResult run_capture_loop(PacketSource& src, Pipeline& pipe, EventOutputs& outputs,
                            TransactionSink& stats_sink, const LoopOptions& opt) {
  LoopResult result;
  const double start = now_s();
  double next_stats = opt.stats_interval_s > 0 ? start + opt.stats_interval_s : 0;
  double next_progress = start + 0.25;
  const int link = src.link_type();
  RawPacket pkt;
  uint64_t n = 0;

  auto sources = [&] {
    StatsSources s = pipe.stats_sources();
    s.reload = opt.reload;
    return s;
  };
  v1::SensorStats stats_msg;
  auto print_stats = [&](bool final_line) {
    if (opt.progress) std::fputs("\r\033[K", opt.stats_out);
    pipe.pause();
    std::string line =
        format_stats_json(sources(), src.stats(), outputs.counters(), now_s() - start, final_line,
                          opt.stats_events ? &stats_msg : nullptr);
    pipe.resume();
    if (opt.stats_events) stats_sink.write_stats(stats_msg, wall_us());
    std::fprintf(opt.stats_out, "%s\n", line.c_str());
    std::fflush(opt.stats_out);
  };

  while (!g_stop_requested.load(std::memory_order_relaxed)) {
    ReadStatus st = src.next(pkt);
    if (st == ReadStatus::packet) {
      pipe.packet(link, pkt);
    } else if (st == ReadStatus::timeout) {
      // Live and idle: time still passes for flow timeouts.
      pipe.tick(wall_us());
    } else if (st == ReadStatus::end) {
      break;
    } else {
      result.read_error = true;
      result.error = src.error();
      break;
    }
    // Clock checks every 1024 packets (and on every idle wake-up) keep time() off the hot path.
    if ((++n & 1023) == 0 || st != ReadStatus::packet) {
      double t = now_s();
      if (opt.duration_s > 0 && t - start >= opt.duration_s) break;
      if (next_stats > 0 && t >= next_stats) {
        print_stats(false);
        next_stats = t + opt.stats_interval_s;
      }
      if (opt.progress && t >= next_progress) {
        draw_progress(src, pipe, t - start, opt.stats_out);
        next_progress = t + 0.25;
      }
    }
  }
  pipe.finish();
  if (!opt.openapi_file.empty() && pipe.stage()) {
    std::string doc;
    detect::export_openapi(pipe.stage()->inventory(), detect::OpenApiOptions{}, doc);
    doc += '\n';
    std::FILE* out = std::fopen(opt.openapi_file.c_str(), "w");
    bool ok = out && std::fwrite(doc.data(), 1, doc.size(), out) == doc.size();
    if (out && std::fclose(out) != 0) ok = false;
    if (!ok) {
      std::fprintf(opt.stats_out, "mirador: cannot write the OpenAPI export %s\n",
                   opt.openapi_file.c_str());
    }
  }
  // The final stats event goes out with the other events (so before the sinks close: its output
  // counters are those of that moment); the final line on stderr comes after the close, with
  // every event written.
  if (opt.stats_events) {
    format_stats_json(sources(), src.stats(), outputs.counters(), now_s() - start, true,
                      &stats_msg);
    stats_sink.write_stats(stats_msg, wall_us());
  }
  outputs.close();
  if (opt.progress) std::fputs("\r\033[K", opt.stats_out);
  const std::string line =
      format_stats_json(sources(), src.stats(), outputs.counters(), now_s() - start, true);
  std::fprintf(opt.stats_out, "%s\n", line.c_str());
  std::fflush(opt.stats_out);
  return result;
}

}  // namespace mirador

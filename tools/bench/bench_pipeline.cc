// mirador-bench: the single-worker packet path on a capture file, timed. Packets are read with
// libpcap exactly as the sensor reads them and go through decode, flows, TCP reassembly, HTTP/1.x
// and event output (JSON lines to /dev/null, plus a protobuf file with
// --set output.protobuf_file=PATH; or discarded with --null-output). Prints Gbit/s,
// packets/s and peak RSS; compare with mirador-pcap-ceiling on the same file.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <memory>

#include "sensor/capture/pcap_source.h"
#include "sensor/config.h"
#include "sensor/event_outputs.h"
#include "sensor/output/jsonl_sink.h"
#include "sensor/stats.h"
#include "sensor/worker.h"

int main(int argc, char** argv) {
  using namespace mirador;
  CLI::App app{"mirador-bench: single-worker throughput of the sensor's packet path"};
  std::string file;
  bool null_output = false, print_stats = false;
  std::vector<std::string> overrides;
  app.add_option("file", file, "pcap file")->required();
  app.add_flag("--null-output", null_output, "Discard records instead of formatting JSON");
  app.add_flag("--stats", print_stats, "Print the sensor's stats line at the end");
  app.add_option("--set", overrides, "Config override key=value")->take_all();
  CLI11_PARSE(app, argc, argv);

  SensorConfig cfg;
  cfg.json_output = "/dev/null";
  try {
    for (const auto& o : overrides) apply_config_override(cfg, o);
    auto src = PcapSource::open_file(file, "");
    std::unique_ptr<TransactionSink> sink;
    if (null_output)
      sink = std::make_unique<NullSink>();
    else
      sink = std::make_unique<EventOutputs>(cfg, true);  // a file: wait rather than drop
    std::shared_ptr<const detect::CompiledRules> rules;
    if (cfg.worker.detect.enabled) rules = detect::load_compiled_rules(cfg.worker.detect.rules_dir);
    Worker worker(cfg.worker, *sink, rules);
    const int link = src->link_type();

    auto t0 = std::chrono::steady_clock::now();
    RawPacket pkt;
    while (src->next(pkt) == ReadStatus::packet) {
      worker.process(link, pkt.data, pkt.cap_len, pkt.wire_len, pkt.ts_us);
    }
    worker.finish();
    sink->close();  // the output thread's last events count in the time
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const DecodeCounters& d = worker.decode_counters();
    std::printf("mirador-bench (1 worker, %s output, detection %s)\n",
                null_output                 ? "null"
                : cfg.protobuf_file.empty() ? "JSON"
                                            : "JSON + protobuf",
                rules ? "on" : "off");
    if (rules) {
      std::printf("  rules         %zu (%zu patterns, %zu KiB of Hyperscan databases)\n",
                  rules->rules().rules.size(), rules->pattern_count(),
                  rules->database_bytes() / 1024);
    }
    std::printf("  file          %s\n", file.c_str());
    std::printf("  packets       %llu\n", static_cast<unsigned long long>(d.packets));
    std::printf("  bytes         %llu\n", static_cast<unsigned long long>(d.bytes));
    std::printf("  transactions  %llu\n",
                static_cast<unsigned long long>(worker.counters().transactions));
    if (const detect::DetectionEngine* d_engine = worker.detection()) {
      const detect::DetectionCounters& dc = d_engine->counters();
      std::printf("  findings      %llu attack, %llu sensitive data, %llu smuggling\n",
                  static_cast<unsigned long long>(dc.attack_findings),
                  static_cast<unsigned long long>(dc.data_findings),
                  static_cast<unsigned long long>(dc.smuggling_findings));
      std::printf("  scanned       %llu fields, %.1f MiB\n",
                  static_cast<unsigned long long>(dc.fields_scanned),
                  static_cast<double>(dc.bytes_scanned) / (1 << 20));
    }
    std::printf("  elapsed       %.3f s\n", secs);
    std::printf("  throughput    %.3f Gbit/s\n", static_cast<double>(d.bytes) * 8 / secs / 1e9);
    std::printf("  packet rate   %.0f packets/s\n", static_cast<double>(d.packets) / secs);
    std::printf("  peak RSS      %.1f MiB\n", static_cast<double>(peak_rss_bytes()) / (1 << 20));
    if (print_stats) {
      std::printf("%s\n",
                  format_stats_json(worker, CaptureStats{}, sink->counters(), secs, true).c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mirador-bench: %s\n", e.what());
    return 2;
  }
  return 0;
}

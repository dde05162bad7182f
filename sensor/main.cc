// mirador: the sensor. Reads a capture file (-r) or a live interface (-i), writes one event per
// HTTP transaction (JSON lines and/or a protobuf file), and statistics on stderr.
#include <pcap/pcap.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sensor/capture_loop.h"
#if MIRADOR_HAVE_DPDK
#include "sensor/capture/dpdk_source.h"
#endif
#include "sensor/config.h"
#include "sensor/event_outputs.h"
#include "sensor/reload/reloader.h"
#include "sensor/rules_command.h"
#include "sensor/security/least_privilege.h"

namespace {

void on_signal(int) {
  mirador::g_stop_requested.store(true);
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

#if MIRADOR_HAVE_DPDK
std::unique_ptr<mirador::PacketSource> open_dpdk(const mirador::SensorConfig& cfg,
                                                 uint32_t workers) {
  mirador::DpdkSourceConfig d;
  std::istringstream words(cfg.dpdk.eal_args);
  for (std::string w; words >> w;) d.port.eal_args.push_back(w);
  d.port.port = static_cast<uint16_t>(cfg.dpdk.port);
  d.port.mbufs = cfg.dpdk.mbufs;
  d.port.rx_descriptors = static_cast<uint16_t>(cfg.dpdk.rx_descriptors);
  d.port.burst = static_cast<uint16_t>(cfg.dpdk.burst);
  d.queues = static_cast<uint16_t>(cfg.dpdk.queues ? cfg.dpdk.queues : workers);
  d.timeout_ms = cfg.live.timeout_ms;
  d.idle_stop_ms = static_cast<int>(cfg.dpdk.idle_stop.count());
  return std::make_unique<mirador::DpdkSource>(d);
}
#else
std::unique_ptr<mirador::PacketSource> open_dpdk(const mirador::SensorConfig&, uint32_t) {
  return nullptr;  // refused before: this build has no DPDK
}
#endif

}  // namespace

int main(int argc, char** argv) {
  using namespace mirador;
  // `mirador rules ...` has its own command line.
  if (argc > 1 && std::string(argv[1]) == "rules") return run_rules_command(argc - 1, argv + 1);
  CLI::App app{
      "mirador: passive API risk sensor. Reads a mirror of the traffic and writes one event "
      "per HTTP transaction."};
  std::string config_file, read_file, interface, bpf, output, user;
  std::vector<std::string> overrides;
  double stats_interval = -1, duration = -1;
  int workers = -1;
  bool dump = false, help_config = false, no_progress = false, version = false, dpdk = false;
  app.add_option("-r,--read", read_file, "Read packets from a pcap or pcapng file");
  app.add_option("-i,--interface", interface, "Capture live on this interface");
  app.add_flag("--dpdk", dpdk, "Capture from a DPDK port (capture.dpdk.* keys)");
  app.add_option("-f,--filter", bpf, "BPF filter (tcpdump syntax)");
  app.add_option("-w,--write", output, "Write JSON-lines events to this file ('-' = stdout)");
  app.add_option("-c,--config", config_file, "YAML configuration file");
  app.add_option("--set", overrides, "Override a config key: --set flow.max_flows=100000")
      ->take_all();
  app.add_option("--stats-interval", stats_interval, "Seconds between stats lines on stderr");
  app.add_option("--duration", duration, "Stop a live capture after this many seconds");
  app.add_option("--workers", workers, "Worker threads (0: one per core; same as capture.workers)")
      ->check(CLI::Range(0, 256));
  app.add_flag("--no-progress", no_progress, "No progress line while reading a file");
  app.add_flag("--dump-config", dump, "Print the effective configuration as YAML and exit");
  app.add_flag("--help-config", help_config, "List every configuration key and exit");
  app.add_flag("--version", version, "Print the version and exit");
  app.add_option("--user", user, "Drop to this user once the capture is open (security.user)");
  CLI11_PARSE(app, argc, argv);

  if (version) {
    std::printf("mirador 0.1.0 (%s)\n", pcap_lib_version());
    return 0;
  }
  if (help_config) {
    std::printf("Configuration keys (YAML file via -c, or --set key=value):\n%s",
                describe_config_keys().c_str());
    return 0;
  }

  // The configuration as at start-up: the file, then the overrides, then the options. A reload
  // (SIGHUP) builds it again the same way.
  auto build_config = [&] {
    SensorConfig c;
    security::check_config_file_before_load(config_file, overrides);
    if (!config_file.empty()) load_config_file(c, config_file);
    for (const auto& o : overrides) apply_config_override(c, o);
    if (!read_file.empty()) c.read_file = read_file;
    if (!interface.empty()) c.live.interface = interface;
    if (!bpf.empty()) c.live.bpf = bpf;
    if (!output.empty()) c.json_output = output;
    if (stats_interval >= 0) c.stats_interval_s = stats_interval;
    if (duration >= 0) c.duration_s = duration;
    if (workers >= 0) c.pipeline.workers = static_cast<uint32_t>(workers);
    if (no_progress) c.progress = false;
    if (dpdk) c.dpdk.enabled = true;
    if (!user.empty()) c.security.user = user;
    return c;
  };
  SensorConfig cfg;
  try {
    cfg = build_config();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mirador: %s\n", e.what());
    return 2;
  }

  if (dump) {
    std::fputs(dump_config(cfg).c_str(), stdout);
    return 0;
  }
  // Least privilege (sensor/security/least_privilege.h): before the trusted files are read and
  // before the first thread; the drop comes once the capture is open.
  std::optional<security::LeastPrivilege> least;
  try {
    least.emplace(cfg, config_file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mirador: %s\n", e.what());
    return 2;
  }
  if (!cfg.openapi_spec.empty()) {
    try {
      cfg.worker.spec = detect::OpenApiSpec::load_file(cfg.openapi_spec, cfg.spec_limits);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mirador: inventory.openapi_spec: %s\n", e.what());
      return 2;
    }
    if (!cfg.worker.detect.enabled) {
      std::fprintf(stderr,
                   "mirador: inventory.openapi_spec is not used: detect.enabled is false\n");
    }
  }
  if (!cfg.tls_keylog_file.empty()) {
    auto keys = std::make_shared<tls::KeyLog>();
    std::string error;
    if (!keys->load(cfg.tls_keylog_file, error)) {
      std::fprintf(stderr, "mirador: tls.keylog_file: %s\n", error.c_str());
      return 2;
    }
    cfg.worker.keylog = std::move(keys);
  }
  if ((cfg.read_file.empty() ? 0 : 1) + (cfg.live.interface.empty() ? 0 : 1) +
          (cfg.dpdk.enabled ? 1 : 0) !=
      1) {
    std::fprintf(stderr,
                 "mirador: give exactly one of -r FILE, -i INTERFACE or --dpdk (see --help)\n");
    return 2;
  }
#if !MIRADOR_HAVE_DPDK
  if (cfg.dpdk.enabled) {
    std::fprintf(stderr, "mirador: --dpdk: this build has no DPDK (meson option dpdk)\n");
    return 2;
  }
#endif

  // Before anything slow (compiling the rules takes seconds under a sanitizer): a SIGINT or
  // SIGTERM that arrives during start-up stops the sensor once it is ready, cleanly, instead of
  // being lost (a shell starts background jobs with SIGINT ignored) or killing it unflushed.
  install_signal_handlers();
  // SIGHUP is taken by the reloader's thread alone: blocked here, before any thread starts.
  block_reload_signal();
  try {
    PipelineConfig pcfg = cfg.pipeline;
    pcfg.workers = resolve_workers(pcfg.workers);
    std::unique_ptr<PacketSource> src;
    if (cfg.dpdk.enabled) {
      src = open_dpdk(cfg, pcfg.workers);
    } else if (cfg.read_file.empty()) {
      src = PcapSource::open_live(cfg.live);
    } else {
      src = PcapSource::open_file(cfg.read_file, cfg.live.bpf);
    }
    if (!link_type_supported(src->link_type())) {
      std::fprintf(stderr, "mirador: unsupported link type %d (%s)\n", src->link_type(),
                   pcap_datalink_val_to_name(src->link_type()));
      return 2;
    }
    least->drop();  // the capture is open: nothing below needs a privilege
    // A file waits for a full queue (nothing to fall behind); live capture drops and counts.
    pcfg.wait_when_full = !src->live();
    // A producer per worker, one for the aggregator, one for the stats events.
    EventOutputs outputs(cfg, !src->live(), pcfg.workers + 2);
    std::shared_ptr<const detect::CompiledRules> rules;
    std::shared_ptr<RulesSlot> slot;
    if (cfg.worker.detect.enabled) {
      rules = detect::load_compiled_rules(cfg.worker.detect.rules_dir);
      slot = std::make_shared<RulesSlot>(RulesSlot::Set{rules, cfg.worker.detect});
      cfg.worker.rules_slot = slot;
    }
    // A reload trusts the files it re-reads only as start-up did (file modes, sensor/security).
    auto build_checked = [&] {
      SensorConfig c = build_config();
      least->check_reloaded_files(c);
      return c;
    };
    Reloader reloader(cfg, build_checked, slot);
    Pipeline pipe(cfg.worker, pcfg, outputs, rules);
    reloader.start();
    least->lock_down();  // seccomp, once every thread runs
    // Live: say when packets start being read (scripts and operators wait for this line).
    if (src->live()) {
      std::fprintf(stderr, "mirador: capturing on %s\n",
                   cfg.dpdk.enabled ? "the DPDK port" : cfg.live.interface.c_str());
      std::fflush(stderr);
    }

    LoopOptions opt;
    opt.stats_interval_s = cfg.stats_interval_s;
    opt.stats_events = cfg.stats_events;
    opt.openapi_file = cfg.openapi_file;
    opt.duration_s = src->live() ? cfg.duration_s : 0;
    opt.progress = cfg.progress && !src->live() && isatty(STDERR_FILENO);
    opt.reload = &reloader.counters();
    LoopResult r = run_capture_loop(*src, pipe, outputs, outputs.producer(pcfg.workers + 1), opt);
    if (r.read_error) {
      // A damaged file still yields everything before the damage; say so and fail.
      std::fprintf(stderr, "mirador: read error: %s\n", r.error.c_str());
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mirador: %s\n", e.what());
    return 2;
  }
  return 0;
}

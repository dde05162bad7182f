// Reloader: SIGHUP re-reads the configuration file and the rules without stopping the capture.
//
// A thread of its own waits for SIGHUP (blocked in every other thread: call block_reload_signal()
// before any thread starts). On the signal it builds the configuration as at start-up (file,
// --set overrides, command-line options), compiles the rules of detect.rules_dir, and publishes
// them with the hot keys' values in the RulesSlot; the workers switch at their next transaction,
// so no flow and no transaction is lost. Anything that fails — the file does not parse, a key is
// bad, a rule does not compile — refuses the whole reload: the running rules and configuration
// stay, the error is logged and counted.
//
// Hot keys (applied at once): the rules themselves, detect.rules_dir, and the engine's reporting
// limits (detect.max_scan_bytes, max_matches, max_findings, max_locations, max_samples,
// min_severity). Every other key needs a restart: a change to one is logged as such and counted,
// and the running value is kept (the next reload reports it again until the sensor restarts).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "sensor/config.h"
#include "sensor/reload/rules_slot.h"

namespace mirador {

struct ReloadCounters {
  std::atomic<uint64_t> requests{0};      // SIGHUPs handled (and direct reload() calls)
  std::atomic<uint64_t> applied{0};       // reloads published
  std::atomic<uint64_t> refused{0};       // reloads refused by an error (old rules kept)
  std::atomic<uint64_t> restart_keys{0};  // changed keys left at their running value
};

// Blocks SIGHUP in the calling thread, and so in every thread it starts afterwards.
void block_reload_signal();

// Whether a change to `key` is applied by a reload.
bool hot_reloadable(std::string_view key);

class Reloader {
 public:
  // Builds the configuration as at start-up; throws std::runtime_error on a bad file or key.
  using ConfigBuilder = std::function<SensorConfig()>;

  // `running`: the configuration the sensor started with. `slot` is null with detection off
  // (then a reload only reports changed keys). Messages go to `log`.
  Reloader(SensorConfig running, ConfigBuilder build, std::shared_ptr<RulesSlot> slot,
           std::FILE* log = stderr);
  ~Reloader();  // stop()
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Starts the thread that waits for SIGHUP.
  void start();
  void stop();

  // One reload now. True when published.
  bool reload();
  const ReloadCounters& counters() const { return counters_; }

 private:
  void run();

  SensorConfig running_;
  ConfigBuilder build_;
  std::shared_ptr<RulesSlot> slot_;
  std::FILE* log_;
  ReloadCounters counters_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace mirador

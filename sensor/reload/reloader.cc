#include "sensor/reload/reloader.h"

#include <pthread.h>

#include <csignal>
#include <ctime>
#include <exception>
#include <vector>

namespace mirador {

namespace {

sigset_t reload_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  return set;
}

// One log line per reload: a multi-line error (one line per bad rule) joined with "; ".
std::string one_line(std::string text) {
  for (size_t at = 0; (at = text.find("\n", at)) != std::string::npos;) {
    size_t end = text.find_first_not_of(' ', at + 1);
    text.replace(at, (end == std::string::npos ? text.size() : end) - at, "; ");
  }
  return text;
}

std::string join(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

}  // namespace

void block_reload_signal() {
  sigset_t set = reload_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

bool hot_reloadable(std::string_view key) {
  static constexpr std::string_view hot[] = {
      "detect.rules_dir",     "detect.max_scan_bytes", "detect.max_matches",  "detect.max_findings",
      "detect.max_locations", "detect.max_samples",    "detect.min_severity",
  };
  for (std::string_view h : hot) {
    if (key == h) return true;
  }
  return false;
}

Reloader::Reloader(SensorConfig running, ConfigBuilder build, std::shared_ptr<RulesSlot> slot,
                   std::FILE* log)
    : running_(std::move(running)), build_(std::move(build)), slot_(std::move(slot)), log_(log) {}

Reloader::~Reloader() {
  stop();
}

void Reloader::start() {
  if (thread_.joinable()) return;
  stop_.store(false);
  thread_ = std::thread([this] { run(); });
}

void Reloader::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

void Reloader::run() {
  pthread_setname_np(pthread_self(), "mirador-reload");
  const sigset_t set = reload_set();
  // Waits in short slices so stop() needs no signal of its own.
  const timespec slice{0, 200'000'000};
  while (!stop_.load()) {
    if (sigtimedwait(&set, nullptr, &slice) == SIGHUP) reload();
  }
}

bool Reloader::reload() {
  counters_.requests.fetch_add(1);
  SensorConfig next;
  try {
    next = build_();
  } catch (const std::exception& e) {
    counters_.refused.fetch_add(1);
    std::fprintf(log_, "mirador: reload refused, running configuration kept: %s\n",
                 one_line(e.what()).c_str());
    std::fflush(log_);
    return false;
  }
  std::vector<std::string> hot, restart;
  for (std::string& key : changed_config_keys(running_, next)) {
    (hot_reloadable(key) ? hot : restart).push_back(std::move(key));
  }
  std::string rules_note;
  if (slot_) {
    RulesSlot::Set set;
    try {
      set.rules = detect::load_compiled_rules(next.worker.detect.rules_dir);
    } catch (const std::exception& e) {
      counters_.refused.fetch_add(1);
      std::fprintf(log_, "mirador: reload refused, running rules kept: %s\n",
                   one_line(e.what()).c_str());
      std::fflush(log_);
      return false;
    }
    rules_note = std::to_string(set.rules->rules().rules.size()) + " rules";
    set.reporting = next.worker.detect;
    slot_->publish(std::move(set));
  } else {
    rules_note = "detection off, no rules";
  }
  // Only the hot keys take their new values; the rest keep running as they started.
  running_.worker.detect.rules_dir = next.worker.detect.rules_dir;
  running_.worker.detect.max_scan_bytes = next.worker.detect.max_scan_bytes;
  running_.worker.detect.max_matches = next.worker.detect.max_matches;
  running_.worker.detect.max_findings = next.worker.detect.max_findings;
  running_.worker.detect.max_locations = next.worker.detect.max_locations;
  running_.worker.detect.max_samples = next.worker.detect.max_samples;
  running_.worker.detect.min_severity = next.worker.detect.min_severity;
  counters_.applied.fetch_add(1);
  counters_.restart_keys.fetch_add(restart.size());
  std::fprintf(
      log_, "mirador: reloaded: %s%s%s%s%s\n", rules_note.c_str(),
      hot.empty() ? "" : "; applied: ", join(hot).c_str(),
      restart.empty() ? "" : "; need a restart (running values kept): ", join(restart).c_str());
  std::fflush(log_);
  return true;
}

}  // namespace mirador

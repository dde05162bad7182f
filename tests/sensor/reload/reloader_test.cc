// Reloader: what a reload applies, refuses and reports (the SIGHUP path itself is exercised by
// tests/e2e/reload_rules.py).
#include "sensor/reload/reloader.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <stdexcept>

using namespace mirador;

namespace {

struct Harness {
  SensorConfig running;
  SensorConfig next;
  bool fail = false;
  std::shared_ptr<RulesSlot> slot;
  std::FILE* log = std::tmpfile();

  Harness() {
    auto rules = detect::load_compiled_rules("");
    slot = std::make_shared<RulesSlot>(RulesSlot::Set{rules, running.worker.detect});
    next = running;
  }
  ~Harness() { std::fclose(log); }
  Reloader make() {
    return Reloader(
        running,
        [this] {
          if (fail) throw std::runtime_error("mirador.yaml:3: flow.max_flows: not a number");
          return next;
        },
        slot, log);
  }
  std::string logged() {
    std::fflush(log);
    std::rewind(log);
    std::string out(4096, '\0');
    out.resize(std::fread(out.data(), 1, out.size(), log));
    return out;
  }
};

}  // namespace

TEST_CASE("hot keys are the rules and the engine's reporting limits") {
  CHECK(hot_reloadable("detect.rules_dir"));
  CHECK(hot_reloadable("detect.min_severity"));
  CHECK(hot_reloadable("detect.max_findings"));
  CHECK_FALSE(hot_reloadable("flow.max_flows"));
  CHECK_FALSE(hot_reloadable("output.mask_sensitive"));
  CHECK_FALSE(hot_reloadable("detect.enabled"));
}

TEST_CASE("a reload publishes new rules and hot limits, and keeps restart-only keys") {
  Harness h;
  h.next.worker.detect.max_findings = 5;
  h.next.worker.detect.min_severity = detect::Severity::high;
  h.next.worker.flows.max_flows = 77;
  Reloader r = h.make();
  REQUIRE(r.reload());
  CHECK(h.slot->generation() == 1);
  RulesSlot::Set set = h.slot->current();
  CHECK(set.rules);
  CHECK(set.reporting.max_findings == 5);
  CHECK(set.reporting.min_severity == detect::Severity::high);
  CHECK(r.counters().applied.load() == 1);
  CHECK(r.counters().restart_keys.load() == 1);
  std::string log = h.logged();
  CHECK(log.find("applied: detect.max_findings, detect.min_severity") != std::string::npos);
  CHECK(log.find("need a restart (running values kept): flow.max_flows") != std::string::npos);

  // The restart-only key keeps being reported until the restart; hot values are now running.
  REQUIRE(r.reload());
  CHECK(r.counters().restart_keys.load() == 2);
  const std::string twice = h.logged();
  CHECK(twice.find("applied:") == twice.rfind("applied:"));
}

TEST_CASE("a bad configuration or bad rules refuse the whole reload") {
  Harness h;
  Reloader r = h.make();
  h.fail = true;
  CHECK_FALSE(r.reload());
  CHECK(h.slot->generation() == 0);
  CHECK(r.counters().refused.load() == 1);
  CHECK(h.logged().find("reload refused, running configuration kept: mirador.yaml:3") !=
        std::string::npos);

  h.fail = false;
  h.next.worker.detect.rules_dir = "/nonexistent/mirador-rules";
  h.next.worker.detect.max_findings = 9;
  CHECK_FALSE(r.reload());
  CHECK(h.slot->generation() == 0);
  CHECK(h.slot->current().reporting.max_findings != 9);
  CHECK(r.counters().refused.load() == 2);
  CHECK(r.counters().applied.load() == 0);
}

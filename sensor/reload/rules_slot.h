// RulesSlot: where a reload (SIGHUP) publishes new detection rules and reporting limits for the
// workers. A worker reads one atomic per transaction and takes the lock only when the generation
// has moved, so a reload never stops the packet path and loses no flow: each transaction is
// inspected whole by one rule set, the old or the new.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "detectors/engine/compiled_rules.h"
#include "detectors/engine/detection_engine.h"

namespace mirador {

class RulesSlot {
 public:
  struct Set {
    std::shared_ptr<const detect::CompiledRules> rules;
    detect::DetectionConfig reporting;  // DetectionEngine::set_reporting's part is used
  };

  explicit RulesSlot(Set first) : set_(std::move(first)) {}

  // Any thread: the workers switch at their next transaction.
  void publish(Set next) {
    std::lock_guard<std::mutex> lock(mu_);
    set_ = std::move(next);
    generation_.fetch_add(1, std::memory_order_release);
  }
  // Starts at 0; one more per publish().
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  Set current() const {
    std::lock_guard<std::mutex> lock(mu_);
    return set_;
  }

 private:
  mutable std::mutex mu_;
  Set set_;
  std::atomic<uint64_t> generation_{0};
};

}  // namespace mirador

// StatefulStage: the detectors that need more than one transaction, fed TransactionReports —
// endpoint templates (PathTemplater), the engine's findings written with their endpoint,
// authentication hygiene and its report-once memory, the TLS host checks (certificate changes,
// cleartext to a TLS host), the abuse detectors, the OpenAPI spec check and the inventory with
// its periodic report. Exactly one exists per sensor: in the aggregator thread when workers run
// on their own threads, or inside a lone Worker (tests, tools). Either way every transaction of
// every connection reaches the same tables, so the number of workers does not change what is
// found. Findings and endpoint events go to the sink given at construction (the thread's own).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "detectors/abuse/abuse_detector.h"
#include "detectors/auth/hygiene.h"
#include "detectors/inventory/inventory.h"
#include "detectors/inventory/path_template.h"
#include "detectors/inventory/spec_conformance.h"
#include "detectors/tls/tls_checks.h"
#include "sensor/pipeline/transaction_report.h"
#include "sensor/worker_config.h"

namespace mirador {

class StatefulStage {
 public:
  // With detection on (cfg.detect.enabled): the caller checks.
  StatefulStage(const WorkerConfig& cfg, TransactionSink& sink);
  ~StatefulStage();
  StatefulStage(const StatefulStage&) = delete;
  StatefulStage& operator=(const StatefulStage&) = delete;

  // One report. A transaction's report is left as it was (the caller recycles it).
  void on_report(TransactionReport& r);
  // End of input: the inventory as it stands, every endpoint once more, at `now_us`.
  void finish(int64_t now_us);

  const detect::PathTemplater& templater() const { return *templater_; }
  const detect::Inventory& inventory() const { return *inventory_; }
  // Null with auth.enabled off.
  const detect::HygieneChecker* hygiene() const { return hygiene_.get(); }
  // Null with auth.enabled or abuse.enabled off.
  const detect::AbuseDetector* abuse() const { return abuse_.get(); }
  // Null with tls.enabled or tls.checks off.
  const detect::TlsChecker* tls_checker() const { return tls_checker_.get(); }
  // Null without an OpenAPI document.
  const detect::SpecConformance* spec_conformance() const { return spec_check_.get(); }
  // Hygiene and abuse findings below detect.min_severity, not written.
  uint64_t below_min_severity() const { return below_min_severity_; }
  // The latest transaction or handshake time seen.
  int64_t now_us() const { return now_us_; }

 private:
  void on_transaction(TransactionReport& r);
  void on_tls_handshake(const TransactionReport& r);
  void endpoint_of(const HttpTransaction& t);
  void observe(const TransactionReport& r);
  void report_inventory(int64_t time_us);

  WorkerConfig cfg_;
  TransactionSink& sink_;
  std::unique_ptr<detect::PathTemplater> templater_;
  std::unique_ptr<detect::Inventory> inventory_;
  std::unique_ptr<detect::HygieneChecker> hygiene_;
  std::unique_ptr<detect::ActivityBuilder> activity_builder_;
  detect::Activity activity_;
  std::unique_ptr<detect::AbuseDetector> abuse_;
  std::unique_ptr<detect::TlsChecker> tls_checker_;
  std::unique_ptr<detect::SpecConformance> spec_check_;
  std::vector<detect::Finding> findings_;  // per report, capacity reused
  uint64_t below_min_severity_ = 0;
  std::string host_, template_, endpoint_;  // per transaction, capacity reused
  std::string_view path_;                   // the request's path (no query), in the transaction
  struct ObservationScratch;                // reused buffers for one transaction's Observation
  std::unique_ptr<ObservationScratch> obs_;
  HttpTransaction none_;  // a handshake finding belongs to no transaction
  int64_t last_inventory_report_us_ = 0;
  int64_t now_us_ = 0;
};

}  // namespace mirador

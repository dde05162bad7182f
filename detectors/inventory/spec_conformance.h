// Spec conformance (issue 5): traffic compared with the operator's OpenAPI document
// (openapi_spec.h). Findings (kind RuleKind::inventory, risk_class "improper_inventory",
// OWASP API9:2023):
//   inventory.shadow_endpoint  an endpoint the document does not list answered (a status other
//                              than 404, 405 and 501: a scanner probing random paths gets those
//                              and must not flood the findings)                  medium; high when
//                              the response carried sensitive data (an engine data finding of
//                              medium severity or above in the response)
//   inventory.zombie_endpoint  an operation the document marks deprecated answered 2xx   medium
// Each is reported once per (host, endpoint, severity) in a window (ReportOnce): a shadow endpoint
// first seen without sensitive data is reported again, once, when it serves some. Findings below
// min_severity are counted, not reported, and do not use up the window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "detectors/auth/report_once.h"
#include "detectors/finding.h"
#include "detectors/inventory/openapi_spec.h"

namespace mirador::detect {

struct SpecConformanceConfig {
  size_t report_once_slots = 4096;         // inventory.spec_report_slots
  int64_t report_once_window_s = 3600;     // inventory.spec_report_window
  Severity min_severity = Severity::info;  // detect.min_severity
};

struct SpecConformanceCounters {
  uint64_t checked = 0;
  uint64_t documented = 0;
  uint64_t deprecated = 0;    // calls to deprecated operations (answered or not)
  uint64_t undocumented = 0;  // calls to endpoints the document does not list
  uint64_t not_answered = 0;  // undocumented calls without a response or with 404/405/501
  uint64_t shadow_findings = 0;
  uint64_t zombie_findings = 0;
  uint64_t suppressed = 0;  // repeats inside the window
  uint64_t below_min_severity = 0;
};

// One transaction, as the check needs it. Views are valid for the call only.
struct SpecRequest {
  std::string_view host;      // lower-case, port kept
  std::string_view method;    // as sent
  std::string_view path;      // the request target's path as sent, no query
  std::string_view endpoint;  // "GET /users/{id}": the observed template, the reporting key
  int status = 0;             // 0: no response
  int64_t time_us = 0;
};

class SpecConformance {
 public:
  SpecConformance(std::shared_ptr<const OpenApiSpec> spec, const SpecConformanceConfig& cfg);

  // Appends to `out` the findings of one transaction; `found` are the engine's findings for it.
  // Finding.endpoint is left to the caller.
  void check(const SpecRequest& r, std::span<const Finding> found, std::vector<Finding>& out);

  const OpenApiSpec& spec() const { return *spec_; }
  SpecConformanceCounters counters() const;

 private:
  bool once(std::string_view what, const SpecRequest& r, Severity s);
  std::shared_ptr<const OpenApiSpec> spec_;
  SpecConformanceConfig cfg_;
  ReportOnce once_;
  SpecConformanceCounters counters_;
  std::string key_;  // scratch for ReportOnce keys
};

}  // namespace mirador::detect

#include "detectors/inventory/spec_conformance.h"

namespace mirador::detect {

namespace {

// A scanner's random paths get these; they say the endpoint is not there.
bool answered(int status) {
  return status != 0 && status != 404 && status != 405 && status != 501;
}

bool sensitive_response(std::span<const Finding> found) {
  for (const Finding& f : found) {
    if (f.kind == RuleKind::data && f.in_response && f.severity >= Severity::medium) return true;
  }
  return false;
}

Finding& add(std::vector<Finding>& out, const char* id, Severity s, std::string summary) {
  return add_code_finding(out, RuleKind::inventory, id, "improper_inventory", "API9:2023", s,
                          std::move(summary));
}

}  // namespace

SpecConformance::SpecConformance(std::shared_ptr<const OpenApiSpec> spec,
                                 const SpecConformanceConfig& cfg)
    : spec_(std::move(spec)),
      cfg_(cfg),
      once_(cfg.report_once_slots, cfg.report_once_window_s * 1'000'000) {}

SpecConformanceCounters SpecConformance::counters() const {
  SpecConformanceCounters c = counters_;
  c.suppressed = once_.suppressed();
  return c;
}

bool SpecConformance::once(std::string_view what, const SpecRequest& r, Severity s) {
  if (s < cfg_.min_severity) {
    ++counters_.below_min_severity;
    return false;
  }
  key_.assign(what);
  key_ += '\n';
  key_ += r.host;
  key_ += '\n';
  key_ += r.endpoint;
  key_ += '\n';
  key_ += severity_name(s);
  return once_.first(key_, r.time_us);
}

void SpecConformance::check(const SpecRequest& r, std::span<const Finding> found,
                            std::vector<Finding>& out) {
  if (r.method.empty()) return;  // a response without its request names no endpoint
  ++counters_.checked;
  const SpecMatch m = spec_->match(r.method, r.path);
  switch (m.status) {
    case SpecStatus::documented:
      ++counters_.documented;
      return;
    case SpecStatus::deprecated: {
      ++counters_.deprecated;
      if (r.status < 200 || r.status > 299) return;
      if (!once("zombie", r, Severity::medium)) return;
      ++counters_.zombie_findings;
      std::string summary = "Deprecated operation ";
      summary += r.method;
      summary += ' ';
      summary += m.spec_path;
      summary += " still answers (status ";
      summary += std::to_string(r.status);
      summary += ')';
      Finding& f = add(out, "inventory.zombie_endpoint", Severity::medium, std::move(summary));
      f.locations = {"spec " + std::string(m.spec_path)};
      return;
    }
    case SpecStatus::undocumented:
      break;
  }
  ++counters_.undocumented;
  if (!answered(r.status)) {
    ++counters_.not_answered;
    return;
  }
  const bool sensitive = sensitive_response(found);
  const Severity s = sensitive ? Severity::high : Severity::medium;
  if (!once("shadow", r, s)) return;
  ++counters_.shadow_findings;
  std::string summary = "Endpoint ";
  summary += r.endpoint.empty() ? r.path : r.endpoint;
  summary += " is not in the OpenAPI document but answered (status ";
  summary += std::to_string(r.status);
  summary += sensitive ? ", sensitive data in the response)" : ")";
  add(out, "inventory.shadow_endpoint", s, std::move(summary));
}

}  // namespace mirador::detect

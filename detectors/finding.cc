// Severity names as rule files and events write them.
#include "detectors/finding.h"

#include <array>

namespace mirador::detect {

namespace {
constexpr std::array<std::string_view, 5> kSeverityNames = {"info", "low", "medium", "high",
                                                            "critical"};
}  // namespace

std::string_view severity_name(Severity s) {
  const auto i = static_cast<size_t>(s);
  return i < kSeverityNames.size() ? kSeverityNames[i] : std::string_view("unknown");
}

bool parse_severity(std::string_view name, Severity& out) {
  for (size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == name) {
      out = static_cast<Severity>(i);
      return true;
    }
  }
  return false;
}

Finding& add_code_finding(std::vector<Finding>& out, RuleKind kind, std::string_view id,
                          std::string_view risk_class, std::string_view owasp_api,
                          Severity severity, std::string summary) {
  Finding& f = out.emplace_back();
  f.kind = kind;
  f.id = id;
  f.risk_class = risk_class;
  f.severity = severity;
  f.owasp_api = owasp_api;
  f.summary = std::move(summary);
  f.rule_ids.assign(1, f.id);
  f.count = 1;
  return f;
}

}  // namespace mirador::detect

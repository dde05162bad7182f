// Finding: what the detection engine concluded about one transaction — a risk class, the rules
// that matched, where, how often, and masked evidence. The sensor turns each into a
// mirador.v1.Finding event; nothing here knows about events or outputs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mirador::detect {

enum class Severity : uint8_t { info, low, medium, high, critical };
std::string_view severity_name(Severity s);  // "info" … "critical"
// False for an unknown name (then `out` is untouched).
bool parse_severity(std::string_view name, Severity& out);

enum class RuleKind : uint8_t {
  attack,  // a signature on normalised request input: an attack attempt
  data,    // a sensitive-data class: a value the API carries
  auth,    // an authentication practice (detectors/auth/hygiene.h): found by code, not by rules
  abuse,   // behaviour across transactions (detectors/abuse/abuse_detector.h)
  // traffic against the operator's OpenAPI document (detectors/inventory/spec_conformance.h)
  inventory,
  tls,  // a TLS handshake's risks, and cleartext to TLS hosts (detectors/tls/tls_checks.h)
};

struct Finding {
  RuleKind kind = RuleKind::attack;
  std::string id;          // the first rule of the highest severity that matched
  std::string risk_class;  // attack: "sql_injection", "xss", …; data: "sensitive_data"
  std::string data_class;  // data findings: "cn_resident_id", "email", …; empty for attacks
  Severity severity = Severity::info;
  std::string owasp_api;              // "API8:2023"
  std::string summary;                // one line for a human
  bool in_response = false;           // data findings: the value was in the response
  std::vector<std::string> rule_ids;  // every rule that matched, sorted, unique
  std::vector<std::string>
      locations;  // "request.query id", "response.body $.data[3].idCard" (capped)
  std::vector<std::string> samples;  // masked evidence (capped)
  uint32_t count = 0;                // occurrences (every one, not only the listed ones)
  // The endpoint, "GET /users/{id}" (method and path template): set by the sensor, which learns
  // the templates (detectors/inventory/path_template.h); empty when unknown.
  std::string endpoint;
  // Abuse findings: the identity as events carry it (a keyed hash, "h:3f2a…") and the window the
  // count was taken over, in seconds (0 for a finding about one transaction).
  std::string identity;
  uint32_t window_s = 0;
};

// Appends a finding made by code rather than by rules (hygiene, inventory, abuse): one rule id
// (its own), count 1; the caller adds the evidence.
Finding& add_code_finding(std::vector<Finding>& out, RuleKind kind, std::string_view id,
                          std::string_view risk_class, std::string_view owasp_api,
                          Severity severity, std::string summary);

}  // namespace mirador::detect

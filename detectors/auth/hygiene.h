// Authentication hygiene (issue 5): practices, visible in one transaction, that expose a
// credential or let through a request that should not pass. OWASP API2:2023 (Broken
// Authentication) names them: credentials in the URL, GET logins, Basic or tokens over
// cleartext, unsigned tokens, expired tokens accepted, and sensitive data served to callers who
// presented no credential at all.
//
// Findings (risk_class "broken_authentication", kind RuleKind::auth):
//   auth.userinfo_in_url           user:password@ in the request target                 high
//   auth.login_over_get            a GET (or HEAD) carrying a password parameter          high
//   auth.basic_over_cleartext      Basic credentials on a cleartext connection           high
//   auth.credential_over_cleartext a token, API key or session cookie in cleartext       medium
//   auth.credential_in_url         the caller's credential is a query parameter           medium
//   auth.jwt_alg_none              an unsigned JWT (alg "none"); critical when answered 2xx
//   auth.expired_token_accepted    a JWT past its exp (beyond the skew) answered 2xx,    high
//                                  once per token in the window
//   auth.unauthenticated_sensitive_data  a 2xx response carrying sensitive data (medium or
//                                  above) to a request without any credential           high
// Facts that hold for a whole deployment (cleartext, credential in the URL, unauthenticated
// data on one endpoint) are reported once per host, credential kind or path in a window
// (ReportOnce); the others on every transaction. The password parameter and the password in a
// cookie are already data findings (data.password.request_url) and are not repeated here; a
// token in the query that a secret.* rule reported is not repeated either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "decoders/http1/http_transaction.h"
#include "detectors/auth/identity.h"
#include "detectors/auth/report_once.h"
#include "detectors/finding.h"

namespace mirador::detect {

struct HygieneConfig {
  int64_t exp_skew_s = 60;              // auth.exp_skew: clock difference tolerated on exp
  size_t report_once_slots = 4096;      // auth.report_once_slots
  int64_t report_once_window_s = 3600;  // auth.report_once_window
  bool mask = true;                     // output.mask_sensitive: credentials in samples masked
};

struct HygieneCounters {
  uint64_t checked = 0;
  uint64_t findings = 0;
  uint64_t suppressed = 0;  // repeats of a deployment-wide fact inside the window
};

class HygieneChecker {
 public:
  explicit HygieneChecker(const HygieneConfig& cfg);

  // Appends to `out` the hygiene findings of `t`, made by `id`. `found` are the detection
  // engine's findings for the same transaction (sensitive data in the response, secrets already
  // reported). `cleartext`: the transaction was read off the wire unencrypted.
  // `endpoint` names the endpoint ("GET /users/{id}"): unauthenticated sensitive data is
  // reported once per endpoint in the window (the raw path when empty).
  void check(const HttpTransaction& t, const Identity& id, std::span<const Finding> found,
             bool cleartext, std::vector<Finding>& out, std::string_view endpoint = {});

  HygieneCounters counters() const;

 private:
  Finding& add(std::vector<Finding>& out, const char* id, Severity severity, std::string summary);
  HygieneConfig cfg_;
  ReportOnce once_;
  HygieneCounters counters_;
  std::string key_;  // scratch for ReportOnce keys
};

}  // namespace mirador::detect

// Abuse detectors (issue 5): what no single request shows — rates, enumeration, bulk lookups,
// brute force, object-level and function-level authorisation hints, replay, shared tokens, bulk
// exposure, parameter and cookie tampering — counted over sliding windows per identity, client,
// endpoint, account and object.
//
// Findings (kind RuleKind::abuse; evidence: count, window, endpoint, the identity's keyed hash):
//   abuse.rate_identity       one identity above abuse.rate_identity requests per rate window  API4
//   medium abuse.rate_endpoint       one endpoint above abuse.rate_endpoint requests per rate
//   window  API4  medium abuse.enumeration         one identity read abuse.enum_distinct distinct
//   objects of one
//                             endpoint, or a run of abuse.enum_sequential consecutive ids     API1
//                             high
//   abuse.bulk_lookup         one request carrying abuse.bulk_lookup_items phone numbers or
//                             ids (address-book matching)                                    API6
//                             high
//   abuse.phone_lookup        one identity looked up abuse.phone_lookup_distinct distinct
//                             phone numbers on search endpoints in the window                API6
//                             high
//   abuse.discovery           one identity answered 404/405 on abuse.discovery_misses requests
//                             in the window (forced browsing: ffuf, gobuster, dirb)          API9
//                             medium
//   abuse.brute_force         abuse.login_failures failed logins from one identity or client  API2
//   high abuse.account_brute_force abuse.account_failures failed logins against one account API2
//   high abuse.credential_stuffing one client tried abuse.stuffing_usernames distinct user names
//                             with failures                                                 API2
//                             high
//   abuse.bola                one identity got 2xx personal data for abuse.bola_foreign objects
//                             first read by other identities                                 API1
//                             high
//   abuse.vertical_escalation 2xx from an administration endpoint to an identity whose token
//                             claims roles and no admin one, or that first used it after the
//                             endpoint had abuse.admin_learning known users                  API5
//                             high
//   abuse.replay              a signature or nonce seen again within abuse.replay_window    API2
//   high abuse.token_shared        one credential from abuse.token_clients distinct clients API2
//   high abuse.bulk_exposure       one response with abuse.bulk_records sensitive values, or one
//                             identity receiving abuse.bulk_records_identity in the window   API3
//                             high
//   abuse.parameter_tampering a 2xx to a request whose owner-like parameter names another
//                             account than the caller's token or login                       API1
//                             high
//   abuse.negative_amount     a 2xx to a request with a negative amount or quantity          API6
//   medium abuse.cookie_tampering    a token whose claims changed under the same signature, or
//                             privilege cookies that changed under the same session         API2
//                             high
// A finding about a window is raised once per key per window (the count it crossed); the
// per-request ones (bulk lookup, tampering, replay, negative amount) on every request that shows
// it, rate-limited through ReportOnce per identity and endpoint.
//
// Memory: fixed at construction by the caps; no allocation per observation. Identities,
// identity×endpoint pairs, objects, accounts, replay keys and sessions live in set-associative
// tables that evict their least recently seen entry (counted); rates per identity and per
// endpoint are count-min sketches (memory independent of how many identities there are);
// distinct counts are HyperLogLog registers inside the entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "detectors/abuse/activity.h"
#include "detectors/finding.h"

namespace mirador::detect {

struct AbuseConfig {
  bool enabled = true;  // abuse.enabled
  // Rates (count-min sketches, two windows blended).
  int64_t rate_window_s = 60;      // abuse.rate_window
  uint32_t rate_identity = 1200;   // abuse.rate_identity: requests per identity per window
  uint32_t rate_endpoint = 12000;  // abuse.rate_endpoint: requests per endpoint per window
  size_t sketch_width = 1 << 16;   // abuse.sketch_width: counters per row (4 rows)
  // Enumeration, BOLA, phone lookups, bulk exposure per identity: this window.
  int64_t window_s = 600;           // abuse.window
  uint32_t enum_distinct = 300;     // abuse.enum_distinct: distinct objects per identity+endpoint
  uint32_t enum_sequential = 50;    // abuse.enum_sequential: consecutive ids in a run
  uint32_t bulk_lookup_items = 50;  // abuse.bulk_lookup_items: per request
  uint32_t phone_lookup_distinct = 50;  // abuse.phone_lookup_distinct
  uint32_t bola_foreign = 20;           // abuse.bola_foreign
  uint32_t admin_learning = 3;          // abuse.admin_learning: users an admin endpoint has before
                                        // a newcomer is a hint
  uint32_t discovery_misses = 100;      // abuse.discovery_misses: 404/405 answers per identity
  uint32_t bulk_records = 200;          // abuse.bulk_records: sensitive values in one response
  uint32_t bulk_records_identity = 5000;  // abuse.bulk_records_identity: per identity per window
  // Logins.
  int64_t login_window_s = 600;      // abuse.login_window
  uint32_t login_failures = 20;      // abuse.login_failures: per identity or client
  uint32_t account_failures = 10;    // abuse.account_failures: per target account
  uint32_t stuffing_usernames = 20;  // abuse.stuffing_usernames: per client
  // Replay and shared tokens.
  int64_t replay_window_s = 600;  // abuse.replay_window
  int64_t token_window_s = 3600;  // abuse.token_window
  uint32_t token_clients = 10;    // abuse.token_clients
  // Table caps (entries); each eviction is counted.
  size_t max_identities = 32768;    // abuse.max_identities
  size_t max_pairs = 65536;         // abuse.max_pairs: identity × endpoint
  size_t max_objects = 131072;      // abuse.max_objects: (endpoint, object) first readers
  size_t max_accounts = 32768;      // abuse.max_accounts: login targets
  size_t max_replay_keys = 131072;  // abuse.max_replay_keys
  size_t max_sessions = 65536;      // abuse.max_sessions: tokens and session cookies
  size_t max_endpoints = 4096;      // abuse.max_endpoints: administration endpoints' users
  size_t report_once_slots = 8192;  // abuse.report_once_slots: per-request findings' limiter
};

struct AbuseCounters {
  uint64_t observed = 0;
  uint64_t findings = 0;
  uint64_t suppressed = 0;  // per-request findings repeated inside the report window
  // Entries evicted from a full table (its least recently seen): state forgotten early.
  uint64_t identities_evicted = 0, pairs_evicted = 0, objects_evicted = 0, accounts_evicted = 0,
           replay_keys_evicted = 0, sessions_evicted = 0, endpoints_evicted = 0;
};

class AbuseDetector {
 public:
  explicit AbuseDetector(const AbuseConfig& cfg);
  ~AbuseDetector();
  AbuseDetector(const AbuseDetector&) = delete;
  AbuseDetector& operator=(const AbuseDetector&) = delete;

  // Appends to `out` the findings `a` completes. Activities arrive in time order (a late one is
  // counted at the latest time seen).
  void observe(const Activity& a, std::vector<Finding>& out);

  const AbuseCounters& counters() const;
  // Bytes held by the tables and sketches: fixed by the config at construction.
  size_t memory_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mirador::detect

// AbuseDetector: each finding fires when its threshold is crossed, once per window, and not
// below it; evidence names the identity's keyed hash, the window and the count; memory stays
// what the caps say however many identities pass.
#include "detectors/abuse/abuse_detector.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace mirador::detect;

namespace {

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kT0 = 1'767'225'600 * kSec;

Activity act(std::string_view who, int64_t t, int status = 200) {
  Activity a;
  a.time_us = t;
  a.identity = abuse_hash(who);
  a.identity_label = "h:0123456789abcdef01234567";
  a.client = abuse_hash("198.18.0.10", 1);
  a.kind = CredentialKind::bearer_jwt;
  a.host = "api.example.com";
  a.method = "GET";
  a.path_template = "/api/users/{id}";
  a.endpoint = "GET /api/users/{id}";
  a.endpoint_hash = abuse_hash("GET /api/users/{id}", 6);
  a.status = status;
  return a;
}

Activity::ObjectId object(int64_t n) {
  Activity::ObjectId o;
  o.hash = abuse_hash(std::to_string(n), 7);
  o.numeric = true;
  o.number = n;
  return o;
}

size_t count(const std::vector<Finding>& fs, std::string_view id) {
  size_t n = 0;
  for (const Finding& f : fs) n += f.id == id;
  return n;
}

const Finding* find(const std::vector<Finding>& fs, std::string_view id) {
  for (const Finding& f : fs)
    if (f.id == id) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("request rate per identity: once per window above the limit", "[abuse]") {
  AbuseConfig cfg;
  cfg.rate_identity = 100;
  AbuseDetector d(cfg);
  std::vector<Finding> out;
  for (int i = 0; i < 99; ++i) d.observe(act("alice", kT0 + i * 100'000), out);
  CHECK(out.empty());
  for (int i = 99; i < 300; ++i) d.observe(act("alice", kT0 + i * 100'000), out);
  REQUIRE(count(out, "abuse.rate_identity") == 1);
  const Finding& f = *find(out, "abuse.rate_identity");
  CHECK(f.kind == RuleKind::abuse);
  CHECK(f.owasp_api == "API4:2023");
  CHECK(f.window_s == 60);
  CHECK(f.count == 100);
  CHECK(f.identity == "h:0123456789abcdef01234567");
  // Another identity at a normal pace: nothing.
  out.clear();
  for (int i = 0; i < 50; ++i) d.observe(act("bob", kT0 + i * kSec), out);
  CHECK(out.empty());
}

TEST_CASE("enumeration: distinct objects and sequential runs", "[abuse]") {
  AbuseConfig cfg;
  cfg.enum_distinct = 100;
  cfg.enum_sequential = 30;
  AbuseDetector d(cfg);
  std::vector<Finding> out;
  // 29 consecutive ids: below the run; then the 30th.
  for (int i = 1; i <= 29; ++i) {
    Activity a = act("scraper", kT0 + i * kSec);
    a.object_ids = {object(1000 + i)};
    d.observe(a, out);
  }
  CHECK(count(out, "abuse.enumeration") == 0);
  Activity a = act("scraper", kT0 + 30 * kSec);
  a.object_ids = {object(1030)};
  d.observe(a, out);
  CHECK(count(out, "abuse.enumeration") == 1);
  // Random distinct ids (no run) past the distinct threshold: the second enumeration finding.
  out.clear();
  for (int i = 0; i < 200; ++i) {
    Activity b = act("scraper", kT0 + (31 + i) * kSec / 10);
    b.object_ids = {object(100'000 + (i * 7919) % 50'000)};
    d.observe(b, out);
  }
  CHECK(count(out, "abuse.enumeration") == 1);
  // A user reading a handful of objects again and again: nothing.
  out.clear();
  for (int i = 0; i < 500; ++i) {
    Activity b = act("reader", kT0 + i * kSec);
    b.object_ids = {object(i % 5 * 10)};
    d.observe(b, out);
  }
  CHECK(count(out, "abuse.enumeration") == 0);
}

TEST_CASE("login brute force, per account, and credential stuffing", "[abuse]") {
  AbuseConfig cfg;
  AbuseDetector d(cfg);
  std::vector<Finding> out;
  auto login = [&](std::string_view who, std::string_view user, int status, int64_t t) {
    Activity a = act(who, t, status);
    a.kind = CredentialKind::none;
    a.method = "POST";
    a.endpoint = "POST /api/login";
    a.endpoint_hash = abuse_hash(a.endpoint, 6);
    a.login = true;
    a.login_user = abuse_hash(user, 10);
    a.login_failed = status == 401;
    d.observe(a, out);
  };
  for (int i = 0; i < 9; ++i) login("ip:198.18.0.66", "admin", 401, kT0 + i * kSec);
  CHECK(out.empty());
  login("ip:198.18.0.66", "admin", 401, kT0 + 9 * kSec);
  CHECK(count(out, "abuse.account_brute_force") == 1);
  for (int i = 10; i < 25; ++i) login("ip:198.18.0.66", "admin", 401, kT0 + i * kSec);
  CHECK(count(out, "abuse.brute_force") == 1);
  CHECK(count(out, "abuse.account_brute_force") == 1);  // once per window
  CHECK(count(out, "abuse.credential_stuffing") == 0);  // one user name
  out.clear();
  for (int i = 0; i < 40; ++i)
    login("ip:198.18.0.77", "user" + std::to_string(i), 401, kT0 + i * kSec);
  CHECK(count(out, "abuse.credential_stuffing") == 1);
  // Successful logins count for nothing.
  out.clear();
  for (int i = 0; i < 100; ++i) login("ip:198.18.0.88", "carol", 200, kT0 + i * kSec);
  CHECK(out.empty());
}

TEST_CASE("bulk lookups, phone lookups and bulk exposure", "[abuse]") {
  AbuseDetector d(AbuseConfig{});
  std::vector<Finding> out;
  Activity a = act("matcher", kT0);
  a.method = "POST";
  a.request_phones = 49;
  d.observe(a, out);
  CHECK(out.empty());
  a.request_phones = 100;
  d.observe(a, out);
  CHECK(count(out, "abuse.bulk_lookup") == 1);
  out.clear();
  for (int i = 0; i < 80; ++i) {
    Activity b = act("matcher", kT0 + i * kSec);
    b.search_endpoint = true;
    b.phone_hashes = {abuse_hash("1380013" + std::to_string(8000 + i), 11)};
    d.observe(b, out);
  }
  CHECK(count(out, "abuse.phone_lookup") == 1);
  // The same number looked up again and again is not a lookup campaign.
  out.clear();
  for (int i = 0; i < 80; ++i) {
    Activity b = act("friend", kT0 + i * kSec);
    b.search_endpoint = true;
    b.phone_hashes = {abuse_hash("13800138000", 11)};
    d.observe(b, out);
  }
  CHECK(out.empty());
  Activity c = act("lister", kT0);
  c.response_records = 250;
  d.observe(c, out);
  CHECK(count(out, "abuse.bulk_exposure") == 1);
  CHECK(find(out, "abuse.bulk_exposure")->owasp_api == "API3:2023");
}

TEST_CASE("BOLA: personal data of objects other identities read first", "[abuse]") {
  AbuseConfig cfg;
  cfg.bola_foreign = 5;
  AbuseDetector d(cfg);
  std::vector<Finding> out;
  for (int u = 0; u < 10; ++u) {
    Activity a = act("user" + std::to_string(u), kT0 + u * kSec);
    a.object_ids = {object(u)};
    a.response_personal = true;
    d.observe(a, out);
  }
  CHECK(out.empty());
  for (int u = 0; u < 5; ++u) {
    Activity a = act("mallory", kT0 + (20 + u) * kSec);
    a.object_ids = {object(u * 2)};  // not consecutive
    a.response_personal = true;
    d.observe(a, out);
  }
  CHECK(count(out, "abuse.bola") == 1);
}

TEST_CASE("vertical escalation, replay, shared tokens, tampering", "[abuse]") {
  AbuseDetector d(AbuseConfig{});
  std::vector<Finding> out;
  Activity a = act("alice", kT0);
  a.endpoint = "GET /api/admin/users";
  a.endpoint_hash = abuse_hash(a.endpoint, 6);
  a.admin_endpoint = true;
  a.object_ids = {object(1)};
  a.roles_known = true;
  a.admin_role = true;
  d.observe(a, out);
  CHECK(out.empty());
  a.admin_role = false;
  d.observe(a, out);
  CHECK(count(out, "abuse.vertical_escalation") == 1);
  CHECK(find(out, "abuse.vertical_escalation")->owasp_api == "API5:2023");

  out.clear();
  Activity r = act("bob", kT0);
  r.replay_keys = {abuse_hash("sig-1", 8)};
  d.observe(r, out);
  CHECK(out.empty());
  r.time_us += 5 * kSec;
  d.observe(r, out);
  CHECK(count(out, "abuse.replay") == 1);

  out.clear();
  for (int i = 0; i < 12; ++i) {
    Activity s = act("resold-key", kT0 + i * kSec);
    s.kind = CredentialKind::api_key;
    s.client = abuse_hash("198.18.1." + std::to_string(i), 1);
    d.observe(s, out);
  }
  CHECK(count(out, "abuse.token_shared") == 1);

  out.clear();
  Activity t = act("carol", kT0);
  t.token_signature = abuse_hash("sig", 3);
  t.token_claims = abuse_hash("claims-1", 4);
  d.observe(t, out);
  t.token_claims = abuse_hash("claims-2", 4);
  t.status = 401;
  d.observe(t, out);
  REQUIRE(count(out, "abuse.cookie_tampering") == 1);
  CHECK(find(out, "abuse.cookie_tampering")->summary.find("rejected") != std::string::npos);

  out.clear();
  Activity p = act("dave", kT0);
  p.foreign_owner_params = {"user_id"};
  p.negative_amounts = {"amount"};
  p.status = 403;
  d.observe(p, out);
  CHECK(out.empty());  // refused: no harm done
  p.status = 200;
  d.observe(p, out);
  CHECK(count(out, "abuse.parameter_tampering") == 1);
  CHECK(count(out, "abuse.negative_amount") == 1);
}

TEST_CASE("discovery: many 404s from one identity", "[abuse]") {
  AbuseDetector d(AbuseConfig{});
  std::vector<Finding> out;
  for (int i = 0; i < 150; ++i) d.observe(act("ip:198.18.0.9", kT0 + i * kSec / 10, 404), out);
  CHECK(count(out, "abuse.discovery") == 1);
}

TEST_CASE("a million identities: memory fixed by the caps, evictions counted", "[abuse]") {
  AbuseConfig cfg;
  cfg.max_identities = 4096;
  cfg.max_pairs = 4096;
  cfg.max_objects = 4096;
  AbuseDetector d(cfg);
  const size_t bytes = d.memory_bytes();
  std::vector<Finding> out;
  for (int i = 0; i < 1'000'000; ++i) {
    Activity a = act("id" + std::to_string(i), kT0 + i * 1000);
    a.client = abuse_hash(std::to_string(i), 1);
    a.object_ids = {object(i)};
    d.observe(a, out);
    out.clear();
  }
  CHECK(d.memory_bytes() == bytes);
  CHECK(d.counters().observed == 1'000'000);
  CHECK(d.counters().identities_evicted >= 1'000'000 - 4096);
  CHECK(d.counters().pairs_evicted >= 1'000'000 - 4096);
}

TEST_CASE("request rate per endpoint: many identities on one endpoint", "[abuse]") {
  AbuseConfig cfg;
  cfg.rate_endpoint = 500;
  AbuseDetector d(cfg);
  std::vector<Finding> out;
  // 100 identities, 5 requests each: no identity is fast, the endpoint is.
  for (int i = 0; i < 499; ++i) d.observe(act("id" + std::to_string(i % 100), kT0 + i * 1000), out);
  CHECK(out.empty());
  for (int i = 499; i < 700; ++i)
    d.observe(act("id" + std::to_string(i % 100), kT0 + i * 1000), out);
  REQUIRE(count(out, "abuse.rate_endpoint") == 1);
  CHECK(find(out, "abuse.rate_endpoint")->count >= 500);
  CHECK(count(out, "abuse.rate_identity") == 0);
}

TEST_CASE("vertical escalation: a newcomer on a known administration endpoint", "[abuse]") {
  AbuseConfig cfg;
  cfg.admin_learning = 3;
  AbuseDetector d(cfg);
  std::vector<Finding> out;
  auto admin_call = [&](std::string_view who, int64_t t) {
    Activity a = act(who, t);
    a.endpoint = "GET /internal/accounts";
    a.endpoint_hash = abuse_hash(a.endpoint, 6);
    a.admin_endpoint = true;  // opaque tokens: no roles to compare
    a.kind = CredentialKind::bearer_opaque;
    d.observe(a, out);
  };
  // Three administrators use it over the first window: they are its known users.
  for (int i = 0; i < 3; ++i) admin_call("admin" + std::to_string(i), kT0 + i * kSec);
  for (int i = 0; i < 3; ++i) admin_call("admin" + std::to_string(i), kT0 + (700 + i) * kSec);
  CHECK(out.empty());
  // Someone new after the learning window: a hint; the known ones again: nothing.
  admin_call("mallory", kT0 + 800 * kSec);
  REQUIRE(count(out, "abuse.vertical_escalation") == 1);
  CHECK(find(out, "abuse.vertical_escalation")->severity == Severity::medium);
  admin_call("admin1", kT0 + 801 * kSec);
  CHECK(count(out, "abuse.vertical_escalation") == 1);
}

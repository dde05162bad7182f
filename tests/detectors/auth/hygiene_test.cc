// HygieneChecker: each authentication-practice finding where it belongs, none on a clean
// authenticated request, deployment-wide facts once per window, evidence masked.
#include "detectors/auth/hygiene.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace mirador;
using namespace mirador::detect;

namespace {

constexpr int64_t kNow = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z

HttpTransaction txn(std::string method, std::string uri, int status = 200) {
  HttpTransaction t;
  t.request_ts_us = kNow;
  t.method = std::move(method);
  t.uri = std::move(uri);
  t.version = "1.1";
  t.request_headers = {{"Host", "api.example.com"}};
  t.has_response = true;
  t.status = status;
  return t;
}

Identity bearer_jwt(std::string alg, bool has_exp, int64_t exp) {
  Identity id;
  id.kind = CredentialKind::bearer_jwt;
  id.where = "header Authorization";
  id.credential = "eyJhbGciOiJub25lIn0.eyJzdWIiOiI0MiJ9.";
  id.principal = "42";
  id.jwt.decoded = true;
  id.jwt.alg = std::move(alg);
  id.jwt.sub = "42";
  id.jwt.has_exp = has_exp;
  id.jwt.exp = exp;
  id.client_ip = "198.18.0.10";
  return id;
}

std::vector<std::string> ids(const std::vector<Finding>& fs) {
  std::vector<std::string> out;
  for (const Finding& f : fs) out.push_back(f.id);
  return out;
}

bool has(const std::vector<Finding>& fs, std::string_view id) {
  for (const Finding& f : fs)
    if (f.id == id) return true;
  return false;
}

}  // namespace

TEST_CASE("a clean authenticated request over TLS gives no hygiene finding", "[hygiene]") {
  HygieneChecker c(HygieneConfig{});
  std::vector<Finding> out;
  c.check(txn("GET", "/api/v1/users/42"), bearer_jwt("RS256", true, kNow / 1'000'000 + 600), {},
          /*cleartext=*/false, out);
  CHECK(out.empty());
  CHECK(c.counters().checked == 1);
}

TEST_CASE("credentials in the URL and logins over GET", "[hygiene]") {
  HygieneChecker c(HygieneConfig{});
  std::vector<Finding> out;
  Identity anon;
  c.check(txn("GET", "http://alice:s3cret@api.example.com/login"), anon, {}, false, out);
  REQUIRE(has(out, "auth.userinfo_in_url"));
  CHECK(out[0].samples[0].find("s3cret") == std::string::npos);
  CHECK(out[0].severity == Severity::high);
  CHECK(out[0].owasp_api == "API2:2023");
  CHECK(out[0].risk_class == "broken_authentication");
  CHECK(out[0].kind == RuleKind::auth);

  out.clear();
  c.check(txn("GET", "/api/login?user=alice&user_password=s3cr%21t"), anon, {}, false, out);
  REQUIRE(has(out, "auth.login_over_get"));
  CHECK(out[0].locations[0] == "request.query user_password");
  CHECK(out[0].samples[0].find("s3cr") == std::string::npos);

  out.clear();  // a POST login is the right way; a GET with an empty password says nothing
  c.check(txn("POST", "/api/login?user=alice&password=x"), anon, {}, false, out);
  c.check(txn("GET", "/api/login?password="), anon, {}, false, out);
  c.check(txn("GET", "/api/passwords/reset-help"), anon, {}, false, out);
  CHECK(ids(out).empty());
}

TEST_CASE("credentials over cleartext: reported once per host and kind in the window",
          "[hygiene]") {
  HygieneConfig cfg;
  cfg.report_once_window_s = 60;
  HygieneChecker c(cfg);
  std::vector<Finding> out;
  Identity basic;
  basic.kind = CredentialKind::basic;
  basic.where = "header Authorization";
  basic.credential = basic.principal = "alice";
  basic.has_password = true;
  HttpTransaction t = txn("GET", "/api/v1/me");
  c.check(t, basic, {}, true, out);
  REQUIRE(has(out, "auth.basic_over_cleartext"));
  CHECK(out[0].samples[0].find("alice") == std::string::npos);
  c.check(t, basic, {}, true, out);  // the same fact again: suppressed
  CHECK(out.size() == 1);
  CHECK(c.counters().suppressed == 1);
  t.request_ts_us += 61'000'000;  // after the window: reported again
  c.check(t, basic, {}, true, out);
  CHECK(out.size() == 2);

  out.clear();
  Identity token = bearer_jwt("HS256", false, 0);
  c.check(txn("GET", "/api/v1/orders"), token, {}, true, out);
  REQUIRE(ids(out) == std::vector<std::string>{"auth.credential_over_cleartext"});
  CHECK(out[0].severity == Severity::medium);
  CHECK(out[0].samples[0] != token.credential);
  c.check(txn("GET", "/api/v1/users"), token, {}, /*cleartext=*/false, out);
  CHECK(out.size() == 1);
}

TEST_CASE("unsigned and expired JWTs", "[hygiene]") {
  HygieneChecker c(HygieneConfig{});
  std::vector<Finding> out;
  c.check(txn("GET", "/api/v1/admin"), bearer_jwt("none", false, 0), {}, false, out);
  REQUIRE(has(out, "auth.jwt_alg_none"));
  CHECK(out[0].severity == Severity::critical);  // answered 200: accepted
  out.clear();
  c.check(txn("GET", "/api/v1/admin", 401), bearer_jwt("None", false, 0), {}, false, out);
  REQUIRE(has(out, "auth.jwt_alg_none"));
  CHECK(out[0].severity == Severity::high);

  out.clear();
  const int64_t now_s = kNow / 1'000'000;
  c.check(txn("GET", "/api/v1/me"), bearer_jwt("HS256", true, now_s - 3600), {}, false, out);
  REQUIRE(has(out, "auth.expired_token_accepted"));
  CHECK(out[0].summary.find("2025-12-31T23:00:00Z") != std::string::npos);
  CHECK(out[0].summary.find("3600 s") != std::string::npos);
  CHECK(out[0].locations[0] == "request.header Authorization");
  // The same token again: once per token in the window; another token is reported.
  Identity again = bearer_jwt("HS256", true, now_s - 3600);
  c.check(txn("GET", "/api/v1/orders"), again, {}, false, out);
  CHECK(out.size() == 1);
  again.credential += "x";
  c.check(txn("GET", "/api/v1/orders"), again, {}, false, out);
  CHECK(out.size() == 2);
  out.clear();  // within the skew, refused, or no exp at all: nothing
  c.check(txn("GET", "/api/v1/me"), bearer_jwt("HS256", true, now_s - 30), {}, false, out);
  c.check(txn("GET", "/api/v1/me", 401), bearer_jwt("HS256", true, now_s - 3600), {}, false, out);
  c.check(txn("GET", "/api/v1/me"), bearer_jwt("HS256", false, 0), {}, false, out);
  CHECK(out.empty());
}

TEST_CASE("credential in the URL unless a secret rule said it already", "[hygiene]") {
  HygieneChecker c(HygieneConfig{});
  std::vector<Finding> out;
  Identity key;
  key.kind = CredentialKind::api_key;
  key.where = "query api_key";
  key.credential = "k-1234567890abcdef";
  c.check(txn("GET", "/api/v1/items?api_key=k-1234567890abcdef"), key, {}, false, out);
  REQUIRE(has(out, "auth.credential_in_url"));
  CHECK(out[0].locations[0] == "request.query api_key");

  HygieneChecker c2(HygieneConfig{});
  std::vector<Finding> found(1);
  found[0].id = "secret.api_key.url";
  found[0].kind = RuleKind::data;
  found[0].locations = {"request.query api_key"};
  out.clear();
  c2.check(txn("GET", "/api/v1/items?api_key=k-1234567890abcdef"), key, found, false, out);
  CHECK_FALSE(has(out, "auth.credential_in_url"));
}

TEST_CASE("sensitive data served to a caller without credentials", "[hygiene]") {
  HygieneChecker c(HygieneConfig{});
  std::vector<Finding> found(2);
  found[0].kind = RuleKind::data;
  found[0].in_response = true;
  found[0].data_class = "cn_resident_id";
  found[0].severity = Severity::high;
  found[0].locations = {"response.body $.data[0].idCard"};
  found[1] = found[0];
  found[1].data_class = "email";
  found[1].severity = Severity::low;  // below medium: not enough on its own
  std::vector<Finding> out;
  Identity anon;
  anon.client_ip = "198.18.0.9";
  c.check(txn("GET", "/api/v1/users?page=1"), anon, found, false, out);
  REQUIRE(has(out, "auth.unauthenticated_sensitive_data"));
  CHECK(out[0].summary.find("cn_resident_id") != std::string::npos);
  CHECK(out[0].summary.find("email") == std::string::npos);
  CHECK(out[0].locations[0] == "response.body $.data[0].idCard");
  // Same path again (another page): once per path in the window.
  c.check(txn("GET", "/api/v1/users?page=2"), anon, found, false, out);
  CHECK(out.size() == 1);
  // With a credential, or refused, or only low-severity data: nothing.
  out.clear();
  HygieneChecker c2(HygieneConfig{});
  c2.check(txn("GET", "/api/v1/users"), bearer_jwt("RS256", false, 0), found, false, out);
  c2.check(txn("GET", "/api/v1/users", 403), anon, found, false, out);
  std::vector<Finding> low(found.begin() + 1, found.end());
  c2.check(txn("GET", "/api/v1/users"), anon, low, false, out);
  CHECK(out.empty());
}

TEST_CASE("ReportOnce: window, eviction by collision, clock stepping back", "[hygiene]") {
  ReportOnce once(1, 10);  // one slot: every key collides
  CHECK(once.first("a", 100));
  CHECK_FALSE(once.first("a", 105));
  CHECK_FALSE(once.first("a", 95));  // an earlier time is inside the window too
  CHECK(once.first("b", 106));       // evicts "a"
  CHECK(once.first("a", 107));       // reported again early: a repeat, never a miss
  CHECK(once.first("a", 117));
  CHECK(once.suppressed() == 2);
}

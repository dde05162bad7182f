// ActivityBuilder: what the abuse detectors are told about one transaction — object ids at the
// template's placeholders, administration and search endpoints, logins and their failures,
// phone numbers, owner-like parameters that name someone else, negative amounts, replay keys,
// privilege cookies, sensitive records in the response.
#include "detectors/abuse/activity.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace mirador;
using namespace mirador::detect;

namespace {

HttpTransaction txn(std::string method, std::string uri, int status = 200) {
  HttpTransaction t;
  t.request_ts_us = 1'767'225'600'000'000;
  t.method = std::move(method);
  t.uri = std::move(uri);
  t.has_response = true;
  t.status = status;
  return t;
}

Identity jwt_user(std::string sub, std::vector<std::string> roles) {
  Identity id;
  id.kind = CredentialKind::bearer_jwt;
  id.credential = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2ln";
  id.principal = sub;
  id.jwt.decoded = true;
  id.jwt.sub = sub;
  id.jwt.roles = std::move(roles);
  id.jwt.signature = "c2ln";
  id.client_ip = "198.18.0.10";
  return id;
}

struct Built {
  Activity a;
  FieldList fields;
  std::vector<Finding> found;
  HttpTransaction t;
  Identity id;
  void build(std::string_view path, std::string_view tmpl) {
    ActivityBuilder b(ActivityConfig{});
    const std::string endpoint = std::string(t.method) + " " + std::string(tmpl);
    std::string key;
    identity_key(id, key);
    b.build(t, id, abuse_hash(key), "h:x", fields, found, "api.example.com", path, tmpl, endpoint,
            a);
  }
};

}  // namespace

TEST_CASE("object ids come from the placeholders, numbers kept", "[abuse][activity]") {
  Built b;
  b.t = txn("GET", "/api/users/1042/orders/7");
  b.id = jwt_user("user-1042", {"user"});
  b.build("/api/users/1042/orders/7", "/api/users/{id}/orders/{id}");
  REQUIRE(b.a.object_ids.size() == 2);
  CHECK(b.a.object_ids[0].numeric);
  CHECK(b.a.object_ids[0].number == 1042);
  CHECK(b.a.object_ids[1].number == 7);
  CHECK(b.a.roles_known);
  CHECK_FALSE(b.a.admin_role);
  CHECK_FALSE(b.a.admin_endpoint);
  CHECK(b.a.token_signature != 0);
  CHECK(b.a.identity != 0);
  CHECK(b.a.identity_label == "h:x");
}

TEST_CASE("administration and search endpoints", "[abuse][activity]") {
  Built b;
  b.t = txn("GET", "/api/admin/users");
  b.id = jwt_user("7", {"user", "ROLE_ADMIN"});
  b.build("/api/admin/users", "/api/admin/users");
  CHECK(b.a.admin_endpoint);
  CHECK(b.a.admin_role);
  Built s;
  s.t = txn("GET", "/api/users/search?phone=13800138000");
  s.fields.add(Part::request_query, "phone", "13800138000", "phone");
  s.build("/api/users/search", "/api/users/search");
  CHECK(s.a.search_endpoint);
  CHECK(s.a.request_phones == 1);
  CHECK(s.a.phone_hashes.size() == 1);
}

TEST_CASE("a login, its user and its failure", "[abuse][activity]") {
  Built b;
  b.t = txn("POST", "/api/login", 401);
  b.fields.add(Part::request_body, "username", "alice", "username");
  b.fields.add(Part::request_body, "password", "hunter2", "password");
  b.build("/api/login", "/api/login");
  CHECK(b.a.login);
  CHECK(b.a.login_user == abuse_hash("alice", 10));
  CHECK(b.a.login_failed);
  // A form that answers 200 and says it failed.
  Built c;
  c.t = txn("POST", "/login", 200);
  c.t.response_body = "<p>Login failed: invalid password</p>";
  c.fields.add(Part::request_body, "user", "bob", "user");
  c.fields.add(Part::request_body, "pwd", "x", "pwd");
  c.build("/login", "/login");
  CHECK(c.a.login_failed);
  c.t.response_body = "{\"token\":\"...\"}";
  c.build("/login", "/login");
  CHECK_FALSE(c.a.login_failed);
}

TEST_CASE("an address book: phone numbers in one array", "[abuse][activity]") {
  Built b;
  b.t = txn("POST", "/api/contacts/match");
  for (int i = 0; i < 60; ++i) {
    const std::string phone = "1380013" + std::to_string(8000 + i);
    b.fields.add(Part::request_body, "phones", phone, "$.phones[" + std::to_string(i) + "]");
  }
  b.build("/api/contacts/match", "/api/contacts/match");
  CHECK(b.a.request_phones == 60);
  CHECK(b.a.request_ids == 60);
  CHECK(b.a.phone_hashes.size() == 60);
}

TEST_CASE("owner parameters naming another account; negative amounts", "[abuse][activity]") {
  Built b;
  b.t = txn("GET", "/api/orders?user_id=43");
  b.id = jwt_user("user-42", {"user"});
  b.fields.add(Part::request_query, "user_id", "43", "user_id");
  b.build("/api/orders", "/api/orders");
  REQUIRE(b.a.foreign_owner_params.size() == 1);
  CHECK(b.a.foreign_owner_params[0] == "user_id");
  // Their own id, and an id not comparable with a user name: nothing.
  Built own;
  own.t = txn("GET", "/api/orders?userId=42");
  own.id = jwt_user("user-42", {});
  own.fields.add(Part::request_query, "userId", "42", "userId");
  own.build("/api/orders", "/api/orders");
  CHECK(own.a.foreign_owner_params.empty());
  Built named;
  named.t = txn("GET", "/api/orders?uid=7");
  named.id = jwt_user("alice", {});
  named.fields.add(Part::request_query, "uid", "7", "uid");
  named.build("/api/orders", "/api/orders");
  CHECK(named.a.foreign_owner_params.empty());

  Built n;
  n.t = txn("POST", "/api/orders");
  n.fields.add(Part::request_body, "amount", "-25.50", "$.amount");
  n.fields.add(Part::request_body, "quantity", "2", "$.quantity");
  n.build("/api/orders", "/api/orders");
  REQUIRE(n.a.negative_amounts.size() == 1);
  CHECK(n.a.negative_amounts[0] == "amount");
}

TEST_CASE("replay keys, privilege cookies, response records", "[abuse][activity]") {
  Built b;
  b.t = txn("POST", "/api/transfer");
  b.id.kind = CredentialKind::session_cookie;
  b.id.credential = "abc123";
  b.id.client_ip = "198.18.0.5";
  b.fields.add(Part::request_header, "X-Signature", "deadbeef", "X-Signature");
  b.fields.add(Part::request_header, "X-Nonce", "n-1", "X-Nonce");
  b.fields.add(Part::request_header, "X-Request-Id", "r-1", "X-Request-Id");
  b.fields.add(Part::request_cookie, "session", "abc123", "session");
  b.fields.add(Part::request_cookie, "role", "user", "role");
  Finding f;
  f.kind = RuleKind::data;
  f.in_response = true;
  f.data_class = "cn_mobile";
  f.count = 40;
  b.found.push_back(f);
  b.build("/api/transfer", "/api/transfer");
  CHECK(b.a.replay_keys.size() == 2);
  CHECK(b.a.session != 0);
  const uint64_t role_user = b.a.privilege_cookies;
  CHECK(role_user != 0);
  CHECK(b.a.response_records == 40);
  CHECK(b.a.response_personal);
  b.fields.clear();
  b.fields.add(Part::request_cookie, "session", "abc123", "session");
  b.fields.add(Part::request_cookie, "role", "admin", "role");
  b.build("/api/transfer", "/api/transfer");
  CHECK(b.a.privilege_cookies != role_user);
  CHECK(b.a.replay_keys.empty());
}

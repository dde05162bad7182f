// Inventory: observations aggregated per (host, method, template); what makes an endpoint dirty
// (new, a new code / kind / type / parameter / class) and what does not (counts, last_seen);
// "mixed" parameter types; the three caps and their counters; for_each order; sensitivity.
#include "detectors/inventory/inventory.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace mirador::detect;

namespace {

Observation obs(std::string_view host, std::string_view method, std::string_view path,
                int64_t t = 1'000'000, int status = 200) {
  Observation o;
  o.host = host;
  o.method = method;
  o.path_template = path;
  o.time_us = t;
  o.status = status;
  o.auth_kind = "none";
  return o;
}

std::vector<std::string> changed(Inventory& inv) {
  std::vector<std::string> out;
  inv.take_changed(
      [&](const Endpoint& e) { out.push_back(e.host + " " + e.method + " " + e.path_template); });
  return out;
}

const Endpoint* find(const Inventory& inv, std::string_view host, std::string_view method,
                     std::string_view path) {
  const Endpoint* found = nullptr;
  inv.for_each([&](const Endpoint& e) {
    if (e.host == host && e.method == method && e.path_template == path) found = &e;
  });
  return found;
}

}  // namespace

TEST_CASE("inventory: observations of one endpoint aggregate") {
  Inventory inv({});
  Observation a = obs("api.example:8080", "GET", "/users/{id}", 5'000'000, 200);
  a.auth_kind = "bearer_jwt";
  a.response_content_type = "application/json";
  a.params = {{"query", "limit", "integer"}, {"query", "expand", "string"}};
  inv.observe(a);
  Observation b = obs("api.example:8080", "GET", "/users/{id}", 3'000'000, 404);
  b.auth_kind = "none";
  b.response_content_type = "text/html";
  b.params = {{"query", "limit", "integer"}};
  inv.observe(b);
  inv.observe(obs("api.example:8080", "POST", "/users/{id}", 4'000'000, 201));

  REQUIRE(inv.size() == 2);
  const Endpoint* e = find(inv, "api.example:8080", "GET", "/users/{id}");
  REQUIRE(e != nullptr);
  CHECK(e->count == 2);
  CHECK(e->first_seen_us == 3'000'000);  // clocks step back: the extremes are kept
  CHECK(e->last_seen_us == 5'000'000);
  CHECK(e->status_codes == std::vector<std::pair<int, uint64_t>>{{200, 1}, {404, 1}});
  CHECK(e->auth_kinds == std::vector<std::string>{"bearer_jwt", "none"});
  CHECK(e->authenticated());
  CHECK(e->response_content_types == std::vector<std::string>{"application/json", "text/html"});
  CHECK(e->request_content_types.empty());
  REQUIRE(e->params.size() == 2);
  CHECK(e->params[0].name == "expand");
  CHECK(e->params[0].count == 1);
  CHECK(e->params[1].name == "limit");
  CHECK(e->params[1].type == "integer");
  CHECK(e->params[1].count == 2);
  CHECK(e->sensitivity == "low");

  const Endpoint* p = find(inv, "api.example:8080", "POST", "/users/{id}");
  REQUIRE(p != nullptr);
  CHECK_FALSE(p->authenticated());  // "none" only
  CHECK(inv.counters().observations == 3);
  CHECK(inv.counters().endpoints == 2);
}

TEST_CASE("inventory: a status of 0 (no response) and empty fields record nothing") {
  Inventory inv({});
  Observation o = obs("h", "GET", "/", 1, 0);
  o.auth_kind = "";
  o.params = {{"query", "q", "string"}};
  o.request_data_classes = {""};
  inv.observe(o);
  const Endpoint* e = find(inv, "h", "GET", "/");
  REQUIRE(e != nullptr);
  CHECK(e->status_codes.empty());
  CHECK(e->auth_kinds.empty());
  CHECK(e->request_data_classes.empty());
  CHECK(e->params.size() == 1);
}

TEST_CASE("inventory: dirty when new or changed, not for counts or last_seen") {
  Inventory inv({});
  Observation o = obs("h", "GET", "/a");
  o.params = {{"query", "x", "integer"}};
  inv.observe(o);
  CHECK(changed(inv) == std::vector<std::string>{"h GET /a"});
  CHECK(changed(inv).empty());  // marks cleared

  // The same again, later: count and last_seen only.
  o.time_us += 10'000'000;
  inv.observe(o);
  inv.observe(o);
  CHECK(changed(inv).empty());
  CHECK(inv.counters().changes == 1);

  SECTION("a new status code") {
    o.status = 500;
    inv.observe(o);
    CHECK(changed(inv).size() == 1);
  }
  SECTION("a new auth kind") {
    o.auth_kind = "basic";
    inv.observe(o);
    CHECK(changed(inv).size() == 1);
  }
  SECTION("a new content type") {
    o.request_content_type = "application/json";
    inv.observe(o);
    CHECK(changed(inv).size() == 1);
    o.response_content_type = "application/json";
    inv.observe(o);
    CHECK(changed(inv).size() == 1);
  }
  SECTION("a new parameter") {
    o.params.push_back({"body", "x", "integer"});  // same name, another place
    inv.observe(o);
    CHECK(changed(inv).size() == 1);
  }
  SECTION("a parameter's type") {
    o.params = {{"query", "x", "string"}};
    inv.observe(o);
    CHECK(changed(inv).size() == 1);
    o.params = {{"query", "x", "boolean"}};  // already mixed: nothing new
    inv.observe(o);
    CHECK(changed(inv).empty());
  }
  SECTION("a data class and the sensitivity") {
    o.response_data_classes = {"email"};
    inv.observe(o);
    CHECK(changed(inv).size() == 1);
    inv.observe(o);
    CHECK(changed(inv).empty());
  }
  SECTION("several changes between takes: reported once") {
    o.status = 201;
    inv.observe(o);
    o.auth_kind = "api_key";
    inv.observe(o);
    inv.observe(obs("h", "GET", "/b"));
    CHECK(changed(inv) == std::vector<std::string>{"h GET /a", "h GET /b"});
    CHECK(inv.counters().changes == 3);
  }
}

TEST_CASE("inventory: a parameter seen with two value types becomes mixed") {
  Inventory inv({});
  Observation o = obs("h", "POST", "/orders");
  o.params = {{"body", "amount", "integer"}, {"body", "item.id", "string"}};
  inv.observe(o);
  o.params = {{"body", "amount", "number"}, {"body", "item.id", "string"}};
  inv.observe(o);
  const Endpoint* e = find(inv, "h", "POST", "/orders");
  REQUIRE(e != nullptr);
  REQUIRE(e->params.size() == 2);
  CHECK(e->params[0].name == "amount");
  CHECK(e->params[0].type == "mixed");
  CHECK(e->params[0].count == 2);
  CHECK(e->params[1].name == "item.id");
  CHECK(e->params[1].type == "string");
}

TEST_CASE("inventory: parameters sorted by (in, name)") {
  Inventory inv({});
  Observation o = obs("h", "POST", "/p");
  o.params = {{"query", "b", "string"},
              {"body", "z", "string"},
              {"query", "a", "string"},
              {"body", "c", "string"}};
  inv.observe(o);
  const Endpoint* e = find(inv, "h", "POST", "/p");
  REQUIRE(e != nullptr);
  std::vector<std::string> got;
  for (const Endpoint::Param& p : e->params) got.push_back(p.in + ":" + p.name);
  CHECK(got == std::vector<std::string>{"body:c", "body:z", "query:a", "query:b"});
}

TEST_CASE("inventory: caps drop and count, the rest keeps working") {
  InventoryConfig cfg;
  cfg.max_endpoints = 2;
  cfg.max_params = 2;
  cfg.max_status_codes = 2;
  Inventory inv(cfg);

  inv.observe(obs("h", "GET", "/1"));
  inv.observe(obs("h", "GET", "/2"));
  inv.observe(obs("h", "GET", "/3"));
  inv.observe(obs("h", "GET", "/3"));
  CHECK(inv.size() == 2);
  CHECK(inv.counters().endpoints == 2);
  CHECK(inv.counters().endpoints_capped == 2);
  CHECK(inv.counters().observations == 4);
  CHECK(find(inv, "h", "GET", "/3") == nullptr);
  changed(inv);

  // A known endpoint still aggregates at the endpoint cap.
  Observation o = obs("h", "GET", "/1", 2, 201);
  o.params = {{"query", "a", "string"}, {"query", "b", "string"}, {"query", "c", "string"}};
  inv.observe(o);
  o.status = 500;
  o.params = {{"query", "a", "integer"}, {"query", "d", "string"}};
  inv.observe(o);
  const Endpoint* e = find(inv, "h", "GET", "/1");
  REQUIRE(e != nullptr);
  CHECK(e->count == 3);
  CHECK(e->status_codes == std::vector<std::pair<int, uint64_t>>{{200, 1}, {201, 1}});
  CHECK(inv.counters().status_capped == 1);
  REQUIRE(e->params.size() == 2);
  CHECK(e->params[0].type == "mixed");  // known parameters still change at the cap
  CHECK(e->params[1].name == "b");
  CHECK(inv.counters().params_capped == 2);  // "c", then "d"
  // Counts of a capped-out code's siblings still grow.
  o.status = 200;
  o.params.clear();
  inv.observe(o);
  CHECK(e->status_codes.front().second == 2);
}

TEST_CASE("inventory: for_each in (host, template, method) order") {
  Inventory inv({});
  inv.observe(obs("b.example", "GET", "/a"));
  inv.observe(obs("a.example", "POST", "/z"));
  inv.observe(obs("a.example", "GET", "/z"));
  inv.observe(obs("a.example", "DELETE", "/m"));
  inv.observe(obs("b.example", "GET", "/"));
  std::vector<std::string> got;
  inv.for_each(
      [&](const Endpoint& e) { got.push_back(e.host + " " + e.path_template + " " + e.method); });
  CHECK(got == std::vector<std::string>{"a.example /m DELETE", "a.example /z GET",
                                        "a.example /z POST", "b.example / GET",
                                        "b.example /a GET"});
}

TEST_CASE("inventory: data class sensitivity") {
  for (std::string_view c : {"cn_resident_id", "bank_card", "cn_passport", "cn_uscc", "password",
                             "jwt", "aws_access_key", "private_key", "bearer_token", "api_key"}) {
    INFO(c);
    CHECK(data_class_sensitivity(c) == 2);
  }
  for (std::string_view c :
       {"email", "cn_mobile", "person_name", "address", "birth_date", "something_new"}) {
    INFO(c);
    CHECK(data_class_sensitivity(c) == 1);
  }
  CHECK(data_class_sensitivity("") == 0);
}

TEST_CASE("inventory: endpoint sensitivity from what it exposes") {
  Inventory inv({});
  Observation o = obs("h", "POST", "/login");
  o.request_data_classes = {"password", "email"};  // taken, not exposed: medium at most
  inv.observe(o);
  CHECK(find(inv, "h", "POST", "/login")->sensitivity == "medium");

  Observation m = obs("h", "GET", "/me");
  m.response_data_classes = {"email"};
  inv.observe(m);
  CHECK(find(inv, "h", "GET", "/me")->sensitivity == "medium");
  m.response_data_classes = {"cn_resident_id"};
  inv.observe(m);
  const Endpoint* e = find(inv, "h", "GET", "/me");
  CHECK(e->sensitivity == "high");
  CHECK(e->response_data_classes == std::vector<std::string>{"cn_resident_id", "email"});

  inv.observe(obs("h", "GET", "/health"));
  CHECK(find(inv, "h", "GET", "/health")->sensitivity == "low");
}

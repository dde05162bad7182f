// OpenAPI export: a hand-built inventory, the document parsed back with simdjson and its structure
// checked — servers, paths with every placeholder declared as a required path parameter (numbered
// when repeated), query parameters and types, request bodies, responses by status, security
// schemes and requirements, the x-mirador extensions, merging across hosts, escaping.
#include "detectors/inventory/openapi_export.h"

#include <simdjson.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace mirador::detect;

namespace {

Observation obs(std::string_view host, std::string_view method, std::string_view path,
                std::string_view auth = "none", int status = 200) {
  Observation o;
  o.host = host;
  o.method = method;
  o.path_template = path;
  o.time_us = 1'764'000'000'000'000;  // 2025-11-24T16:00:00Z
  o.status = status;
  o.auth_kind = auth;
  return o;
}

std::string sv(simdjson::dom::element e) {
  return std::string(std::string_view(e.get_string()));
}

struct Doc {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string text;
  explicit Doc(const Inventory& inv, const OpenApiOptions& opt = {}) {
    export_openapi(inv, opt, text);
    root = parser.parse(text);  // throws on invalid JSON
  }
  simdjson::simdjson_result<simdjson::dom::element> op(std::string_view path,
                                                       std::string_view method) {
    return root["paths"][path][method];
  }
};

std::vector<std::string> names(simdjson::dom::array params, std::string_view in) {
  std::vector<std::string> out;
  for (simdjson::dom::element p : params)
    if (sv(p["in"]) == in) out.push_back(sv(p["name"]));
  return out;
}

}  // namespace

TEST_CASE("openapi: document header, servers and paths") {
  Inventory inv({});
  inv.observe(obs("a.example", "GET", "/users/{id}"));
  inv.observe(obs("b.example:8080", "GET", "/health"));
  Doc d(inv);
  CHECK(sv(d.root["openapi"]) == "3.0.3");
  CHECK(sv(d.root["info"]["title"]) == "APIs observed by Mirador");
  CHECK(sv(d.root["info"]["version"]) == "1");
  simdjson::dom::array servers = d.root["servers"];
  REQUIRE(servers.size() == 2);
  CHECK(sv(servers.at(0)["url"]) == "http://a.example");
  CHECK(sv(servers.at(1)["url"]) == "http://b.example:8080");
  CHECK(d.root["paths"].get_object().size() == 2);
  // Several servers: each operation names its own.
  CHECK(sv(d.op("/health", "get")["servers"].at(0)["url"]) == "http://b.example:8080");

  OpenApiOptions one;
  one.host = "a.example";
  one.title = "A \"quoted\" title";
  Doc a(inv, one);
  CHECK(sv(a.root["info"]["title"]) == "A \"quoted\" title");
  simdjson::dom::array s1 = a.root["servers"];
  REQUIRE(s1.size() == 1);
  CHECK(sv(s1.at(0)["url"]) == "http://a.example");
  CHECK(a.root["paths"].get_object().size() == 1);
  CHECK(a.op("/users/{id}", "get")["servers"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("openapi: every placeholder is a declared, required path parameter") {
  Inventory inv({});
  inv.observe(obs("h", "GET", "/orgs/{id}/users/{id}/files/{uuid}"));
  inv.observe(obs("h", "GET", "/mail/{email}/on/{date}/{token}/{hex}/{phone}/{param}/{rest}"));
  inv.observe(obs("h", "PUT", "/literal/{notaplaceholder}"));
  Doc d(inv);

  auto o = d.op("/orgs/{id}/users/{id2}/files/{uuid}", "get");
  REQUIRE(o.error() == simdjson::SUCCESS);
  simdjson::dom::array params = o["parameters"];
  CHECK(names(params, "path") == std::vector<std::string>{"id", "id2", "uuid"});
  for (simdjson::dom::element p : params) {
    CHECK(bool(p["required"]) == true);
    const std::string n = sv(p["name"]);
    if (n == "id" || n == "id2") CHECK(sv(p["schema"]["type"]) == "integer");
    if (n == "uuid") CHECK(sv(p["schema"]["format"]) == "uuid");
  }

  auto m = d.op("/mail/{email}/on/{date}/{token}/{hex}/{phone}/{param}/{rest}", "get");
  REQUIRE(m.error() == simdjson::SUCCESS);
  simdjson::dom::array mp = m["parameters"];
  CHECK(names(mp, "path") ==
        std::vector<std::string>{"email", "date", "token", "hex", "phone", "param", "rest"});
  for (simdjson::dom::element p : mp) {
    const std::string n = sv(p["name"]);
    CHECK(sv(p["schema"]["type"]) == "string");
    if (n == "email") CHECK(sv(p["schema"]["format"]) == "email");
    if (n == "date") CHECK(sv(p["schema"]["format"]) == "date");
  }

  // Braces that are not a placeholder are literal: encoded, no parameter.
  auto l = d.op("/literal/%7Bnotaplaceholder%7D", "put");
  REQUIRE(l.error() == simdjson::SUCCESS);
  CHECK(l["parameters"].get_array().size() == 0);
}

TEST_CASE("openapi: templates differing only in placeholder kinds are one path") {
  Inventory inv({});
  inv.observe(obs("h", "GET", "/u/{id}"));
  inv.observe(obs("h", "GET", "/u/{uuid}"));
  inv.observe(obs("h", "DELETE", "/u/{uuid}"));
  Doc d(inv);
  CHECK(d.root["paths"].get_object().size() == 1);
  auto g = d.op("/u/{param}", "get");
  REQUIRE(g.error() == simdjson::SUCCESS);
  CHECK(uint64_t(g["x-mirador-count"]) == 2);
  CHECK(g["x-mirador-hosts"].get_array().size() == 1);  // one host, two templates
  CHECK(sv(g["parameters"].at(0)["schema"]["type"]) == "string");
  CHECK(d.op("/u/{param}", "delete").error() == simdjson::SUCCESS);
}

TEST_CASE("openapi: query parameters, request body and responses") {
  Inventory inv({});
  Observation o = obs("h", "POST", "/orders", "none", 201);
  o.request_content_type = "application/json";
  o.response_content_type = "application/json";
  o.params = {{"query", "dry_run", "boolean"},
              {"query", "v", "integer"},
              {"body", "amount", "number"},
              {"body", "item.sku", "string"},
              {"body", "tags", "array"}};
  inv.observe(o);
  o.status = 400;
  o.params = {{"query", "v", "string"}};  // v becomes mixed
  inv.observe(o);
  o.status = 999;  // not an HTTP status OpenAPI can key
  inv.observe(o);
  inv.observe(obs("h", "GET", "/quiet", "none", 0));
  Doc d(inv);

  auto op = d.op("/orders", "post");
  REQUIRE(op.error() == simdjson::SUCCESS);
  simdjson::dom::array params = op["parameters"];
  CHECK(names(params, "query") == std::vector<std::string>{"dry_run", "v"});
  CHECK(sv(params.at(0)["schema"]["type"]) == "boolean");
  CHECK(params.at(1)["schema"]["type"].error() == simdjson::NO_SUCH_FIELD);  // mixed: untyped
  CHECK(names(params, "body").empty());

  simdjson::dom::element schema = op["requestBody"]["content"]["application/json"]["schema"];
  CHECK(sv(schema["type"]) == "object");
  CHECK(sv(schema["properties"]["amount"]["type"]) == "number");
  CHECK(sv(schema["properties"]["item.sku"]["type"]) == "string");  // flat names
  CHECK(sv(schema["properties"]["tags"]["type"]) == "array");

  simdjson::dom::object responses = op["responses"];
  CHECK(responses.size() == 2);
  CHECK(responses["201"]["content"]["application/json"].error() == simdjson::SUCCESS);
  CHECK(responses["400"].error() == simdjson::SUCCESS);
  CHECK(int64_t(op["x-mirador-other-status"].at(0)) == 999);

  auto quiet = d.op("/quiet", "get");
  CHECK(quiet["requestBody"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(quiet["responses"]["default"].error() == simdjson::SUCCESS);
}

TEST_CASE("openapi: security schemes and requirements from the credential kinds") {
  Inventory inv({});
  inv.observe(obs("h", "GET", "/jwt", "bearer_jwt"));
  inv.observe(obs("h", "GET", "/opaque", "bearer_opaque"));
  inv.observe(obs("h", "GET", "/basic", "basic"));
  inv.observe(obs("h", "GET", "/key", "api_key"));
  inv.observe(obs("h", "GET", "/cookie", "session_cookie"));
  inv.observe(obs("h", "GET", "/open", "none"));
  inv.observe(obs("h", "GET", "/either", "none"));
  inv.observe(obs("h", "GET", "/either", "basic"));
  Doc d(inv);

  simdjson::dom::element s = d.root["components"]["securitySchemes"];
  CHECK(s.get_object().size() == 5);
  CHECK(sv(s["bearer_jwt"]["type"]) == "http");
  CHECK(sv(s["bearer_jwt"]["scheme"]) == "bearer");
  CHECK(sv(s["bearer_jwt"]["bearerFormat"]) == "JWT");
  CHECK(sv(s["bearer_opaque"]["scheme"]) == "bearer");
  CHECK(s["bearer_opaque"]["bearerFormat"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(sv(s["basic"]["scheme"]) == "basic");
  CHECK(sv(s["api_key"]["type"]) == "apiKey");
  CHECK(sv(s["api_key"]["in"]) == "header");
  CHECK(sv(s["api_key"]["name"]) == "X-API-Key");
  CHECK(sv(s["api_key"]["description"]).find("does not keep") != std::string::npos);
  CHECK(sv(s["session_cookie"]["in"]) == "cookie");

  CHECK(d.op("/jwt", "get")["security"].at(0)["bearer_jwt"].error() == simdjson::SUCCESS);
  CHECK(d.op("/open", "get")["security"].get_array().size() == 0);
  simdjson::dom::array either = d.op("/either", "get")["security"];
  REQUIRE(either.size() == 2);  // basic, or nothing
  CHECK(either.at(0)["basic"].error() == simdjson::SUCCESS);
  CHECK(either.at(1).get_object().size() == 0);
}

TEST_CASE("openapi: extensions, merging across hosts, unique operationIds") {
  Inventory inv({});
  Observation a = obs("a", "GET", "/me", "bearer_jwt");
  a.response_data_classes = {"email"};
  a.params = {{"query", "f", "integer"}};
  inv.observe(a);
  Observation b = obs("b", "GET", "/me", "none", 404);
  b.time_us += 60'000'000;
  b.response_data_classes = {"bank_card"};
  b.request_data_classes = {"cn_mobile"};
  b.params = {{"query", "f", "string"}};
  inv.observe(b);
  inv.observe(obs("a", "GET", "/a-b"));
  inv.observe(obs("a", "GET", "/a_b"));
  inv.observe(obs("a", "PROPFIND", "/dav"));
  Doc d(inv);

  auto me = d.op("/me", "get");
  REQUIRE(me.error() == simdjson::SUCCESS);
  CHECK(sv(me["x-mirador-first-seen"]) == "2025-11-24T16:00:00.000000Z");
  CHECK(sv(me["x-mirador-last-seen"]) == "2025-11-24T16:01:00.000000Z");
  CHECK(uint64_t(me["x-mirador-count"]) == 2);
  CHECK(sv(me["x-mirador-sensitivity"]) == "high");
  CHECK(sv(me["x-mirador-data-classes"]["request"].at(0)) == "cn_mobile");
  simdjson::dom::array resp = me["x-mirador-data-classes"]["response"];
  CHECK(resp.size() == 2);
  CHECK(me["servers"].get_array().size() == 2);
  CHECK(me["x-mirador-hosts"].get_array().size() == 2);
  CHECK(me["parameters"].at(0)["schema"]["type"].error() == simdjson::NO_SUCH_FIELD);  // mixed
  CHECK(me["responses"].get_object().size() == 2);
  CHECK(me["security"].get_array().size() == 2);  // bearer_jwt or nothing

  std::vector<std::string> ids;
  for (auto [path, item] : d.root["paths"].get_object())
    for (auto [method, op] : item.get_object()) ids.push_back(sv(op["operationId"]));
  std::sort(ids.begin(), ids.end());
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  CHECK(ids.size() == 3);
  CHECK(std::find(ids.begin(), ids.end(), "get_me") != ids.end());

  CHECK(sv(d.root["x-mirador-other-methods"].at(0)["method"]) == "PROPFIND");
}

TEST_CASE("openapi: strings are escaped and invalid UTF-8 kept readable") {
  Inventory inv({});
  Observation o = obs("h", "GET", "/q");
  const std::string bad = "n\"a\\m\xff\x01\xc3\xa9";
  o.params = {{"query", bad, "string"}};
  inv.observe(o);
  Doc d(inv);
  CHECK(sv(d.op("/q", "get")["parameters"].at(0)["name"]) == "n\"a\\m\\xff\x01\xc3\xa9");
}

TEST_CASE("openapi: an empty inventory is a valid, empty document") {
  Inventory inv({});
  Doc d(inv);
  CHECK(d.root["paths"].get_object().size() == 0);
  CHECK(d.root["servers"].get_array().size() == 0);
}

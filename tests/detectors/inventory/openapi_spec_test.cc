#include "detectors/inventory/openapi_spec.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

using namespace mirador::detect;

namespace {

std::string error_of(std::string_view text, const OpenApiSpecLimits& lim = {}) {
  try {
    OpenApiSpec::parse(text, "spec.yaml", lim);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

SpecStatus status(const OpenApiSpec& s, std::string_view method, std::string_view path) {
  return s.match(method, path).status;
}

constexpr std::string_view kJson30 = R"({
  "openapi": "3.0.3",
  "info": {"title": "t", "version": "1"},
  "servers": [{"url": "https://api.example.com/api/v1"}],
  "paths": {
    "/users/{userId}": {
      "parameters": [{"name": "userId", "in": "path", "required": true}],
      "get": {"responses": {"200": {"description": "ok"}}},
      "put": {"deprecated": true, "responses": {}}
    },
    "/users/me": {"get": {"responses": {}}},
    "/users": {"get": {}, "post": {"deprecated": false}},
    "/files/{name}.json": {"get": {}},
    "/jobs/{id}:cancel": {"post": {}},
    "x-internal": {"get": {}}
  }
})";

constexpr std::string_view kYaml31 = R"(# a comment first: YAML
openapi: 3.1.0
info: {title: t, version: "1"}
servers:
  - url: "{scheme}://shop.example/{base}"
    variables:
      scheme: {default: https}
      base: {default: shop/v2}
  - url: /internal
paths:
  /orders:
    get:
      responses: {"200": {description: ok}}
  /orders/{orderId}:
    delete:
      deprecated: true
    get: {}
  /:
    get: {}
)";

constexpr std::string_view kSwagger = R"(swagger: "2.0"
info: {title: t, version: "1"}
basePath: /legacy
paths:
  /items/{id}:
    get:
      deprecated: yes
    patch: {}
)";

}  // namespace

TEST_CASE("openapi spec: JSON 3.0 with a server prefix, {x} and literal precedence") {
  auto s = OpenApiSpec::parse(kJson30, "spec.json");
  CHECK(s->version() == "3.0.3");
  CHECK(s->operations() == 7);
  CHECK(s->deprecated_operations() == 1);
  CHECK(s->paths() == 5);

  SpecMatch m = s->match("GET", "/api/v1/users/42");
  CHECK(m.status == SpecStatus::documented);
  CHECK(m.spec_path == "/users/{userId}");
  m = s->match("PUT", "/api/v1/users/42");
  CHECK(m.status == SpecStatus::deprecated);
  CHECK(m.spec_path == "/users/{userId}");
  // The literal wins for GET; PUT is only under the template.
  CHECK(s->match("GET", "/api/v1/users/me").spec_path == "/users/me");
  CHECK(s->match("PUT", "/api/v1/users/me").status == SpecStatus::deprecated);
  CHECK(status(*s, "post", "/api/v1/users") == SpecStatus::documented);  // case-insensitive
  CHECK(status(*s, "DELETE", "/api/v1/users") == SpecStatus::undocumented);
  // The prefix is required and segment-aligned; {x} takes exactly one segment.
  CHECK(status(*s, "GET", "/users/42") == SpecStatus::undocumented);
  CHECK(status(*s, "GET", "/api/v1x/users") == SpecStatus::undocumented);
  CHECK(status(*s, "GET", "/api/v1/users/42/orders") == SpecStatus::undocumented);
  CHECK(status(*s, "GET", "/api/v1/users/") == SpecStatus::documented);  // empty segments
  CHECK(status(*s, "GET", "/api//v1/users") == SpecStatus::documented);
  // Mixed segments.
  CHECK(status(*s, "GET", "/api/v1/files/report.json") == SpecStatus::documented);
  CHECK(status(*s, "GET", "/api/v1/files/.json") == SpecStatus::undocumented);
  CHECK(status(*s, "GET", "/api/v1/files/report.xml") == SpecStatus::undocumented);
  CHECK(status(*s, "POST", "/api/v1/jobs/7:cancel") == SpecStatus::documented);
  // Percent-decoded before comparing literals.
  CHECK(status(*s, "GET", "/api/v1/%75sers/me") == SpecStatus::documented);
  // HEAD answers as GET; unknown methods are undocumented; extensions are not paths.
  CHECK(status(*s, "HEAD", "/api/v1/users/9") == SpecStatus::documented);
  CHECK(status(*s, "PROPFIND", "/api/v1/users") == SpecStatus::undocumented);
  CHECK(status(*s, "GET", "/api/v1/x-internal") == SpecStatus::undocumented);
}

TEST_CASE("openapi spec: YAML 3.1, server variables, several servers, root path") {
  auto s = OpenApiSpec::parse(kYaml31, "spec.yaml");
  CHECK(s->version() == "3.1.0");
  CHECK(s->operations() == 4);
  CHECK(status(*s, "GET", "/shop/v2/orders") == SpecStatus::documented);
  CHECK(status(*s, "GET", "/internal/orders") == SpecStatus::documented);
  CHECK(status(*s, "GET", "/orders") == SpecStatus::undocumented);
  SpecMatch m = s->match("DELETE", "/shop/v2/orders/o-17");
  CHECK(m.status == SpecStatus::deprecated);
  CHECK(m.spec_path == "/orders/{orderId}");
  CHECK(status(*s, "GET", "/shop/v2") == SpecStatus::documented);  // "/"
  CHECK(status(*s, "GET", "/shop/v2/") == SpecStatus::documented);
}

TEST_CASE("openapi spec: Swagger 2.0 basePath; HEAD follows a deprecated GET") {
  auto s = OpenApiSpec::parse(kSwagger, "spec.yaml");
  CHECK(s->version() == "2.0");
  CHECK(status(*s, "GET", "/legacy/items/3") == SpecStatus::deprecated);
  CHECK(status(*s, "HEAD", "/legacy/items/3") == SpecStatus::deprecated);
  CHECK(status(*s, "PATCH", "/legacy/items/3") == SpecStatus::documented);
  CHECK(status(*s, "GET", "/items/3") == SpecStatus::undocumented);
}

TEST_CASE("openapi spec: no servers means the API is served at /; a $ref path item") {
  auto s = OpenApiSpec::parse(
      R"({"openapi": "3.0.0", "paths": {"/a/{x}/b": {"get": {}}, "/a/c/d": {"get": {}},
          "/r": {"$ref": "other.yaml#/paths/~1r"}}})",
      "s.json");
  // Backtracking: the literal branch fails deeper, the parameter branch matches.
  CHECK(s->match("GET", "/a/c/b").spec_path == "/a/{x}/b");
  CHECK(s->match("GET", "/a/c/d").spec_path == "/a/c/d");
  CHECK(status(*s, "DELETE", "/r") == SpecStatus::documented);
  CHECK(s->operations() == 2);
}

TEST_CASE("openapi spec: clear errors") {
  CHECK(error_of("") == "spec.yaml: empty document");
  CHECK(error_of("{\"openapi\": ").find("spec.yaml: not valid JSON") == 0);
  CHECK(error_of("openapi: [3.0\n").find("spec.yaml: not valid YAML: line") == 0);
  CHECK(error_of("- a\n- b\n").find("not a mapping") != std::string::npos);
  CHECK(error_of("{\"info\": {}}").find("no 'openapi' or 'swagger' version") != std::string::npos);
  CHECK(error_of("swagger: '1.2'\npaths: {}\n").find("unsupported version '1.2'") !=
        std::string::npos);
  CHECK(error_of("openapi: 3.0.0\npaths:\n  users: {get: {}}\n") ==
        "spec.yaml: path 'users' does not start with '/'");
  CHECK(error_of(R"({"openapi": "3.0.0", "paths": {"/u/{id": {"get": {}}}})") ==
        "spec.yaml: path '/u/{id': unbalanced '{'");
  CHECK(error_of("openapi: 3.0.0\npaths:\n  /u:\n    get:\n      deprecated: maybe\n") ==
        "spec.yaml: line 5: paths./u.get.deprecated: not a boolean");
  CHECK(error_of(R"({"openapi": "3.0.0", "paths": {"/u": {"get": {"deprecated": "yes"}}}})") ==
        "spec.yaml: paths./u.get.deprecated: not a boolean");
  CHECK(error_of(R"({"openapi": "3.0.0", "servers": [{"url": "/{v}"}], "paths": {}})")
            .find("variable {v} has no default") != std::string::npos);
  CHECK(error_of(R"({"openapi": "3.0.0", "paths": {"/u": 3}})") ==
        "spec.yaml: paths./u: not an object");

  OpenApiSpecLimits lim;
  lim.max_paths = 1;
  CHECK(error_of("openapi: 3.0.0\npaths:\n  /a: {get: {}}\n  /b: {get: {}}\n", lim) ==
        "spec.yaml: more than 1 paths (inventory.spec_max_paths)");
  lim = {};
  lim.max_operations = 2;
  CHECK(error_of("openapi: 3.0.0\npaths:\n  /a: {get: {}, put: {}, post: {}}\n", lim) ==
        "spec.yaml: more than 2 operations (inventory.spec_max_operations)");

  try {
    OpenApiSpec::load_file("/nonexistent/spec.yaml");
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "/nonexistent/spec.yaml: cannot open the OpenAPI document");
  }
}

TEST_CASE("openapi spec: load_file reads a file and decides the format by content") {
  const std::string path = "openapi_spec_test.tmp.txt";
  {
    std::ofstream out(path);
    out << "\n  " << kJson30;  // JSON, whatever the name says
  }
  auto s = OpenApiSpec::load_file(path);
  std::remove(path.c_str());
  CHECK(s->operations() == 7);
}

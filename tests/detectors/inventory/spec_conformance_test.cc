#include "detectors/inventory/spec_conformance.h"

#include <catch2/catch.hpp>

using namespace mirador::detect;

namespace {

std::shared_ptr<const OpenApiSpec> spec() {
  return OpenApiSpec::parse(R"(openapi: 3.0.3
servers: [{url: /api}]
paths:
  /users/{id}:
    get: {}
    delete: {deprecated: true}
)",
                            "spec.yaml");
}

SpecRequest req(std::string_view method, std::string_view path, int status, int64_t t = 1) {
  SpecRequest r;
  r.host = "api.example";
  r.method = method;
  r.path = path;
  r.endpoint = path;  // stands for the observed template here
  r.status = status;
  r.time_us = t;
  return r;
}

}  // namespace

TEST_CASE("spec conformance: shadow endpoints that answered, once per window") {
  SpecConformance c(spec(), {});
  std::vector<Finding> out;
  c.check(req("GET", "/api/users/1", 200), {}, out);
  CHECK(out.empty());  // documented

  c.check(req("GET", "/api/admin", 200), {}, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].id == "inventory.shadow_endpoint");
  CHECK(out[0].kind == RuleKind::inventory);
  CHECK(out[0].risk_class == "improper_inventory");
  CHECK(out[0].owasp_api == "API9:2023");
  CHECK(out[0].severity == Severity::medium);
  CHECK(out[0].summary ==
        "Endpoint /api/admin is not in the OpenAPI document but answered (status 200)");

  out.clear();
  c.check(req("GET", "/api/admin", 200, 2), {}, out);  // the same endpoint in the window
  CHECK(out.empty());
  CHECK(c.counters().suppressed == 1);

  // A scanner's misses do not count as answers.
  for (int status : {0, 404, 405, 501}) c.check(req("GET", "/api/.env", status), {}, out);
  CHECK(out.empty());
  CHECK(c.counters().not_answered == 4);
  c.check(req("GET", "/api/.env", 403), {}, out);  // but a 403 says something is there
  CHECK(out.size() == 1);

  // Sensitive data in the response: high, reported even though the medium one was.
  out.clear();
  Finding data;
  data.kind = RuleKind::data;
  data.in_response = true;
  data.severity = Severity::high;
  const Finding found[] = {data};
  c.check(req("GET", "/api/admin", 200, 3), found, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].severity == Severity::high);
  CHECK(c.counters().shadow_findings == 3);

  // After the window the endpoint is reported again.
  out.clear();
  c.check(req("GET", "/api/admin", 200, 3601'000'000LL + 2), {}, out);
  CHECK(out.size() == 1);
}

TEST_CASE("spec conformance: zombie endpoints answer 2xx") {
  SpecConformance c(spec(), {});
  std::vector<Finding> out;
  c.check(req("DELETE", "/api/users/7", 404), {}, out);
  CHECK(out.empty());
  c.check(req("DELETE", "/api/users/7", 204), {}, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].id == "inventory.zombie_endpoint");
  CHECK(out[0].severity == Severity::medium);
  CHECK(out[0].owasp_api == "API9:2023");
  CHECK(out[0].summary == "Deprecated operation DELETE /users/{id} still answers (status 204)");
  CHECK(c.counters().zombie_findings == 1);
  CHECK(c.counters().deprecated == 2);
}

TEST_CASE("spec conformance: below min_severity is counted and keeps the window free") {
  SpecConformanceConfig cfg;
  cfg.min_severity = Severity::high;
  SpecConformance c(spec(), cfg);
  std::vector<Finding> out;
  c.check(req("GET", "/api/admin", 200), {}, out);
  CHECK(out.empty());
  CHECK(c.counters().below_min_severity == 1);
  Finding data;
  data.kind = RuleKind::data;
  data.in_response = true;
  data.severity = Severity::medium;
  const Finding found[] = {data};
  c.check(req("GET", "/api/admin", 200), found, out);
  CHECK(out.size() == 1);
}

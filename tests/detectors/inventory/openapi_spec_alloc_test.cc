// Matching a request against the OpenAPI document allocates nothing (linked into
// fields_alloc_test, whose replaced operator new counts allocations).
#include <catch2/catch.hpp>

#include "detectors/inventory/openapi_spec.h"
#include "tests/detectors/fields/counting_new.h"

using mirador::test::allocation_count;
using namespace mirador::detect;

TEST_CASE("openapi spec: a lookup does not allocate") {
  auto s = OpenApiSpec::parse(R"(openapi: 3.0.3
servers: [{url: /v1}, {url: /}]
paths:
  /users/{id}: {get: {}, delete: {deprecated: true}}
  /users/me: {get: {}}
  /files/{name}.json: {get: {}}
)",
                              "spec.yaml");
  size_t documented = 0;
  const size_t before = allocation_count();
  for (int i = 0; i < 1000; ++i) {
    documented += s->match("GET", "/v1/users/12345").status == SpecStatus::documented;
    documented += s->match("DELETE", "/users/%6De").status == SpecStatus::deprecated;
    documented += s->match("GET", "/v1/files/a.json").status == SpecStatus::documented;
    documented += s->match("GET", "/v1/admin/x/y/z").status == SpecStatus::undocumented;
  }
  CHECK(allocation_count() == before);
  CHECK(documented == 4000);
}

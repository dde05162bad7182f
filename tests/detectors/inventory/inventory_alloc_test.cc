// Observing an endpoint already known, when the observation adds nothing new, allocates nothing:
// the lookup key is a reused string and every set is searched in place. (Linked into
// fields_alloc_test, whose replaced operator new counts allocations.)
#include <catch2/catch.hpp>

#include "detectors/inventory/inventory.h"
#include "tests/detectors/fields/counting_new.h"

using mirador::test::allocation_count;
using namespace mirador::detect;

TEST_CASE("inventory: a known endpoint with nothing new is observed without allocating") {
  Inventory inv({});
  Observation o;
  o.host = "api.example:8080";
  o.method = "POST";
  o.path_template = "/v1/users/{id}/orders/{uuid}";
  o.status = 201;
  o.auth_kind = "bearer_jwt";
  o.request_content_type = "application/json";
  o.response_content_type = "application/json";
  o.params = {{"query", "dry_run", "boolean"},
              {"body", "amount", "number"},
              {"body", "items.sku", "string"}};
  o.request_data_classes = {"bank_card"};
  o.response_data_classes = {"email"};
  o.time_us = 1;
  inv.observe(o);
  inv.take_changed([](const Endpoint&) {});

  const size_t before = allocation_count();
  for (int i = 0; i < 1000; ++i) {
    o.time_us += 1000;
    inv.observe(o);
  }
  const size_t after = allocation_count();
  CHECK(after == before);
  size_t changed = 0;
  inv.take_changed([&](const Endpoint&) { ++changed; });
  CHECK(changed == 0);

  // Something new does allocate (the counter counts).
  o.status = 409;
  const size_t start = allocation_count();
  inv.observe(o);
  CHECK(allocation_count() > start);
}

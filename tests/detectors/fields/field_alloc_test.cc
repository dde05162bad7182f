// Extraction allocates nothing once its buffers have grown: every operator new in this
// executable is counted (its own executable, so the replacement touches no other test).
#include <catch2/catch.hpp>
#include <string>

#include "detectors/fields/field_extractor.h"
#include "tests/detectors/fields/counting_new.h"

using mirador::test::allocation_count;
using namespace mirador::detect;

namespace {

mirador::HttpTransaction big_transaction() {
  mirador::HttpTransaction t;
  t.method = "POST";
  t.uri = "/api/users?page=1&q=a+b%20c&sort=name";
  t.request_headers = {{"Host", "api.example"},
                       {"Cookie", "sid=abc; theme=dark"},
                       {"Content-Type", "multipart/form-data; boundary=B"}};
  t.request_body =
      "--B\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n"
      "\r\n{\"user\":{\"id\":\"u1\",\"tags\":[1,2,3]}}\r\n"
      "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\nbytes\r\n--B--\r\n";
  t.has_response = true;
  t.response_headers = {{"Content-Type", "application/json"}, {"Set-Cookie", "s=1; Path=/"}};
  std::string& s = t.response_body;
  s = R"({"code":0,"data":[)";
  for (int i = 0; i < 10000; ++i) {
    if (i) s += ',';
    s += R"({"id":)" + std::to_string(100000000000000000LL + i) + R"(,"name":"user)" +
         std::to_string(i) + R"(","idCard":"11010519491231002X","mobile":"13800138000",)" +
         R"("we ird":true})";
  }
  s += "]}";
  return t;
}

}  // namespace

TEST_CASE("extraction of a 1 MiB JSON body allocates nothing the second time") {
  const mirador::HttpTransaction t = big_transaction();
  FieldLimits limits;
  limits.max_fields = 100000;
  limits.max_field_bytes = 16u << 20;
  FieldExtractor ex(limits);
  FieldList list;
  const size_t start = allocation_count();
  ex.extract(t, list);
  CHECK(allocation_count() > start);  // the counter counts: the first run grows every buffer
  const size_t fields = list.size();
  REQUIRE(fields > 50000);

  const size_t before = allocation_count();
  ex.extract(t, list);
  ex.extract(t, list);
  const size_t after = allocation_count();
  CHECK(after - before == 0);
  CHECK(list.size() == fields);
  CHECK(ex.counters().fields_dropped == 0);
}

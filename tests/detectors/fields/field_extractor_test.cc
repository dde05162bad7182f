// FieldExtractor: a whole transaction in the documented order, body recognition, counters, caps
// and capacity reuse.
#include "detectors/fields/field_extractor.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/detectors/fields/field_test_util.h"

using namespace mirador::detect;
using mirador::HttpTransaction;
using mirador::detect::test::Row;
using mirador::detect::test::rows;

namespace {

HttpTransaction request(std::string uri) {
  HttpTransaction t;
  t.method = "GET";
  t.uri = std::move(uri);
  t.version = "1.1";
  return t;
}

std::vector<Row> body_fields(FieldExtractor& ex, std::string content_type, std::string body) {
  HttpTransaction t = request("/");
  t.method = "POST";
  if (!content_type.empty()) t.request_headers.push_back({"Content-Type", content_type});
  t.request_body = std::move(body);
  FieldList list;
  ex.extract(t, list);
  std::vector<Row> out;
  for (const Row& r : rows(list)) {
    if (r.where.starts_with("request.body")) out.push_back(r);
  }
  return out;
}

// 10,000 records, about 1 MiB.
std::string records_json() {
  std::string s = R"({"code":0,"data":[)";
  for (int i = 0; i < 10000; ++i) {
    if (i) s += ',';
    s += R"({"id":)" + std::to_string(100000000000000000LL + i) + R"(,"name":"user)" +
         std::to_string(i) + R"(","idCard":"11010519491231002X","mobile":"13800138000",)" +
         R"("vip":true})";
  }
  s += "]}";
  return s;
}

}  // namespace

TEST_CASE("extractor: every part of a transaction, in order") {
  HttpTransaction t = request("/api/v1/users%2Fme?id=42&q=a+b%27&flag");
  t.method = "POST";
  t.request_headers = {{"Host", "api.example"},
                       {"Cookie", "sid=abc; theme=dark"},
                       {"Content-Type", "application/x-www-form-urlencoded"},
                       {"X-Token", "t0k"}};
  t.request_body = "user=alice&password=s%3Dcret";
  t.has_response = true;
  t.status = 200;
  t.response_headers = {{"Content-Type", "application/json"},
                        {"Set-Cookie", "session=xyz; Path=/; HttpOnly"},
                        {"Server", "nginx"}};
  t.response_body = R"({"data":[{"idCard":"11010519491231002X"}]})";

  FieldExtractor ex{FieldLimits{}};
  FieldList list;
  ex.extract(t, list);
  CHECK(rows(list) ==
        std::vector<Row>{
            {"request.target", "", "/api/v1/users/me?id=42&q=a+b'&flag", false},
            {"request.path", "", "/api/v1/users/me", false},
            {"request.query id", "id", "42", false},
            {"request.query q", "q", "a b'", false},
            {"request.query flag", "flag", "", false},
            {"request.header Host", "Host", "api.example", false},
            {"request.header Content-Type", "Content-Type", "application/x-www-form-urlencoded",
             false},
            {"request.header X-Token", "X-Token", "t0k", false},
            {"request.cookie sid", "sid", "abc", false},
            {"request.cookie theme", "theme", "dark", false},
            {"request.body user", "user", "alice", false},
            {"request.body password", "password", "s=cret", false},
            {"response.header Content-Type", "Content-Type", "application/json", false},
            {"response.header Server", "Server", "nginx", false},
            {"response.header Set-Cookie session", "session", "xyz", false},
            {"response.body $.data[0].idCard", "idCard", "11010519491231002X", false},
        });
  const FieldCounters& c = ex.counters();
  CHECK(c.transactions == 1);
  CHECK(c.fields == 16);
  CHECK(c.fields_dropped == 0);
  CHECK(c.form_bodies == 1);
  CHECK(c.json_bodies == 1);
  CHECK(c.raw_bodies == 0);
}

TEST_CASE("extractor: no query, no response, empty bodies give no body field") {
  FieldExtractor ex{FieldLimits{}};
  FieldList list;
  ex.extract(request("/health"), list);
  CHECK(rows(list) == std::vector<Row>{{"request.target", "", "/health", false},
                                       {"request.path", "", "/health", false}});
  HttpTransaction t = request("/");
  t.has_response = true;
  t.response_headers = {{"Content-Type", "application/json"}};
  ex.extract(t, list);
  CHECK(list.size() == 3);  // target, path, the Content-Type header
  CHECK(ex.counters().json_bodies == 0);
  CHECK(ex.counters().raw_bodies == 0);
}

TEST_CASE("extractor: bodies recognised by Content-Type, then by their first byte") {
  FieldExtractor ex{FieldLimits{}};
  CHECK(body_fields(ex, "application/vnd.api+json", R"({"a":"1"})") ==
        std::vector<Row>{{"request.body $.a", "a", "1", false}});
  CHECK(body_fields(ex, "", "  \n[\"x\"]") ==
        std::vector<Row>{{"request.body $[0]", "", "x", false}});
  CHECK(body_fields(ex, "text/plain", R"({"sniffed":true})") ==
        std::vector<Row>{{"request.body $.sniffed", "sniffed", "true", false}});
  CHECK(ex.counters().json_bodies == 3);
  CHECK(body_fields(ex, "application/xml", "<?xml version=\"1.0\"?><!DOCTYPE x>") ==
        std::vector<Row>{{"request.body", "", "<?xml version=\"1.0\"?><!DOCTYPE x>", true}});
  // Sniffed as JSON but not JSON: plain text, not a JSON error.
  CHECK(body_fields(ex, "text/plain", "[INFO] started") ==
        std::vector<Row>{{"request.body", "", "[INFO] started", true}});
  CHECK(ex.counters().json_errors == 0);
  CHECK(ex.counters().raw_bodies == 2);
}

TEST_CASE("extractor: invalid JSON is one raw field and counted") {
  FieldExtractor ex{FieldLimits{}};
  CHECK(body_fields(ex, "application/json", R"({"user":"a","pass":)") ==
        std::vector<Row>{{"request.body", "", R"({"user":"a","pass":)", true}});
  CHECK(ex.counters().json_errors == 1);
  CHECK(ex.counters().raw_bodies == 1);
  CHECK(ex.counters().json_bodies == 0);
}

TEST_CASE("extractor: deep JSON capped and counted") {
  FieldLimits limits;
  limits.max_json_depth = 4;
  FieldExtractor ex{limits};
  CHECK(body_fields(ex, "application/json", R"({"a":{"b":{"c":{"d":{"e":1}}},"k":2}})") ==
        std::vector<Row>{{"request.body $.a.k", "k", "2", false}});
  CHECK(ex.counters().json_too_deep == 1);
}

TEST_CASE("extractor: multipart with a JSON part and a file part; missing boundary") {
  FieldExtractor ex{FieldLimits{}};
  const std::string body =
      "--B\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n"
      "\r\n{\"user\":{\"id\":\"u1\"}}\r\n"
      "--B\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"x.xml\"\r\n\r\n<x/>\r\n"
      "--B--\r\n";
  CHECK(body_fields(ex, "multipart/form-data; boundary=B", body) ==
        std::vector<Row>{{"request.body meta$.user.id", "id", "u1", false},
                         {"request.body doc", "doc", "<x/>", true}});
  CHECK(ex.counters().multipart_bodies == 1);
  CHECK(ex.counters().multipart_errors == 0);

  CHECK(body_fields(ex, "multipart/form-data", body) ==
        std::vector<Row>{{"request.body", "", body, true}});
  CHECK(ex.counters().multipart_errors == 1);
  CHECK(ex.counters().raw_bodies == 1);
}

TEST_CASE("extractor: max_multipart_parts counted") {
  FieldLimits limits;
  limits.max_multipart_parts = 2;
  FieldExtractor ex{limits};
  std::string body;
  for (int i = 0; i < 5; ++i) {
    body += "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f" + std::to_string(i) +
            "\"\r\n\r\ndata\r\n";
  }
  body += "--B--";
  CHECK(body_fields(ex, "multipart/form-data; boundary=B", body).size() == 2);
  CHECK(ex.counters().multipart_parts_dropped == 3);
}

TEST_CASE("extractor: max_fields and max_field_bytes reached → dropped and counted") {
  FieldLimits limits;
  limits.max_fields = 5;
  FieldExtractor ex{limits};
  FieldList list;
  ex.extract(request("/p?a=1&b=2&c=3&d=4&e=5&f=6"), list);  // target, path, 6 params
  CHECK(list.size() == 5);
  CHECK(ex.counters().fields_dropped == 3);
  CHECK(ex.counters().fields == 5);

  FieldLimits small;
  small.max_field_bytes = 64;
  FieldExtractor ex2{small};
  HttpTransaction t = request("/x");
  t.request_headers = {{"Content-Type", "text/plain"}};
  t.request_body = std::string(100, 'A');  // does not fit: dropped, the headers kept
  ex2.extract(t, list);
  CHECK(list.size() == 3);
  CHECK(ex2.counters().fields_dropped == 1);
}

TEST_CASE("extractor: a 1 MiB JSON body of 10k records, capacity reused on the second run") {
  FieldLimits limits;
  limits.max_fields = 100000;
  limits.max_field_bytes = 16u << 20;
  FieldExtractor ex{limits};
  HttpTransaction t = request("/api/users?page=1");
  t.has_response = true;
  t.response_headers = {{"Content-Type", "application/json"}};
  t.response_body = records_json();
  REQUIRE(t.response_body.size() > 900000);
  REQUIRE(t.response_body.size() < 1100000);

  FieldList list;
  ex.extract(t, list);
  REQUIRE(list.size() == 4 + 1 + 10000 * 5);
  std::string where;
  list.location(4 + 1 + 3 * 5 + 2, where);  // target, path, page, Content-Type, code; record 3
  CHECK(where == "response.body $.data[3].idCard");
  CHECK(list[4 + 1 + 9999 * 5].value == "100000000000009999");
  const size_t fields = list.field_capacity();
  const size_t bytes = list.arena_capacity();

  ex.extract(t, list);
  CHECK(list.size() == 4 + 1 + 10000 * 5);
  CHECK(list.field_capacity() == fields);
  CHECK(list.arena_capacity() == bytes);
  CHECK(ex.counters().fields_dropped == 0);
  CHECK(ex.counters().json_bodies == 2);
}

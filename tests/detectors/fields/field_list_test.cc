// FieldList: the arena, its caps, truncation, location strings; part names.
#include <catch2/catch.hpp>

#include "detectors/fields/field.h"
#include "tests/detectors/fields/field_test_util.h"

using namespace mirador::detect;
using mirador::detect::test::Row;
using mirador::detect::test::rows;

TEST_CASE("part_name: every part") {
  CHECK(part_name(Part::request_target) == "request.target");
  CHECK(part_name(Part::request_path) == "request.path");
  CHECK(part_name(Part::request_query) == "request.query");
  CHECK(part_name(Part::request_header) == "request.header");
  CHECK(part_name(Part::request_cookie) == "request.cookie");
  CHECK(part_name(Part::request_body) == "request.body");
  CHECK(part_name(Part::response_header) == "response.header");
  CHECK(part_name(Part::response_body) == "response.body");
}

TEST_CASE("FieldList: views into the arena, locations") {
  FieldList list;
  REQUIRE(list.add(Part::request_target, "", "/a b?x=1", ""));
  REQUIRE(list.add(Part::request_query, "id", "42", "id"));
  REQUIRE(list.add(Part::response_body, "idCard", "11010519491231002X", "$.data[3].idCard"));
  REQUIRE(list.add(Part::request_body, "", "<xml/>", "", true));
  REQUIRE(list.size() == 4);
  const Field f = list[2];
  CHECK(f.part == Part::response_body);
  CHECK(f.key == "idCard");
  CHECK(f.value == "11010519491231002X");
  CHECK(f.path == "$.data[3].idCard");
  CHECK_FALSE(f.raw);
  CHECK(list[3].raw);
  std::string where = "stale";
  list.location(0, where);
  CHECK(where == "request.target");
  list.location(1, where);
  CHECK(where == "request.query id");
  list.location(2, where);
  CHECK(where == "response.body $.data[3].idCard");
  list.location(3, where);
  CHECK(where == "request.body");
}

TEST_CASE("FieldList: max_fields and max_bytes refuse, nothing half-added") {
  FieldList list;
  list.max_fields = 2;
  CHECK(list.add(Part::request_query, "a", "1", "a"));
  CHECK(list.add(Part::request_query, "b", "2", "b"));
  CHECK_FALSE(list.add(Part::request_query, "c", "3", "c"));
  CHECK(list.size() == 2);

  list.clear();
  list.max_fields = 100;
  list.max_bytes = 10;
  CHECK(list.add(Part::request_query, "ab", "cd", "ab"));       // 6 bytes
  CHECK_FALSE(list.add(Part::request_query, "x", "yzw", "x"));  // 5 more: 11 > 10
  CHECK(list.add(Part::request_query, "", "wxyz", ""));         // exactly 10
  CHECK_FALSE(list.add(Part::request_query, "", "", "q"));
  REQUIRE(list.size() == 2);
  CHECK(list[1].value == "wxyz");
  CHECK(list[0].key == "ab");
}

TEST_CASE("FieldList: truncate takes back fields and their bytes; clear keeps capacity") {
  FieldList list;
  list.add(Part::request_query, "a", "1", "a");
  list.add(Part::request_query, "b", "2", "b");
  list.add(Part::request_query, "c", "3", "c");
  list.truncate(1);
  REQUIRE(list.size() == 1);
  list.add(Part::request_query, "d", "4", "d");
  CHECK(rows(list) == std::vector<Row>{{"request.query a", "a", "1", false},
                                       {"request.query d", "d", "4", false}});
  list.truncate(5);  // past the end: nothing
  CHECK(list.size() == 2);

  for (int i = 0; i < 1000; ++i) list.add(Part::request_header, "k", std::string(100, 'v'), "k");
  const size_t fields = list.field_capacity();
  const size_t bytes = list.arena_capacity();
  list.clear();
  CHECK(list.size() == 0);
  CHECK(list.field_capacity() == fields);
  CHECK(list.arena_capacity() == bytes);
}

// JSON bodies walked with simdjson: keys, paths, exact numbers, escapes, depth cap, bad input.
#include "detectors/fields/json_walk.h"

#include <catch2/catch.hpp>
#include <string>

#include "tests/detectors/fields/field_test_util.h"

using namespace mirador::detect;
using mirador::detect::test::Row;
using mirador::detect::test::rows;

namespace {

struct Walk {
  bool ok = false;
  std::vector<Row> fields;
  JsonWalkStats stats;
};

Walk walk(std::string_view json, size_t max_depth = 64, std::string_view prefix = "") {
  JsonWalker walker(max_depth);
  FieldList list;
  Walk w;
  w.ok = walker.walk(json, Part::response_body, prefix, prefix, list, w.stats);
  w.fields = rows(list);
  return w;
}

Row body(std::string path, std::string key, std::string value) {
  return Row{"response.body " + path, std::move(key), std::move(value), false};
}

}  // namespace

TEST_CASE("json: nested objects and arrays give $ paths; array items inherit the key") {
  const Walk w = walk(R"({"code":0,"data":[{"id":1,"idCard":"11010519491231002X"},
      {"id":2,"tags":["a","b"],"ok":true,"none":null}],"page":{"size":10,"more":false}})");
  REQUIRE(w.ok);
  CHECK(w.fields == std::vector<Row>{
                        body("$.code", "code", "0"),
                        body("$.data[0].id", "id", "1"),
                        body("$.data[0].idCard", "idCard", "11010519491231002X"),
                        body("$.data[1].id", "id", "2"),
                        body("$.data[1].tags[0]", "tags", "a"),
                        body("$.data[1].tags[1]", "tags", "b"),
                        body("$.data[1].ok", "ok", "true"),
                        body("$.page.size", "size", "10"),
                        body("$.page.more", "more", "false"),
                    });
}

TEST_CASE("json: the exact location string of a nested value") {
  std::string doc = R"({"data":[)";
  for (int i = 0; i < 5; ++i) {
    doc += (i ? "," : "") + std::string(R"({"idCard":"id)") + std::to_string(i) + "\"}";
  }
  doc += "]}";
  JsonWalker walker(64);
  FieldList list;
  JsonWalkStats stats;
  REQUIRE(walker.walk(doc, Part::response_body, "", "", list, stats));
  REQUIRE(list.size() == 5);
  std::string where;
  list.location(3, where);
  CHECK(where == "response.body $.data[3].idCard");
  CHECK(list[3].value == "id3");
}

TEST_CASE("json: keys that are not identifiers are bracketed; UTF-8 keys are not") {
  const Walk w = walk(R"({"we ird":{"a-b":1,"":2,"it's":3,"x\\y":4,"_ok$1":5,"9lives":6},
      "姓名":"张三"})");
  REQUIRE(w.ok);
  CHECK(w.fields == std::vector<Row>{
                        body("$['we ird']['a-b']", "a-b", "1"),
                        body("$['we ird']['']", "", "2"),
                        body(R"($['we ird']['it\'s'])", "it's", "3"),
                        body(R"($['we ird']['x\\y'])", "x\\y", "4"),
                        body("$['we ird']._ok$1", "_ok$1", "5"),
                        body("$['we ird']['9lives']", "9lives", "6"),
                        body("$.姓名", "姓名", "张三"),
                    });
}

TEST_CASE("json: numbers keep their token text digit for digit") {
  const Walk w = walk(R"({"id":110105194912310021,"big":123456789012345678901234567890,
      "neg":-0.10,"exp":1E+3,"f":12.50})");
  REQUIRE(w.ok);
  CHECK(w.fields == std::vector<Row>{
                        body("$.id", "id", "110105194912310021"),
                        body("$.big", "big", "123456789012345678901234567890"),
                        body("$.neg", "neg", "-0.10"),
                        body("$.exp", "exp", "1E+3"),
                        body("$.f", "f", "12.50"),
                    });
}

TEST_CASE("json: string escapes decoded, \\u included (surrogate pairs too)") {
  const Walk w = walk(R"({"name":"\u5f20\u4e09","emoji":"\ud83d\ude00","q":"a\"b\\c\/d\n"})");
  REQUIRE(w.ok);
  CHECK(w.fields == std::vector<Row>{
                        body("$.name", "name", "张三"),
                        body("$.emoji", "emoji", "\xF0\x9F\x98\x80"),
                        body("$.q", "q", "a\"b\\c/d\n"),
                    });
}

TEST_CASE("json: root arrays and scalars; keys inherited from the caller") {
  CHECK(walk(R"([1,"x",[true]])").fields == std::vector<Row>{body("$[0]", "", "1"),
                                                             body("$[1]", "", "x"),
                                                             body("$[2][0]", "", "true")});
  CHECK(walk(R"( "just text" )").fields == std::vector<Row>{body("$", "", "just text")});
  CHECK(walk("  42 \n").fields == std::vector<Row>{body("$", "", "42")});
  CHECK(walk("null").ok);
  CHECK(walk("null").fields.empty());
  CHECK(walk("{}").ok);
  CHECK(walk("[]").ok);
  const Walk part = walk(R"({"user":{"id":7}})", 64, "meta");
  REQUIRE(part.ok);
  CHECK(part.fields == std::vector<Row>{body("meta$.user.id", "id", "7")});
  CHECK(walk(R"([5])", 64, "meta").fields == std::vector<Row>{body("meta$[0]", "meta", "5")});
}

TEST_CASE("json: containers below the depth cap are skipped and counted, the rest kept") {
  // depth 1: the root object; 2: "a"; 3: "b" (skipped with max_depth 2).
  const Walk w = walk(R"({"x":1,"a":{"y":2,"b":{"z":3},"c":[4]},"after":5})", 2);
  REQUIRE(w.ok);
  CHECK(w.stats.too_deep == 2);
  CHECK(w.fields == std::vector<Row>{body("$.x", "x", "1"), body("$.a.y", "y", "2"),
                                     body("$.after", "after", "5")});

  // 200 levels of arrays with the default cap of 64: the leaf is skipped, the sibling kept.
  const std::string deep =
      "{\"s\":1,\"d\":" + std::string(200, '[') + "\"leaf\"" + std::string(200, ']') + ",\"t\":2}";
  const Walk d = walk(deep);
  REQUIRE(d.ok);
  CHECK(d.stats.too_deep == 1);
  CHECK(d.fields == std::vector<Row>{body("$.s", "s", "1"), body("$.t", "t", "2")});
}

TEST_CASE("json: far deeper than any cap (100k levels): skipped without recursion or error") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const Walk w = walk(deep);
  CHECK(w.ok);
  CHECK(w.stats.too_deep == 1);
  CHECK(w.fields.empty());
  CHECK_FALSE(walk(std::string(100000, '[')).ok);  // never closed
}

TEST_CASE("json: invalid documents are rejected and leave nothing behind") {
  for (const char* bad :
       {"", "   ", "{", R"({"a":1,})", R"({"a":1} {"b":2})", R"({"a":1]})", R"({"a":tru})",
        R"({"a":01})", R"({"a":1.})", R"({"a":-})", R"({"a":"unterminated})", R"({"a" 1})",
        R"([1,2)", "[1,,2]", R"({"a":nul})", "\"\xff\"", R"({"a":1}x)", "12 34", "nope"}) {
    INFO(bad);
    JsonWalker walker(64);
    FieldList list;
    list.add(Part::request_target, "", "/before", "");
    JsonWalkStats stats;
    CHECK_FALSE(walker.walk(bad, Part::request_body, "", "", list, stats));
    CHECK(list.size() == 1);
    CHECK(stats.dropped == 0);
  }
}

TEST_CASE("json: fields the list refuses are counted, the walk goes on") {
  JsonWalker walker(64);
  FieldList list;
  list.max_fields = 3;
  JsonWalkStats stats;
  REQUIRE(walker.walk("[1,2,3,4,5,6,7]", Part::request_body, "", "", list, stats));
  CHECK(list.size() == 3);
  CHECK(stats.dropped == 4);
}

TEST_CASE("json: one walker reused across documents of different sizes") {
  JsonWalker walker(64);
  FieldList list;
  JsonWalkStats stats;
  const std::string big = "[" + std::string(100000, ' ') + "\"x\"]";
  REQUIRE(walker.walk(big, Part::request_body, "", "", list, stats));
  list.clear();
  REQUIRE(walker.walk(R"({"k":"v"})", Part::request_body, "", "", list, stats));
  REQUIRE(list.size() == 1);
  CHECK(list[0].value == "v");
  list.clear();
  CHECK_FALSE(walker.walk("{", Part::request_body, "", "", list, stats));
  REQUIRE(walker.walk("[true]", Part::request_body, "", "", list, stats));
  CHECK(list[0].value == "true");
}

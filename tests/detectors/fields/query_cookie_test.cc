// Query strings, form bodies and cookies cut into fields.
#include <catch2/catch.hpp>

#include "detectors/fields/cookie_split.h"
#include "detectors/fields/query_split.h"
#include "tests/detectors/fields/field_test_util.h"

using namespace mirador::detect;
using mirador::detect::test::Row;
using mirador::detect::test::rows;

namespace {

std::vector<Row> query(std::string_view q) {
  FieldList list;
  QueryScratch scratch;
  REQUIRE(add_query_fields(q, Part::request_query, list, scratch) == 0);
  return rows(list);
}

std::vector<Row> cookies(std::string_view header) {
  FieldList list;
  REQUIRE(add_cookie_fields(header, Part::request_cookie, list) == 0);
  return rows(list);
}

}  // namespace

TEST_CASE("query: names and values decoded, '+' a space, '&' the only separator") {
  CHECK(query("id=42&name=a+b%20c") ==
        std::vector<Row>{{"request.query id", "id", "42", false},
                         {"request.query name", "name", "a b c", false}});
  CHECK(query("a=1;b=2") == std::vector<Row>{{"request.query a", "a", "1;b=2", false}});
  CHECK(query("user%5Bname%5D=x") ==
        std::vector<Row>{{"request.query user[name]", "user[name]", "x", false}});
  CHECK(query("q=1=2") == std::vector<Row>{{"request.query q", "q", "1=2", false}});
}

TEST_CASE("query: empty, '&&', no '=', %00, malformed escapes") {
  CHECK(query("").empty());
  CHECK(query("&&&").empty());
  CHECK(query("a=1&&b=2&") == std::vector<Row>{{"request.query a", "a", "1", false},
                                               {"request.query b", "b", "2", false}});
  CHECK(query("debug&x=") == std::vector<Row>{{"request.query debug", "debug", "", false},
                                              {"request.query x", "x", "", false}});
  CHECK(query("=v") == std::vector<Row>{{"request.query", "", "v", false}});
  CHECK(query("f=a%00b") ==
        std::vector<Row>{{"request.query f", "f", std::string("a\0b", 3), false}});
  CHECK(query("p=100%&q=%zz%4") == std::vector<Row>{{"request.query p", "p", "100%", false},
                                                    {"request.query q", "q", "%zz%4", false}});
  CHECK(query("q=%27%20OR%201%3D1--") ==
        std::vector<Row>{{"request.query q", "q", "' OR 1=1--", false}});
}

TEST_CASE("query: refused fields are counted") {
  FieldList list;
  list.max_fields = 2;
  QueryScratch scratch;
  CHECK(add_query_fields("a=1&b=2&c=3&d=4", Part::request_query, list, scratch) == 2);
  CHECK(list.size() == 2);
}

TEST_CASE("cookies: pairs trimmed, quotes removed, no '=' is a value with an empty name") {
  CHECK(cookies("a=b; c=d") == std::vector<Row>{{"request.cookie a", "a", "b", false},
                                                {"request.cookie c", "c", "d", false}});
  CHECK(cookies(" sid = \"x y\" ;;  theme=dark;") ==
        std::vector<Row>{{"request.cookie sid", "sid", "x y", false},
                         {"request.cookie theme", "theme", "dark", false}});
  CHECK(cookies("lonetoken") == std::vector<Row>{{"request.cookie", "", "lonetoken", false}});
  CHECK(cookies("jwt=eyJ.a=b") ==
        std::vector<Row>{{"request.cookie jwt", "jwt", "eyJ.a=b", false}});
  CHECK(cookies("").empty());
  CHECK(cookies(" ; ; ").empty());
}

TEST_CASE("Set-Cookie: the pair before the first ';'") {
  std::string_view name, value;
  REQUIRE(split_set_cookie("sid=abc123; Path=/; HttpOnly; Secure", name, value));
  CHECK(name == "sid");
  CHECK(value == "abc123");
  REQUIRE(split_set_cookie("token=; Max-Age=0", name, value));
  CHECK(name == "token");
  CHECK(value.empty());
  CHECK_FALSE(split_set_cookie("; Path=/", name, value));
  CHECK_FALSE(split_set_cookie("", name, value));
}

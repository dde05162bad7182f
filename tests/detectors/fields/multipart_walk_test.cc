// multipart/form-data: boundary, part names, JSON and file parts, caps, broken bodies.
#include "detectors/fields/multipart_walk.h"

#include <catch2/catch.hpp>
#include <string>

#include "detectors/fields/media_type.h"
#include "tests/detectors/fields/field_test_util.h"

using namespace mirador::detect;
using mirador::detect::test::Row;
using mirador::detect::test::rows;

namespace {

Row req(std::string path, std::string key, std::string value, bool raw = false) {
  return Row{"request.body" + (path.empty() ? "" : " " + path), std::move(key), std::move(value),
             raw};
}

const std::string kForm =
    "preamble ignored\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"title\"\r\n"
    "\r\n"
    "hello world\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"meta\"\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "\r\n"
    "{\"user\":{\"id\":110105194912310021,\"phone\":\"13800138000\"}}\r\n"
    "--XyZ\r\n"
    "content-disposition: form-data; name=\"avatar\"; filename=\"a;b.png\"\r\n"
    "Content-Type: image/png\r\n"
    "\r\n"
    "\x89PNG\r\n\x1a\n--not-a-delimiter\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"empty\"\r\n"
    "\r\n"
    "\r\n"
    "--XyZ--\r\n"
    "epilogue ignored";

}  // namespace

TEST_CASE("media types and header parameters") {
  CHECK(body_kind("application/json") == BodyKind::json);
  CHECK(body_kind("Application/JSON; charset=utf-8") == BodyKind::json);
  CHECK(body_kind("application/problem+json") == BodyKind::json);
  CHECK(body_kind("text/json") == BodyKind::json);
  CHECK(body_kind("application/x-www-form-urlencoded") == BodyKind::form);
  CHECK(body_kind(" multipart/form-data ; boundary=x") == BodyKind::multipart);
  CHECK(body_kind("text/html") == BodyKind::other);
  CHECK(body_kind("") == BodyKind::other);
  std::string_view v;
  REQUIRE(header_param("multipart/form-data; boundary=----abc", "boundary", v));
  CHECK(v == "----abc");
  REQUIRE(header_param("multipart/form-data; charset=x; BOUNDARY=\"a b;c\"", "boundary", v));
  CHECK(v == "a b;c");
  REQUIRE(header_param("form-data; filename=\"x.txt\"; name=\"f\"", "name", v));
  CHECK(v == "f");
  REQUIRE(header_param("form-data; name=\"say \\\"hi\\\"\"; filename=y", "filename", v));
  CHECK(v == "y");
  CHECK_FALSE(header_param("multipart/form-data", "boundary", v));
  CHECK_FALSE(header_param("form-data; flag; other=1", "name", v));
  CHECK_FALSE(header_param("form-data; name=\"unterminated", "filename", v));
}

TEST_CASE("multipart: text, JSON (walked under the part name) and file parts") {
  JsonWalker json(64);
  MultipartWalker walker(json, 64);
  FieldList list;
  MultipartWalkStats stats;
  REQUIRE(walker.walk(kForm, "multipart/form-data; boundary=XyZ", Part::request_body, list, stats));
  CHECK(rows(list) == std::vector<Row>{
                          req("title", "title", "hello world"),
                          req("meta$.user.id", "id", "110105194912310021"),
                          req("meta$.user.phone", "phone", "13800138000"),
                          req("avatar", "avatar", "\x89PNG\r\n\x1a\n--not-a-delimiter", true),
                      });
  CHECK(stats.json_errors == 0);
  CHECK(stats.parts_dropped == 0);
}

TEST_CASE("multipart: quoted boundary, bare LF line ends") {
  JsonWalker json(64);
  MultipartWalker walker(json, 64);
  FieldList list;
  MultipartWalkStats stats;
  const std::string body = "--a b\nContent-Disposition: form-data; name=q\n\nx' OR 1=1\n--a b--\n";
  REQUIRE(
      walker.walk(body, "multipart/form-data; boundary=\"a b\"", Part::request_body, list, stats));
  CHECK(rows(list) == std::vector<Row>{req("q", "q", "x' OR 1=1")});
}

TEST_CASE("multipart: a JSON part that is not JSON is one raw field, counted") {
  JsonWalker json(64);
  MultipartWalker walker(json, 64);
  FieldList list;
  MultipartWalkStats stats;
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n"
      "\r\n{\"a\":\r\n--b--";
  REQUIRE(walker.walk(body, "multipart/form-data; boundary=b", Part::request_body, list, stats));
  CHECK(rows(list) == std::vector<Row>{req("meta", "meta", "{\"a\":", true)});
  CHECK(stats.json_errors == 1);
}

TEST_CASE("multipart: missing boundary, opening or closing delimiter → rejected, nothing left") {
  JsonWalker json(64);
  MultipartWalker walker(json, 64);
  MultipartWalkStats stats;
  FieldList list;
  list.add(Part::request_target, "", "/upload", "");
  CHECK_FALSE(walker.walk(kForm, "multipart/form-data", Part::request_body, list, stats));
  CHECK_FALSE(
      walker.walk(kForm, "multipart/form-data; boundary=", Part::request_body, list, stats));
  CHECK_FALSE(
      walker.walk(kForm, "multipart/form-data; boundary=other", Part::request_body, list, stats));
  const std::string truncated =
      kForm.substr(0, kForm.find("--XyZ\r\nContent-Disposition: form-data; name=\"empty\""));
  CHECK_FALSE(
      walker.walk(truncated, "multipart/form-data; boundary=XyZ", Part::request_body, list, stats));
  CHECK_FALSE(walker.walk("--XyZ\r\nContent-Disposition: form-data; name=a\r\n",
                          "multipart/form-data; boundary=XyZ", Part::request_body, list, stats));
  CHECK(list.size() == 1);
  CHECK(stats.dropped == 0);
  CHECK(stats.json_errors == 0);
}

TEST_CASE("multipart: parts past max_parts are counted, not kept") {
  JsonWalker json(64);
  MultipartWalker walker(json, 3);
  std::string body;
  for (int i = 0; i < 10; ++i) {
    body +=
        "--b\r\nContent-Disposition: form-data; name=\"f" + std::to_string(i) + "\"\r\n\r\nv\r\n";
  }
  body += "--b--\r\n";
  FieldList list;
  MultipartWalkStats stats;
  REQUIRE(walker.walk(body, "multipart/form-data; boundary=b", Part::request_body, list, stats));
  CHECK(list.size() == 3);
  CHECK(stats.parts_dropped == 7);
}

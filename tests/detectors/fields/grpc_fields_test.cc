// gRPC bodies in field extraction: messages split, decompressed, walked as protobuf; leaves as
// fields with "$[i].<field path>" paths; caps and errors counted.
#include <catch2/catch.hpp>
#include <string>

#include "detectors/fields/field_extractor.h"
#include "tests/decoders/body/compress.h"
#include "tests/decoders/grpc/pb_build.h"
#include "tests/detectors/fields/field_test_util.h"

namespace mirador::detect {
namespace {

using namespace mirador::test;
using test::Row;

HttpTransaction grpc_call(std::string request_msg, std::string response_body,
                          std::string content_type = "application/grpc") {
  HttpTransaction t;
  t.method = "POST";
  t.uri = "/user.v1.Users/Get";
  t.version = "2";
  t.request_headers.push_back({"content-type", content_type});
  t.request_body = grpc_frame(request_msg);
  t.has_response = true;
  t.status = 200;
  t.response_headers.push_back({"content-type", content_type});
  t.response_body = std::move(response_body);
  return t;
}

std::vector<Row> body_rows(const FieldList& list) {
  std::vector<Row> out;
  for (const Row& r : test::rows(list)) {
    if (r.where.rfind("request.body", 0) == 0 || r.where.rfind("response.body", 0) == 0) {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("gRPC bodies: every text and number leaf is a field", "[fields][grpc]") {
  const std::string user = pb_bytes(1, "li.wei@example.com") + pb_uint(2, 42) +
                           pb_bytes(5, pb_bytes(1, "Beijing")) +
                           pb_bytes(9, std::string("\0\1", 2));
  const std::string reply = pb_bytes(1, user) + pb_bytes(1, pb_bytes(1, "b@example.org"));
  HttpTransaction t = grpc_call(pb_uint(1, 7), grpc_frame(reply) + grpc_frame(pb_uint(3, 1)));
  FieldExtractor x(FieldLimits{});
  FieldList list;
  x.extract(t, list);
  const std::vector<Row> want = {
      {"request.body $[0].1", "1", "7"},
      {"response.body $[0].1[0].1", "1", "li.wei@example.com"},
      {"response.body $[0].1[0].2", "2", "42"},
      {"response.body $[0].1[0].5.1", "1", "Beijing"},  // field 9 (bytes) is not a field
      {"response.body $[0].1[1].1", "1", "b@example.org"},
      {"response.body $[1].3", "3", "1"},
  };
  CHECK(body_rows(list) == want);
  CHECK(x.counters().grpc_bodies == 2);
  CHECK(x.counters().grpc_messages == 3);
  CHECK(x.counters().grpc_errors == 0);
  CHECK(x.counters().raw_bodies == 0);
}

TEST_CASE("gRPC bodies: compressed per grpc-encoding, request and response", "[fields][grpc]") {
  const std::string msg = pb_bytes(2, pb_bytes(3, "secret-value-here"));
  HttpTransaction t = grpc_call("", "");
  t.request_body = grpc_frame(zcompress(msg, 15), 1);
  t.request_headers.push_back({"grpc-encoding", "deflate"});
  t.response_body = grpc_frame(zcompress(msg, 31), 1);
  t.response_headers.push_back({"grpc-encoding", "gzip"});
  FieldExtractor x(FieldLimits{});
  FieldList list;
  x.extract(t, list);
  const std::vector<Row> want = {
      {"request.body $[0].2.3", "3", "secret-value-here"},
      {"response.body $[0].2.3", "3", "secret-value-here"},
  };
  CHECK(body_rows(list) == want);

  // Without the header the compressed message cannot be read: counted, skipped.
  t.response_headers.pop_back();
  x.extract(t, list);
  CHECK(body_rows(list).size() == 1);
  CHECK(x.counters().grpc_decompression_errors == 1);
}

TEST_CASE("gRPC bodies: a message that is not protobuf is scanned raw", "[fields][grpc]") {
  HttpTransaction t = grpc_call("", grpc_frame("plain text, not protobuf"));
  t.request_body.clear();
  FieldExtractor x(FieldLimits{});
  FieldList list;
  x.extract(t, list);
  const std::vector<Row> want = {
      {"response.body $[0]", "", "plain text, not protobuf", true},
  };
  CHECK(body_rows(list) == want);
  CHECK(x.counters().grpc_errors == 1);

  // A message cut by the end of the body keeps what was walked before the cut.
  const std::string whole = grpc_frame(pb_bytes(1, "kept") + pb_bytes(2, "lost at the cut"));
  t.response_body = whole.substr(0, whole.size() - 4);
  x.extract(t, list);
  const std::vector<Row> cut = {{"response.body $[0].1", "1", "kept"}};
  CHECK(body_rows(list) == cut);
  CHECK(x.counters().grpc_truncated == 1);
  CHECK(x.counters().grpc_errors == 1);
}

TEST_CASE("gRPC bodies: JSON flavour and gRPC-Web text", "[fields][grpc]") {
  HttpTransaction t =
      grpc_call("", grpc_frame(R"({"user":{"email":"a@b.example"}})"), "application/grpc+json");
  t.request_body.clear();
  FieldExtractor x(FieldLimits{});
  FieldList list;
  x.extract(t, list);
  std::vector<Row> want = {{"response.body [0]$.user.email", "email", "a@b.example"}};
  CHECK(body_rows(list) == want);

  // gRPC-Web text: base64 of the framed body. grpc_frame(pb_bytes(1, "hi")) = 00 00 00 00 04 0a
  // 02 68 69.
  t = grpc_call("", "AAAAAAQKAmhp", "application/grpc-web-text+proto");
  t.request_body.clear();
  x.extract(t, list);
  want = {{"response.body $[0].1", "1", "hi"}};
  CHECK(body_rows(list) == want);
}

TEST_CASE("gRPC bodies: caps are counted", "[fields][grpc]") {
  std::string body;
  for (int i = 0; i < 5; ++i) body += grpc_frame(pb_uint(1, 1) + pb_uint(2, 2) + pb_uint(3, 3));
  std::string deep = pb_bytes(1, "\x01\x02");
  for (int i = 0; i < 6; ++i) deep = pb_bytes(1, deep);
  body += grpc_frame(deep);
  HttpTransaction t = grpc_call("", body);
  t.request_body.clear();
  FieldLimits lim;
  lim.max_grpc_messages = 6;
  lim.max_grpc_leaves = 2;
  lim.max_grpc_depth = 3;
  FieldExtractor x(lim);
  FieldList list;
  x.extract(t, list);
  CHECK(body_rows(list).size() == 10);  // 2 leaves of each of the 5 messages; deep is bytes
  CHECK(x.counters().grpc_leaves_dropped == 5);
  CHECK(x.counters().grpc_too_deep == 1);
  t.response_body += grpc_frame(pb_uint(1, 1));
  x.extract(t, list);
  CHECK(x.counters().grpc_messages_dropped == 1);
}

}  // namespace mirador::detect

// The engine with the shipped rules on a gRPC call: a sensitive value inside a nested message of
// a gzip-compressed response is found, located by its message and field path, and masked.
#include <catch2/catch.hpp>
#include <string>

#include "detectors/engine/detection_engine.h"
#include "tests/decoders/body/compress.h"
#include "tests/decoders/grpc/pb_build.h"

namespace mirador::detect {

TEST_CASE("a resident ID in a compressed gRPC response is found with its location",
          "[engine][grpc]") {
  using namespace mirador::test;
  static std::shared_ptr<const CompiledRules> rules = load_compiled_rules("");
  DetectionEngine engine(rules, DetectionConfig{});

  // GetUserReply { 1: status 0, 2: User { 1: id 1001, 2: "Li Wei", 5: Identity { 3: "<id>" },
  // 6: "li.wei@example.com" } }, as the second message of the stream.
  const std::string identity = pb_uint(1, 1) + pb_bytes(3, "11010519491231002X");
  const std::string user = pb_uint(1, 1001) + pb_bytes(2, "Li Wei") + pb_bytes(5, identity) +
                           pb_bytes(6, "li.wei@example.com");
  const std::string reply = pb_uint(1, 0) + pb_bytes(2, user);

  HttpTransaction t;
  t.method = "POST";
  t.uri = "/user.v1.UserService/GetUser";
  t.version = "2";
  t.authority = "api.example.com";
  t.scheme = "http";
  t.request_headers.push_back({"content-type", "application/grpc"});
  t.request_headers.push_back({"grpc-accept-encoding", "gzip"});
  t.request_body = grpc_frame(pb_uint(1, 1001));
  t.request_body_len = t.request_body.size();
  t.has_response = true;
  t.status = 200;
  t.response_headers.push_back({"content-type", "application/grpc"});
  t.response_headers.push_back({"grpc-encoding", "gzip"});
  t.response_body =
      grpc_frame(zcompress(pb_uint(1, 1), 31), 1) + grpc_frame(zcompress(reply, 31), 1);
  t.response_body_len = t.response_body.size();
  t.grpc_status = 0;

  const std::vector<Finding>& fs = engine.inspect(t);
  const Finding* id = nullptr;
  const Finding* email = nullptr;
  for (const Finding& f : fs) {
    if (f.kind == RuleKind::data && f.data_class == "cn_resident_id") id = &f;
    if (f.kind == RuleKind::data && f.data_class == "email") email = &f;
  }
  REQUIRE(id != nullptr);
  CHECK(id->in_response);
  CHECK(id->count == 1);
  REQUIRE(id->locations.size() == 1);
  CHECK(id->locations[0] == "response.body $[1].2.5.3");
  REQUIRE(id->samples.size() == 1);
  CHECK(id->samples[0].find("11010519491231002X") == std::string::npos);
  REQUIRE(email != nullptr);
  REQUIRE(email->locations.size() == 1);
  CHECK(email->locations[0] == "response.body $[1].2.6");
}

}  // namespace mirador::detect

#include "decoders/grpc/grpc_message.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/decoders/body/compress.h"
#include "tests/decoders/grpc/pb_build.h"

using namespace mirador::grpc;
using mirador::test::grpc_frame;
using mirador::test::zcompress;

namespace {

struct Seen {
  uint32_t index;
  bool compressed;
  bool complete;
  std::string data;
};

std::vector<Seen> read_all(std::string_view body, std::string_view encoding, MessageCounters& c,
                           const MessageLimits& limits = {}, uint32_t* returned = nullptr) {
  std::vector<Seen> out;
  std::string scratch;
  const uint32_t n = for_each_message(body, encoding, limits, c, scratch, [&](const Message& m) {
    out.push_back({m.index, m.compressed, m.complete, std::string(m.data)});
  });
  if (returned) *returned = n;
  return out;
}

}  // namespace

TEST_CASE("gRPC framing: several messages in order, an empty one included", "[grpc]") {
  const std::string body = grpc_frame("alpha") + grpc_frame("") + grpc_frame("gamma!");
  MessageCounters c;
  uint32_t n = 0;
  const auto seen = read_all(body, "", c, {}, &n);
  REQUIRE(n == 3);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].data == "alpha");
  CHECK(seen[1].data.empty());
  CHECK(seen[2].data == "gamma!");
  CHECK(seen[2].index == 2);
  CHECK(seen[2].complete);
  CHECK(c.messages == 3);
  CHECK(c.truncated == 0);
  CHECK(c.compressed == 0);
}

TEST_CASE("gRPC framing: a body ending inside a prefix or inside a message", "[grpc]") {
  MessageCounters c;
  // Split prefix: 3 of the 5 bytes of the second prefix.
  std::string body = grpc_frame("one") + grpc_frame("two").substr(0, 3);
  auto seen = read_all(body, "", c);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].data == "one");
  CHECK(c.truncated == 1);

  // The message itself is cut: what there is, marked incomplete.
  MessageCounters c2;
  body = grpc_frame("0123456789").substr(0, 5 + 4);
  seen = read_all(body, "identity", c2);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].data == "0123");
  CHECK_FALSE(seen[0].complete);
  CHECK(c2.truncated == 1);
}

TEST_CASE("gRPC framing: compressed messages with gzip and deflate", "[grpc]") {
  const std::string plain(3000, 'x');
  for (const auto& [enc, bits] : {std::pair<std::string, int>{"gzip", 31}, {"deflate", 15}}) {
    DYNAMIC_SECTION(enc) {
      const std::string body = grpc_frame(zcompress(plain, bits), 1) + grpc_frame("raw one", 0);
      MessageCounters c;
      const auto seen = read_all(body, enc, c);
      REQUIRE(seen.size() == 2);
      CHECK(seen[0].compressed);
      CHECK(seen[0].complete);
      CHECK(seen[0].data == plain);
      CHECK_FALSE(seen[1].compressed);  // the flag is per message
      CHECK(seen[1].data == "raw one");
      CHECK(c.compressed == 1);
      CHECK(c.decompression_errors == 0);
    }
  }
}

TEST_CASE("gRPC framing: unknown or missing encoding, corrupt data", "[grpc]") {
  const std::string z = zcompress("hello", 31);
  for (const char* enc : {"snappy", "", "identity"}) {
    MessageCounters c;
    const auto seen = read_all(grpc_frame(z, 1) + grpc_frame("next"), enc, c);
    REQUIRE(seen.size() == 1);  // the undecodable one is skipped, the next one read
    CHECK(seen[0].index == 1);
    CHECK(c.decompression_errors == 1);
  }
  MessageCounters c;
  const auto seen = read_all(grpc_frame("not gzip at all", 1), "gzip", c);
  CHECK(seen.empty());
  CHECK(c.decompression_errors == 1);
}

TEST_CASE("gRPC framing: a decompression bomb and the message cap", "[grpc]") {
  const std::string big(8u << 20, '\0');
  const std::string bomb = zcompress(big, 31);  // ~8 KiB → 8 MiB: ratio ~1000
  MessageCounters c;
  auto seen = read_all(grpc_frame(bomb, 1), "gzip", c);
  CHECK(seen.empty());
  CHECK(c.decompression_errors == 1);

  // Under the ratio, over max_message: kept up to the cap, incomplete.
  MessageLimits lim;
  lim.max_message = 1000;
  lim.max_decompress_ratio = 100000;
  MessageCounters c2;
  seen = read_all(grpc_frame(zcompress(std::string(5000, 'a'), 31), 1), "gzip", c2, lim);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].data.size() == 1000);
  CHECK_FALSE(seen[0].complete);
  CHECK(c2.truncated == 1);
  // Same for an uncompressed one.
  MessageCounters c3;
  seen = read_all(grpc_frame(std::string(5000, 'b')), "", c3, lim);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].data.size() == 1000);
  CHECK_FALSE(seen[0].complete);
}

TEST_CASE("gRPC framing: messages past max_messages are counted, not read", "[grpc]") {
  std::string body;
  for (int i = 0; i < 10; ++i) body += grpc_frame("m" + std::to_string(i));
  MessageLimits lim;
  lim.max_messages = 4;
  MessageCounters c;
  uint32_t n = 0;
  const auto seen = read_all(body, "", c, lim, &n);
  CHECK(seen.size() == 4);
  CHECK(n == 10);
  CHECK(c.messages == 4);
  CHECK(c.messages_dropped == 6);
}

TEST_CASE("gRPC framing: gRPC-Web trailer frames are skipped", "[grpc]") {
  const std::string body = grpc_frame("msg") + grpc_frame("grpc-status:0\r\n", 0x80);
  MessageCounters c;
  const auto seen = read_all(body, "", c);
  REQUIRE(seen.size() == 1);
  CHECK(c.web_trailers == 1);
  CHECK(c.messages == 1);
}

TEST_CASE("gRPC content types", "[grpc]") {
  CHECK(is_grpc_content_type("application/grpc"));
  CHECK(is_grpc_content_type("application/grpc+proto"));
  CHECK(is_grpc_content_type("Application/GRPC+json"));
  CHECK(is_grpc_content_type("application/grpc-web+proto"));
  CHECK(is_grpc_content_type("application/grpc-web-text"));
  CHECK(is_grpc_content_type(" application/grpc; charset=utf-8"));
  CHECK_FALSE(is_grpc_content_type("application/grpcx"));
  CHECK_FALSE(is_grpc_content_type("application/json"));
  CHECK_FALSE(is_grpc_content_type(""));
}

// Fuzz target: gRPC message framing (grpc::for_each_message, compressed messages included)
// and the schema-less protobuf walk over each message and over the whole input.
// Byte 0 picks the grpc-encoding (identity, gzip, deflate, an unknown one); the rest is a body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "decoders/grpc/grpc_message.h"
#include "decoders/grpc/protobuf_walk.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

constexpr std::string_view kEncodings[] = {"", "gzip", "deflate", "snappy"};

struct LeafCheck {
  volatile size_t sum = 0;
  void operator()(const mirador::grpc::Leaf& l) {
    size_t n = l.path.size() + l.value.size();
    for (char c : l.value) n += static_cast<unsigned char>(c);
    sum = sum + n;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mirador::fuzz::FuzzInput in(data, size);
  const std::string_view encoding = kEncodings[in.u8() % 4];
  size_t len = 0;
  const uint8_t* body = in.rest(len);
  const std::string_view text(reinterpret_cast<const char*>(body), len);

  mirador::grpc::MessageLimits limits;
  limits.max_messages = 16;
  limits.max_message = 64u << 10;
  mirador::grpc::MessageCounters counters;
  mirador::grpc::WalkLimits walk_limits;
  walk_limits.max_depth = 16;
  walk_limits.max_leaves = 512;
  mirador::grpc::ProtobufWalker walker(walk_limits);
  LeafCheck check;
  std::string scratch;
  const uint32_t seen = mirador::grpc::for_each_message(text, encoding, limits, counters, scratch,
                                                        [&](const mirador::grpc::Message& m) {
                                                          if (m.data.size() > limits.max_message)
                                                            std::abort();
                                                          walker.walk(m.data, check);
                                                        });
  if (counters.messages_dropped > 0 && seen < limits.max_messages) std::abort();
  walker.walk(text, check);
  mirador::grpc::is_grpc_content_type(text.substr(0, 64));
  return 0;
}

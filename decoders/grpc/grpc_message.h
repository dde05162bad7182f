// gRPC message framing (the gRPC over HTTP/2 protocol): a body is a sequence of length-prefixed
// messages, each a 1-byte compressed flag, a 4-byte big-endian length and the message. Compressed
// messages use the call's grpc-encoding ("gzip", "deflate"; "identity" means none) and are
// decoded with the body decoders' caps, so a hostile message cannot expand into memory.
// gRPC-Web bodies use the same framing; a frame whose flag has bit 0x80 set carries the call's
// trailers (text, not a message): it is counted and skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "decoders/body/content_decoder.h"

namespace mirador::grpc {

struct MessageLimits {
  uint32_t max_messages = 64;     // messages read per body; the rest are counted, not read
  size_t max_message = 4u << 20;  // a message's decoded bytes kept (BodyLimits.max_output)
  uint32_t max_decompress_ratio = 200;
};

struct MessageCounters {
  uint64_t messages = 0;
  uint64_t compressed = 0;
  uint64_t truncated = 0;             // the body ended inside a message (or over max_message)
  uint64_t decompression_errors = 0;  // corrupt, bomb, or an encoding we do not know
  uint64_t messages_dropped = 0;      // past max_messages
  uint64_t web_trailers = 0;          // gRPC-Web trailer frames skipped
};

// One message, decoded when it was compressed. `data` points into the body or into `scratch`.
struct Message {
  uint32_t index = 0;  // 0-based position in the body
  bool compressed = false;
  bool complete = true;  // false: the body ended inside it (data holds what there was)
  std::string_view data;
};

// Calls `fn(const Message&)` for each message of `body`, in order. `encoding` is the
// grpc-encoding header's value (empty: identity). `scratch` is reused for decompressed messages
// (valid only during the call of fn). A message that cannot be decoded (compressed with an
// unknown encoding, corrupt, a bomb) is counted and fn is not called for it; one longer than
// max_message, or cut by the end of the body, is passed with complete = false. A body ending
// inside a 5-byte prefix counts as truncated. Never throws; returns the number of messages seen
// (dropped ones included; gRPC-Web trailer frames excluded).
using MessageFn = void (*)(void* ctx, const Message& m);
uint32_t for_each_message(std::string_view body, std::string_view encoding,
                          const MessageLimits& limits, MessageCounters& counters,
                          std::string& scratch, void* ctx, MessageFn fn);

template <typename Fn>
uint32_t for_each_message(std::string_view body, std::string_view encoding,
                          const MessageLimits& limits, MessageCounters& counters,
                          std::string& scratch, Fn&& fn) {
  using F = std::remove_reference_t<Fn>;
  return for_each_message(body, encoding, limits, counters, scratch,
                          const_cast<void*>(static_cast<const void*>(&fn)),
                          [](void* ctx, const Message& m) { (*static_cast<F*>(ctx))(m); });
}

// True for Content-Type "application/grpc", "application/grpc+proto", "application/grpc-web..."
// (the JSON flavour "application/grpc+json" too: its messages are JSON, not protobuf).
bool is_grpc_content_type(std::string_view content_type);

}  // namespace mirador::grpc

// Schema-less protobuf walk: the wire format read without a .proto, as `protoc --decode_raw`
// does, so sensitive-data detectors see the strings and numbers inside gRPC messages. Each leaf is
// handed over with its field path: field numbers from the root, joined by '.', a repeated field's
// position in brackets ("1.3[2].4"). A length-delimited field is read as text when it is valid,
// printable UTF-8; else as an embedded message when it parses as one entirely; else as bytes
// (reported by length only). Varints, fixed32 and fixed64 are numbers (as unsigned decimal text;
// fixed ones also as float/double when that reads as a plausible value is NOT attempted: a
// schema-less reader cannot know). Groups (deprecated wire types 3/4) are skipped as a unit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mirador::grpc {

enum class LeafKind : uint8_t { text, number, bytes };

struct Leaf {
  std::string_view path;  // "1.3[2].4"
  uint32_t field = 0;     // the last field number
  LeafKind kind = LeafKind::text;
  std::string_view value;  // text, or a number's decimal digits; empty for bytes
  size_t length = 0;       // bytes of the value on the wire
};

struct WalkLimits {
  uint32_t max_depth = 32;     // embedded messages deeper than this are reported as bytes
  uint32_t max_leaves = 4096;  // leaves per message; the rest are counted, not reported
};

struct WalkCounters {
  uint64_t messages = 0;
  uint64_t leaves = 0;
  uint64_t malformed = 0;  // the top-level message did not parse to its end
  uint64_t too_deep = 0;
  uint64_t leaves_dropped = 0;
};

// Calls `fn(const Leaf&)` for each leaf of `message`, depth first in wire order. Returns false
// when the message is not valid protobuf at the top level (leaves before the fault were still
// reported). Never throws, never recurses deeper than max_depth.
class ProtobufWalker {
 public:
  explicit ProtobufWalker(const WalkLimits& limits) : limits_(limits) {}

  template <typename Fn>
  bool walk(std::string_view message, Fn&& fn);

  const WalkCounters& counters() const { return counters_; }

 private:
  WalkLimits limits_;
  WalkCounters counters_;
  std::string path_;    // the current path, reused
  std::string number_;  // a number's text, reused
};

}  // namespace mirador::grpc

// Schema-less protobuf walk: the wire format read without a .proto, as `protoc --decode_raw`
// does, so sensitive-data detectors see the strings and numbers inside gRPC messages. Each leaf is
// handed over with its field path: field numbers from the root, joined by '.', a repeated field's
// position in brackets ("1.3[2].4"). A length-delimited field is read as text when it is valid,
// printable UTF-8; else as an embedded message when it parses as one entirely; else as bytes
// (reported by length only). Varints, fixed32 and fixed64 are numbers (as unsigned decimal text;
// fixed ones also as float/double when that reads as a plausible value is NOT attempted: a
// schema-less reader cannot know). Groups (deprecated wire types 3/4) are skipped as a unit.
// A field is "repeated" when its number occurs more than once in its message: every occurrence
// then carries its 0-based position ("3[0]", "3[1]"), a single one has none ("3"). Packed repeated
// scalars are one length-delimited field: without a schema they read as bytes (or as a message
// when the bytes happen to parse as one). Printable text that starts with a tab, LF or CR (the
// tag bytes of field 1) and parses entirely as a message is read as a message: a sub-message
// whose first field is a long string looks printable as a whole. Varints are at most 10 bytes,
// the 10th holding the one bit left (0 or 1); longer ones are malformed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

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
  bool walk(std::string_view message, Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    return walk(message, const_cast<void*>(static_cast<const void*>(&fn)),
                [](void* ctx, const Leaf& l) { (*static_cast<F*>(ctx))(l); });
  }
  // The same, with a plain callback (what the template calls).
  using LeafFn = void (*)(void* ctx, const Leaf& leaf);
  bool walk(std::string_view message, void* ctx, LeafFn fn);

  const WalkCounters& counters() const { return counters_; }

 private:
  // Occurrences of one field number in one message: how many, and the next one's position.
  struct FieldCount {
    uint32_t field;
    uint32_t total;
    uint32_t next;
  };
  void walk_fields(std::string_view message, size_t end, uint32_t depth);
  void length_delimited(std::string_view data, uint32_t field, uint32_t depth);
  void emit(uint32_t field, LeafKind kind, std::string_view value, size_t length);

  WalkLimits limits_;
  WalkCounters counters_;
  std::string path_;    // the current path, reused
  std::string number_;  // a number's text, reused
  // Per depth: the field numbers of the message being walked there, then their counts. Reused.
  std::vector<std::vector<uint32_t>> numbers_;
  std::vector<std::vector<FieldCount>> counts_;
  // The walk in progress.
  void* ctx_ = nullptr;
  LeafFn fn_ = nullptr;
  uint32_t reported_ = 0;
};

}  // namespace mirador::grpc

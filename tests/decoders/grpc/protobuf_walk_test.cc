#include "decoders/grpc/protobuf_walk.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "decoders/grpc/grpc_message.h"
#include "tests/decoders/grpc/pb_build.h"

using namespace mirador::grpc;
using namespace mirador::test;

namespace {

struct Got {
  std::string path;
  uint32_t field;
  LeafKind kind;
  std::string value;
  size_t length;
};

std::vector<Got> walk_all(std::string_view msg, bool* ok = nullptr, const WalkLimits& lim = {},
                          WalkCounters* counters = nullptr) {
  ProtobufWalker w(lim);
  std::vector<Got> out;
  const bool r = w.walk(msg, [&](const Leaf& l) {
    out.push_back({std::string(l.path), l.field, l.kind, std::string(l.value), l.length});
  });
  if (ok) *ok = r;
  if (counters) *counters = w.counters();
  return out;
}

}  // namespace

TEST_CASE("protobuf walk: scalars, text and nested messages with paths", "[grpc][protobuf]") {
  // { 1: "alice", 2: 150, 3: { 1: "x@y.example", 4: { 7: 3 } }, 5: fixed32 7, 6: fixed64 }
  const std::string inner2 = pb_uint(7, 3);
  const std::string inner = pb_bytes(1, "x@y.example") + pb_bytes(4, inner2);
  const std::string msg = pb_bytes(1, "alice") + pb_uint(2, 150) + pb_bytes(3, inner) +
                          pb_fixed(5, 7, 4) + pb_fixed(6, 0xffffffffffffffffull, 8);
  bool ok = false;
  WalkCounters c;
  const auto g = walk_all(msg, &ok, {}, &c);
  REQUIRE(ok);
  REQUIRE(g.size() == 6);
  CHECK((g[0].path == "1" && g[0].kind == LeafKind::text && g[0].value == "alice"));
  CHECK((g[1].path == "2" && g[1].kind == LeafKind::number && g[1].value == "150"));
  CHECK(g[1].length == 2);
  CHECK((g[2].path == "3.1" && g[2].value == "x@y.example" && g[2].field == 1));
  CHECK((g[3].path == "3.4.7" && g[3].value == "3" && g[3].field == 7));
  CHECK((g[4].path == "5" && g[4].value == "7" && g[4].length == 4));
  CHECK((g[5].path == "6" && g[5].value == "18446744073709551615"));
  CHECK(c.messages == 1);
  CHECK(c.leaves == 6);
  CHECK(c.malformed == 0);
}

TEST_CASE("protobuf walk: repeated fields carry their position", "[grpc][protobuf]") {
  // { 1: "a", 3: {4: "p"}, 3: {4: "q", 4: "r"}, 2: 1, 3: {4: "s"} }
  const std::string msg = pb_bytes(1, "a") + pb_bytes(3, pb_bytes(4, "p")) +
                          pb_bytes(3, pb_bytes(4, "q") + pb_bytes(4, "r")) + pb_uint(2, 1) +
                          pb_bytes(3, pb_bytes(4, "s"));
  const auto g = walk_all(msg);
  REQUIRE(g.size() == 6);
  CHECK(g[0].path == "1");
  CHECK(g[1].path == "3[0].4");
  CHECK(g[2].path == "3[1].4[0]");
  CHECK(g[3].path == "3[1].4[1]");
  CHECK(g[4].path == "2");
  CHECK(g[5].path == "3[2].4");
  CHECK(g[5].value == "s");
}

TEST_CASE("protobuf walk: packed scalars and binary data are bytes", "[grpc][protobuf]") {
  // packed [1, 2, 300]: 01 02 AC 02 — field 0 / bad tags, so not a message; not text either.
  const std::string packed = pb_varint(1) + pb_varint(2) + pb_varint(300);
  const std::string binary("\x00\xff\x10\x80", 4);
  const auto g = walk_all(pb_bytes(4, packed) + pb_bytes(5, binary));
  REQUIRE(g.size() == 2);
  CHECK((g[0].kind == LeafKind::bytes && g[0].value.empty() && g[0].length == 4));
  CHECK((g[1].kind == LeafKind::bytes && g[1].length == 4));
}

TEST_CASE("protobuf walk: varint edge cases", "[grpc][protobuf]") {
  // 10-byte varint of 2^64-1 (a negative int64), and of 2^63.
  bool ok = false;
  auto g = walk_all(pb_uint(1, ~0ull) + pb_uint(2, 1ull << 63), &ok);
  REQUIRE(ok);
  REQUIRE(g.size() == 2);
  CHECK(g[0].value == "18446744073709551615");
  CHECK(g[0].length == 10);
  CHECK(g[1].value == "9223372036854775808");

  // An 11-byte varint (overlong) is malformed; so is a 10th byte above 1.
  std::string overlong = pb_tag(1, 0) + std::string(10, '\x80') + std::string(1, '\x00');
  g = walk_all(pb_uint(2, 5) + overlong, &ok);
  CHECK_FALSE(ok);
  REQUIRE(g.size() == 1);  // the leaf before the fault is still reported
  CHECK(g[0].path == "2");
  std::string high = pb_tag(1, 0) + std::string(9, '\xff') + std::string(1, '\x02');
  g = walk_all(high, &ok);
  CHECK_FALSE(ok);
  CHECK(g.empty());

  // A non-minimal (padded) varint of 1 is accepted, as protobuf does.
  g = walk_all(pb_tag(1, 0) + std::string("\x81\x80\x00", 3), &ok);
  REQUIRE(ok);
  REQUIRE(g.size() == 1);
  CHECK(g[0].value == "1");
}

TEST_CASE("protobuf walk: malformed messages", "[grpc][protobuf]") {
  bool ok = true;
  WalkCounters c;
  // Length past the end.
  walk_all(pb_tag(1, 2) + pb_varint(50) + "short", &ok, {}, &c);
  CHECK_FALSE(ok);
  CHECK(c.malformed == 1);
  // Field number 0, wire types 6 and 7, a fixed32 cut short, an end group without start.
  for (const std::string& bad :
       {pb_varint(0 << 3), pb_tag(1, 6) + "x", pb_tag(1, 7), pb_tag(2, 5) + "ab", pb_tag(3, 4)}) {
    walk_all(bad, &ok);
    CHECK_FALSE(ok);
  }
  // Plain text is not a message.
  walk_all("hello world", &ok);
  CHECK_FALSE(ok);
  // The empty message is valid and has no leaves.
  CHECK(walk_all("", &ok).empty());
  CHECK(ok);
}

TEST_CASE("protobuf walk: groups are skipped as a unit", "[grpc][protobuf]") {
  const std::string group = pb_tag(2, 3) + pb_bytes(1, "hidden") + pb_tag(5, 3) + pb_uint(1, 9) +
                            pb_tag(5, 4) + pb_tag(2, 4);
  bool ok = false;
  auto g = walk_all(pb_uint(1, 1) + group + pb_uint(3, 3), &ok);
  REQUIRE(ok);
  REQUIRE(g.size() == 2);
  CHECK(g[0].path == "1");
  CHECK(g[1].path == "3");
  // An end tag of another field number does not close the group.
  g = walk_all(pb_tag(2, 3) + pb_uint(1, 1) + pb_tag(4, 4), &ok);
  CHECK_FALSE(ok);
}

TEST_CASE("protobuf walk: the depth cap", "[grpc][protobuf]") {
  // 40 levels of { 1: { 1: ... { 2: "deep" } } }
  std::string msg = pb_bytes(2, "deep\x01");  // not printable: reported as bytes when too deep
  for (int i = 0; i < 40; ++i) msg = pb_bytes(1, msg);
  WalkLimits lim;
  lim.max_depth = 8;
  bool ok = false;
  WalkCounters c;
  const auto g = walk_all(msg, &ok, lim, &c);
  REQUIRE(ok);
  REQUIRE(g.size() == 1);
  CHECK(g[0].kind == LeafKind::bytes);
  CHECK(g[0].path == "1.1.1.1.1.1.1.1.1");  // 8 embedded levels walked, the 9th is bytes
  CHECK(c.too_deep == 1);

  // Within the cap, the leaf is reached.
  lim.max_depth = 64;
  const auto g2 = walk_all(msg, &ok, lim);
  REQUIRE(g2.size() == 1);
  CHECK(g2[0].kind == LeafKind::bytes);  // "deep\x01" is not text, nor a message
  CHECK(g2[0].path.size() == 41 * 2 - 1);
}

TEST_CASE("protobuf walk: printable text versus embedded message", "[grpc][protobuf]") {
  // Text that happens to parse as a message ("AB" = field 8 fixed64 needs 8 bytes: no) stays
  // text; a short sub-message has a length byte below 0x20, so it is not printable.
  auto g = walk_all(pb_bytes(1, "J\x01x"));  // 'J' = field 9 wire 2, length 1: parses, not text
  REQUIRE(g.size() == 1);
  CHECK(g[0].path == "1.9");
  CHECK(g[0].value == "x");

  // "(hi" parses as a message? '(' = field 5 varint, 'h' = 104 needs... 'h' < 0x80: value 104,
  // then 'i' = field 13 wire 1 needs 8 bytes: fails. So it is text.
  g = walk_all(pb_bytes(1, "(hi"));
  REQUIRE(g.size() == 1);
  CHECK((g[0].kind == LeafKind::text && g[0].value == "(hi"));

  // Printable text that is a whole message of varints: '(' 'h' = {5: 104}. Text wins (does not
  // start with a field-1 tag byte).
  g = walk_all(pb_bytes(1, "(h"));
  REQUIRE(g.size() == 1);
  CHECK((g[0].kind == LeafKind::text && g[0].value == "(h"));

  // A sub-message whose first field is a string of 32+ printable bytes reads as printable text as
  // a whole ('\n' then ' ' as the length): read as the message it is.
  const std::string addr = "221B Baker Street, London NW1 6XE, UK";
  g = walk_all(pb_bytes(3, pb_bytes(1, addr)));
  REQUIRE(g.size() == 1);
  CHECK(g[0].path == "3.1");
  CHECK(g[0].value == addr);

  // The ambiguity the rule settles: {7: 42} is the bytes "8*", printable, so it reads as text.
  g = walk_all(pb_bytes(4, pb_uint(7, 42)));
  REQUIRE(g.size() == 1);
  CHECK((g[0].path == "4" && g[0].value == "8*"));

  // Text starting with a newline that is not a message stays text.
  g = walk_all(pb_bytes(2, "\nhello there\n"));
  REQUIRE(g.size() == 1);
  CHECK(g[0].kind == LeafKind::text);

  // UTF-8 text is text; invalid UTF-8 is not.
  g = walk_all(pb_bytes(1, "姓名 张三") + pb_bytes(2, "\xc3\x28"));
  REQUIRE(g.size() == 2);
  CHECK(g[0].kind == LeafKind::text);
  CHECK(g[1].kind == LeafKind::bytes);
  // The empty string is (empty) text.
  g = walk_all(pb_bytes(1, ""));
  REQUIRE(g.size() == 1);
  CHECK((g[0].kind == LeafKind::text && g[0].value.empty()));
}

TEST_CASE("protobuf walk: the leaf cap", "[grpc][protobuf]") {
  std::string msg;
  for (int i = 0; i < 100; ++i) msg += pb_uint(1, i);
  WalkLimits lim;
  lim.max_leaves = 10;
  ProtobufWalker w(lim);
  int n = 0;
  REQUIRE(w.walk(msg, [&](const Leaf& l) {
    if (n == 9) CHECK(l.path == "1[9]");
    ++n;
  }));
  CHECK(n == 10);
  CHECK(w.counters().leaves_dropped == 90);
  // The cap is per message: the walker is reused.
  n = 0;
  w.walk(msg, [&](const Leaf&) { ++n; });
  CHECK(n == 10);
}

TEST_CASE("protobuf walk and framing: random and mutated input is bounded", "[grpc][protobuf]") {
  // A valid message to mutate, with nesting, repeats, a group and every wire type.
  const std::string base =
      pb_bytes(1, "alice") + pb_uint(2, 300) +
      pb_bytes(3, pb_bytes(1, "x@y.example") + pb_bytes(4, pb_fixed(7, 5, 4))) +
      pb_bytes(3, pb_uint(9, 1)) + pb_tag(6, 3) + pb_uint(1, 1) + pb_tag(6, 4) + pb_fixed(8, 1, 8);
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  WalkLimits lim;
  lim.max_depth = 6;
  ProtobufWalker w(lim);
  MessageLimits ml;
  ml.max_message = 4096;
  MessageCounters mc;
  std::string scratch;
  uint64_t leaves = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string m = base;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = next() % m.size();
      switch (next() % 3) {
        case 0:
          m[at] = static_cast<char>(next());
          break;
        case 1:
          m.erase(at, 1 + next() % 3);
          break;
        default:
          m.insert(at, 1, static_cast<char>(next()));
      }
      if (m.empty()) m = "x";
    }
    w.walk(m, [&](const Leaf& l) {
      ++leaves;
      REQUIRE(l.path.size() < 64 * 16);
      if (l.kind != LeafKind::bytes) REQUIRE(l.value.size() <= m.size());
    });
    const std::string body = grpc_frame(m, static_cast<uint8_t>(next() & 1)) + m;
    for_each_message(body, (i & 1) ? "gzip" : "deflate", ml, mc, scratch,
                     [&](const Message& msg) { REQUIRE(msg.data.size() <= ml.max_message); });
  }
  CHECK(w.counters().messages == 20000);
  CHECK(w.counters().malformed > 0);
  CHECK(w.counters().malformed < 20000);
  CHECK(leaves > 0);
}

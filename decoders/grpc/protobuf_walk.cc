#include "decoders/grpc/protobuf_walk.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace mirador::grpc {

namespace {

constexpr uint32_t kMaxField = (1u << 29) - 1;
// Groups nested inside a skipped group: deeper is treated as malformed (groups are deprecated;
// real ones are shallow), so skipping needs no recursion and no allocation.
constexpr uint32_t kMaxGroupNesting = 64;

enum WireType : uint8_t {
  varint = 0,
  fixed64 = 1,
  length = 2,
  start_group = 3,
  end_group = 4,
  fixed32 = 5
};

// At most 10 bytes; the 10th may only hold bit 63 (0 or 1) and must end the varint.
bool read_varint(std::string_view s, size_t& pos, uint64_t& v) {
  v = 0;
  for (unsigned i = 0; i < 10; ++i) {
    if (pos >= s.size()) return false;
    const auto b = static_cast<unsigned char>(s[pos++]);
    if (i == 9 && b > 1) return false;
    v |= uint64_t{b & 0x7fu} << (7 * i);
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

struct Record {
  uint32_t field = 0;
  uint8_t wire = 0;
  uint64_t number = 0;     // varint, fixed32, fixed64
  std::string_view data;   // length-delimited
  size_t wire_length = 0;  // bytes of the value on the wire
};

bool read_tag(std::string_view s, size_t& pos, uint32_t& field, uint8_t& wire) {
  uint64_t tag = 0;
  if (!read_varint(s, pos, tag) || tag > 0xffffffffu) return false;
  field = static_cast<uint32_t>(tag >> 3);
  wire = static_cast<uint8_t>(tag & 7);
  return field != 0 && field <= kMaxField;
}

bool read_fixed(std::string_view s, size_t& pos, size_t n, uint64_t& v) {
  if (s.size() - pos < n) return false;
  v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<unsigned char>(s[pos + i])} << (8 * i);
  pos += n;
  return true;
}

// Skips a group's content after its start tag, through the matching end tag.
bool skip_group(std::string_view s, size_t& pos, uint32_t field) {
  uint32_t open[kMaxGroupNesting];
  uint32_t depth = 0;
  open[depth++] = field;
  while (depth > 0) {
    uint32_t f = 0;
    uint8_t w = 0;
    uint64_t v = 0;
    if (!read_tag(s, pos, f, w)) return false;
    switch (w) {
      case varint:
        if (!read_varint(s, pos, v)) return false;
        break;
      case fixed64:
        if (!read_fixed(s, pos, 8, v)) return false;
        break;
      case fixed32:
        if (!read_fixed(s, pos, 4, v)) return false;
        break;
      case length:
        if (!read_varint(s, pos, v) || v > s.size() - pos) return false;
        pos += static_cast<size_t>(v);
        break;
      case start_group:
        if (depth == kMaxGroupNesting) return false;
        open[depth++] = f;
        break;
      case end_group:
        if (open[depth - 1] != f) return false;
        --depth;
        break;
      default:
        return false;
    }
  }
  return true;
}

// One record from `pos`. Groups are skipped whole and come back with wire = start_group.
bool read_record(std::string_view s, size_t& pos, Record& r) {
  if (!read_tag(s, pos, r.field, r.wire)) return false;
  const size_t start = pos;
  switch (r.wire) {
    case varint:
      if (!read_varint(s, pos, r.number)) return false;
      break;
    case fixed64:
      if (!read_fixed(s, pos, 8, r.number)) return false;
      break;
    case fixed32:
      if (!read_fixed(s, pos, 4, r.number)) return false;
      break;
    case length: {
      uint64_t n = 0;
      if (!read_varint(s, pos, n) || n > s.size() - pos) return false;
      r.data = s.substr(pos, static_cast<size_t>(n));
      pos += static_cast<size_t>(n);
      r.wire_length = r.data.size();
      return true;
    }
    case start_group:
      if (!skip_group(s, pos, r.field)) return false;
      break;
    default:  // an end tag without its start, or wire types 6 and 7
      return false;
  }
  r.wire_length = pos - start;
  return true;
}

// The offset where the valid records of `s` end (s.size() when it is a whole message); the
// field numbers of its non-group records are appended to `numbers`.
size_t scan(std::string_view s, std::vector<uint32_t>& numbers) {
  numbers.clear();
  size_t pos = 0;
  Record r;
  while (pos < s.size()) {
    const size_t at = pos;
    if (!read_record(s, pos, r)) return at;
    if (r.wire != start_group) numbers.push_back(r.field);
  }
  return pos;
}

// Valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF) without control
// characters other than tab, LF and CR (C1 controls and DEL included).
bool printable_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) return false;
      ++p;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (static_cast<size_t>(end - p) < n) return false;
    for (size_t i = 1; i < n; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f)) {
      return false;
    }
    p += n;
  }
  return true;
}

}  // namespace

bool ProtobufWalker::walk(std::string_view message, void* ctx, LeafFn fn) {
  ctx_ = ctx;
  fn_ = fn;
  reported_ = 0;
  path_.clear();
  ++counters_.messages;
  // One slot per depth, made once: the walk holds references into them while it recurses.
  if (numbers_.size() < size_t{limits_.max_depth} + 2) {
    numbers_.resize(size_t{limits_.max_depth} + 2);
    counts_.resize(size_t{limits_.max_depth} + 2);
  }
  const size_t end = scan(message, numbers_[0]);
  walk_fields(message, end, 0);
  if (end != message.size()) {
    ++counters_.malformed;
    return false;
  }
  return true;
}

// Walks the records of `message` up to `end`; numbers_[depth] holds their field numbers.
void ProtobufWalker::walk_fields(std::string_view message, size_t end, uint32_t depth) {
  std::vector<FieldCount>& counts = counts_[depth];
  {
    std::vector<uint32_t>& numbers = numbers_[depth];
    std::sort(numbers.begin(), numbers.end());
    counts.clear();
    for (const uint32_t f : numbers) {
      if (!counts.empty() && counts.back().field == f) {
        ++counts.back().total;
      } else {
        counts.push_back({f, 1, 0});
      }
    }
  }
  const std::string_view s = message.substr(0, end);
  size_t pos = 0;
  Record r;
  char buf[24];
  while (pos < s.size() && read_record(s, pos, r)) {
    if (r.wire == start_group) continue;
    const size_t base = path_.size();
    if (base > 0) path_ += '.';
    auto res = std::to_chars(buf, buf + sizeof buf, r.field);
    path_.append(buf, res.ptr);
    const auto it = std::lower_bound(counts.begin(), counts.end(), r.field,
                                     [](const FieldCount& c, uint32_t f) { return c.field < f; });
    if (it != counts.end() && it->field == r.field && it->total > 1) {
      res = std::to_chars(buf, buf + sizeof buf, it->next++);
      path_ += '[';
      path_.append(buf, res.ptr);
      path_ += ']';
    }
    if (r.wire == length) {
      length_delimited(r.data, r.field, depth);
    } else {
      res = std::to_chars(buf, buf + sizeof buf, r.number);
      number_.assign(buf, res.ptr);
      emit(r.field, LeafKind::number, number_, r.wire_length);
    }
    path_.resize(base);
  }
}

void ProtobufWalker::length_delimited(std::string_view data, uint32_t field, uint32_t depth) {
  const uint32_t child = depth + 1;
  const bool text = printable_utf8(data);
  // Text starting with a field-1 tag byte may be a sub-message whose first string is long.
  const bool maybe_message =
      !data.empty() && (!text || data[0] == '\t' || data[0] == '\n' || data[0] == '\r');
  if (maybe_message && scan(data, numbers_[child]) == data.size()) {
    if (child <= limits_.max_depth) {
      walk_fields(data, data.size(), child);
      return;
    }
    ++counters_.too_deep;
  }
  if (text) {
    emit(field, LeafKind::text, data, data.size());
  } else {
    emit(field, LeafKind::bytes, {}, data.size());
  }
}

void ProtobufWalker::emit(uint32_t field, LeafKind kind, std::string_view value, size_t length) {
  if (reported_ >= limits_.max_leaves) {
    ++counters_.leaves_dropped;
    return;
  }
  ++reported_;
  ++counters_.leaves;
  Leaf l;
  l.path = path_;
  l.field = field;
  l.kind = kind;
  l.value = value;
  l.length = length;
  fn_(ctx_, l);
}

}  // namespace mirador::grpc

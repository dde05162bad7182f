#include "detectors/attack/normalize.h"

#include <cstring>

#include "decoders/utf8_encode.h"

namespace mirador::detect {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `n` hex digits at in[i..i+n) as a number, or -1.
long hex_at(std::string_view in, size_t i, size_t n) {
  if (i + n > in.size()) return -1;
  long v = 0;
  for (size_t k = 0; k < n; ++k) {
    const int h = hex_value(in[i + k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Copies in[i..) up to the next `special` byte into `out` in one append (most text has no escape
// at all: a byte-by-byte push_back cost more than the decoding), and returns where it stopped.
size_t copy_until(std::string_view in, size_t i, char special, std::string& out) {
  const void* hit = std::memchr(in.data() + i, special, in.size() - i);
  const size_t j = hit ? static_cast<size_t>(static_cast<const char*>(hit) - in.data()) : in.size();
  out.append(in.data() + i, j - i);
  return j;
}

struct Entity {
  std::string_view name;  // without '&' and ';'
  char value;
};
constexpr Entity kEntities[] = {
    {"lt", '<'},   {"gt", '>'},       {"amp", '&'},   {"quot", '"'},   {"apos", '\''},
    {"nbsp", ' '}, {"sol", '/'},      {"colon", ':'}, {"lpar", '('},   {"rpar", ')'},
    {"Tab", '\t'}, {"NewLine", '\n'}, {"semi", ';'},  {"equals", '='}, {"grave", '`'},
};

}  // namespace

uint32_t percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  uint32_t flags = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!plus_is_space) {
      i = copy_until(in, i, '%', out);
      if (i == in.size()) break;
    }
    const char c = in[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
      continue;
    }
    if (c != '%') {
      out += c;
      continue;
    }
    if (i + 5 < in.size() && (in[i + 1] == 'u' || in[i + 1] == 'U')) {
      const long cp = hex_at(in, i + 2, 4);
      if (cp >= 0) {
        append_utf8(out, static_cast<uint32_t>(cp));
        flags |= kPercentU;
        i += 5;
        continue;
      }
    }
    const long b = hex_at(in, i + 1, 2);
    if (b >= 0) {
      out += static_cast<char>(b);
      flags |= kPercentEncoded;
      i += 2;
      continue;
    }
    out += c;  // a lone '%': kept, as the server would see it
    flags |= kInvalidEscape;
  }
  return flags;
}

uint32_t html_entity_decode(std::string_view in, std::string& out) {
  out.clear();
  uint32_t flags = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    i = copy_until(in, i, '&', out);
    if (i == in.size()) break;
    if (i + 2 >= in.size()) {
      out += in[i];
      continue;
    }
    if (in[i + 1] == '#') {
      // &#NN; or &#xHH; (';' optional); at most 7 digits: U+10FFFF.
      const bool hex = in[i + 2] == 'x' || in[i + 2] == 'X';
      size_t j = i + (hex ? 3 : 2);
      uint32_t cp = 0;
      size_t digits = 0;
      while (j < in.size() && digits < 8) {
        const int h = hex ? hex_value(in[j]) : (in[j] >= '0' && in[j] <= '9' ? in[j] - '0' : -1);
        if (h < 0) break;
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(h);
        ++j;
        ++digits;
      }
      if (digits == 0) {
        out += in[i];
        continue;
      }
      if (j < in.size() && in[j] == ';') ++j;
      append_utf8(out, cp);
      flags |= kHtmlEntity;
      i = j - 1;
      continue;
    }
    bool matched = false;
    for (const Entity& e : kEntities) {
      if (in.substr(i + 1, e.name.size()) != e.name) continue;
      size_t j = i + 1 + e.name.size();
      if (j < in.size() && in[j] == ';') ++j;
      out += e.value;
      flags |= kHtmlEntity;
      i = j - 1;
      matched = true;
      break;
    }
    if (!matched) out += in[i];
  }
  return flags;
}

uint32_t unicode_unescape(std::string_view in, std::string& out) {
  out.clear();
  uint32_t flags = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    i = copy_until(in, i, '\\', out);
    if (i == in.size()) break;
    if (i + 1 < in.size()) {
      if (in[i + 1] == 'u') {
        const long cp = hex_at(in, i + 2, 4);
        if (cp >= 0) {
          append_utf8(out, static_cast<uint32_t>(cp));
          flags |= kUnicodeEscape;
          i += 5;
          continue;
        }
      } else if (in[i + 1] == 'x') {
        const long b = hex_at(in, i + 2, 2);
        if (b >= 0) {
          out += static_cast<char>(b);
          flags |= kUnicodeEscape;
          i += 3;
          continue;
        }
      }
    }
    out += in[i];
  }
  return flags;
}

uint32_t fold_overlong_utf8(std::string_view in, std::string& out) {
  out.clear();
  uint32_t flags = 0;
  const auto cont = [&](size_t k) {
    return k < in.size() && (static_cast<uint8_t>(in[k]) & 0xC0) == 0x80;
  };
  for (size_t i = 0; i < in.size(); ++i) {
    // Only C0, C1 and E0 lead an overlong form, EF a full-width one: the bytes before the next
    // one go in one append.
    size_t j = i;
    // ASCII (no high bit) eight bytes at a time: no overlong lead among them.
    while (j + 8 <= in.size()) {
      uint64_t w;
      std::memcpy(&w, in.data() + j, 8);
      if (w & 0x8080808080808080ULL) break;
      j += 8;
    }
    while (j < in.size()) {
      const uint8_t b = static_cast<uint8_t>(in[j]);
      if (b == 0xC0 || b == 0xC1 || b == 0xE0 || b == 0xEF) break;
      ++j;
    }
    out.append(in.data() + i, j - i);
    i = j;
    if (i == in.size()) break;
    const uint8_t c = static_cast<uint8_t>(in[i]);
    // 2 bytes: C0/C1 lead bytes only ever encode U+0000..U+007F.
    if ((c == 0xC0 || c == 0xC1) && cont(i + 1)) {
      out += static_cast<char>(((c & 0x1F) << 6) | (static_cast<uint8_t>(in[i + 1]) & 0x3F));
      flags |= kOverlongUtf8;
      i += 1;
      continue;
    }
    // 3 bytes: E0 80..81 xx encodes U+0000..U+007F.
    if (c == 0xE0 && cont(i + 1) && cont(i + 2) && static_cast<uint8_t>(in[i + 1]) <= 0x81) {
      out += static_cast<char>(((static_cast<uint8_t>(in[i + 1]) & 0x3F) << 6) |
                               (static_cast<uint8_t>(in[i + 2]) & 0x3F));
      flags |= kOverlongUtf8;
      i += 2;
      continue;
    }
    // 3 bytes: EF BC 81 .. EF BD 9E is U+FF01..U+FF5E, the full-width forms of '!'..'~'.
    if (c == 0xEF && cont(i + 1) && cont(i + 2)) {
      const uint32_t cp = 0xF000u | ((static_cast<uint8_t>(in[i + 1]) & 0x3Fu) << 6) |
                          (static_cast<uint8_t>(in[i + 2]) & 0x3Fu);
      if (cp >= 0xFF01 && cp <= 0xFF5E) {
        out += static_cast<char>(cp - 0xFEE0);
        flags |= kFullwidth;
        i += 2;
        continue;
      }
    }
    out += in[i];
  }
  return flags;
}

uint32_t normalize_for_signatures(std::string_view in, std::string& out, std::string& scratch,
                                  bool plus_is_space, int max_rounds) {
  // Percent-decoding until nothing changes: each round that changes the text after the first is
  // one more layer of encoding.
  // Percent-decoding until nothing changes; a round after the first that still decodes something
  // is one more layer of encoding. '+' means a space only in the first layer (the form encoding).
  uint32_t flags = percent_decode(in, out, plus_is_space);
  bool changed = (flags & (kPercentEncoded | kPercentU)) != 0;
  for (int round = 1; changed && round < max_rounds; ++round) {
    const uint32_t f = percent_decode(out, scratch, false);
    changed = (f & (kPercentEncoded | kPercentU)) != 0;
    if (!changed) break;
    flags |= kDoubleEncoded | (f & (kPercentEncoded | kPercentU));
    out.swap(scratch);
  }
  flags |= html_entity_decode(out, scratch);
  flags |= unicode_unescape(scratch, out);
  flags |= fold_overlong_utf8(out, scratch);
  // Lower case, SQL comments and whitespace folded in one pass from scratch into out. Every step
  // writes at most one byte for at least one read: `out` is sized once and cut to what was
  // written (no push_back per byte).
  out.resize(scratch.size());
  char* w = out.data();
  bool in_space = false;
  bool in_exec_comment = false;  // inside MySQL's /*!…*/, whose content the server executes
  for (size_t i = 0; i < scratch.size(); ++i) {
    char c = scratch[i];
    if (c == '/' && i + 2 < scratch.size() && scratch[i + 1] == '*' && scratch[i + 2] == '!') {
      // "/*!50000union*/": the comment markers and the version go, the content stays.
      flags |= kSqlComment;
      i += 2;
      for (int d = 0;
           d < 6 && i + 1 < scratch.size() && scratch[i + 1] >= '0' && scratch[i + 1] <= '9'; ++d)
        ++i;
      in_exec_comment = true;
      c = ' ';
    } else if (in_exec_comment && c == '*' && i + 1 < scratch.size() && scratch[i + 1] == '/') {
      in_exec_comment = false;
      ++i;
      c = ' ';
    } else if (c == '/' && i + 1 < scratch.size() && scratch[i + 1] == '*') {
      const size_t end = scratch.find("*/", i + 2);
      flags |= kSqlComment;
      i = end == std::string::npos ? scratch.size() : end + 1;
      c = ' ';
    }
    if (is_space(c)) {
      if (!in_space) *w++ = ' ';
      in_space = true;
      continue;
    }
    in_space = false;
    *w++ = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  out.resize(static_cast<size_t>(w - out.data()));
  return flags;
}

}  // namespace mirador::detect

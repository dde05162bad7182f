#include "sensor/output/utf8_text.h"

#include <cstdint>
#include <cstring>

namespace mirador {

size_t utf8_len(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = b(i);
  const size_t left = s.size() - i;
  auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

std::string_view utf8_text(std::string_view s, std::string& scratch) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Most text is ASCII or valid UTF-8: find the first invalid byte before copying anything.
  size_t i = 0;
  while (i < s.size()) {
    // Eight ASCII bytes at a time: event text is mostly ASCII.
    uint64_t word;
    if (i + 8 <= s.size() &&
        (std::memcpy(&word, s.data() + i, 8), (word & 0x8080808080808080ULL) == 0)) {
      i += 8;
    } else if (static_cast<uint8_t>(s[i]) < 0x80) {
      ++i;
    } else if (size_t n = utf8_len(s, i)) {
      i += n;
    } else {
      break;
    }
  }
  if (i == s.size()) return s;
  scratch.assign(s.data(), i);
  while (i < s.size()) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    size_t n = c < 0x80 ? 1 : utf8_len(s, i);
    if (n) {
      scratch.append(s.data() + i, n);
      i += n;
    } else {
      scratch += "\\x";
      scratch += kHex[c >> 4];
      scratch += kHex[c & 15];
      ++i;
    }
  }
  return scratch;
}

}  // namespace mirador

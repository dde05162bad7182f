// ASCII helpers shared by the protocol decoders. Protocol tokens (header names, codings, methods)
// are ASCII and compared case-insensitively; std::tolower is locale-aware and an out-of-line
// call per byte, which showed in profiles of the HTTP path.
#pragma once

#include <string_view>

namespace mirador {

constexpr bool ascii_is_digit(char c) {
  return c >= '0' && c <= '9';
}
constexpr bool ascii_is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
constexpr bool ascii_is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
constexpr bool ascii_is_alpha(char c) {
  return ascii_is_upper(c) || ascii_is_lower(c);
}
constexpr bool ascii_is_alnum(char c) {
  return ascii_is_digit(c) || ascii_is_alpha(c);
}
constexpr bool ascii_is_hex(char c) {
  return ascii_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

constexpr bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace mirador

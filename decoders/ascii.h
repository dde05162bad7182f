// ASCII helpers shared by the protocol decoders. Protocol tokens (header names, codings, methods)
// are ASCII and compared case-insensitively; std::tolower is locale-aware and an out-of-line
// call per byte, which showed in profiles of the HTTP path.
#pragma once

#include <string_view>

namespace mirador {

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

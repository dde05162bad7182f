// Text that leaves the sensor is valid UTF-8: JSON requires it and so do proto3 string fields
// (a parser rejects a message holding invalid UTF-8). Bytes that are not part of a valid sequence
// become the four characters "\xNN" (as Zeek writes them), so nothing is lost and both outputs
// carry the same text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mirador {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (overlong forms,
// surrogates and code points past U+10FFFF are rejected, per RFC 3629). s[i] must be >= 0x80.
size_t utf8_len(std::string_view s, size_t i);

// `s` when it is valid UTF-8 (no copy); otherwise `s` with each invalid byte written as "\xNN",
// built in `scratch` (reused: no allocation in the steady state).
std::string_view utf8_text(std::string_view s, std::string& scratch);

}  // namespace mirador

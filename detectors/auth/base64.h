// Base64 decoding for credentials: standard (RFC 4648 §4, Basic authentication) and base64url
// (§5, JWTs). The input is checked here, then OpenSSL's EVP_DecodeBlock decodes it: that function
// only knows the standard alphabet with padding, and it counts the padding bytes in its result.
#pragma once

#include <string>
#include <string_view>

namespace mirador::detect {

enum class Base64Alphabet { standard, url };

// Decodes `in` into `out` (cleared, capacity kept). Padding is optional for both alphabets;
// whitespace, characters of the other alphabet and a length that is 1 mod 4 make it fail.
// `scratch` is a reused buffer for the translated, padded input.
bool base64_decode(std::string_view in, Base64Alphabet alphabet, std::string& scratch,
                   std::string& out);

}  // namespace mirador::detect

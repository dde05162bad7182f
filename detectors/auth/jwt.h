// JWTs read as the server reads them: the claims of a compact JWS, decoded and not verified (the
// sensor has no key). Part of the identity contract (identity.h includes this header).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mirador::detect {

// The claims of a JWT (RFC 7519) as sent: decoded, not verified.
struct JwtClaims {
  bool decoded = false;  // header and payload were base64url-encoded JSON objects
  std::string alg;       // header "alg": "none" means an unsigned token
  std::string sub, iss;
  bool has_exp = false;
  int64_t exp = 0;  // seconds since the epoch
  bool has_iat = false;
  int64_t iat = 0;
  // "roles", "role", "groups", "authorities" (strings or arrays of strings), and "scope"/"scp"
  // (a space-separated string or an array), in the order found, at most 32, each at most 64 bytes.
  std::vector<std::string> roles;
  bool roles_capped = false;  // a role was cut to 64 bytes or roles past the 32nd were dropped
  std::string signature;      // third part as sent (replay and tampering detectors compare it)

  void clear();  // back to the default state; strings keep their capacity
};

// Caps: a longer token is not decoded (the decoder refuses it before any work).
constexpr size_t kJwtMaxTokenBytes = 8192;
constexpr size_t kJwtMaxRoles = 32;
constexpr size_t kJwtMaxRoleBytes = 64;

// Whether a credential is shaped like a compact JWS: it starts as base64url of '{' does ("ey")
// or it has exactly three dot-separated parts. Such a token that does not decode is counted.
bool looks_like_jwt(std::string_view token);

// Decodes a compact JWS "header.payload.signature". False (and `out.decoded` false) when it is
// not one; never throws. Base64url without padding, as RFC 7515 writes it; padding is accepted.
// Uses a decoder of the calling thread.
bool decode_jwt(std::string_view token, JwtClaims& out);

// The same with its own buffers and JSON parser, reused from token to token (one per worker).
class JwtDecoder {
 public:
  explicit JwtDecoder(size_t max_token_bytes = kJwtMaxTokenBytes);
  ~JwtDecoder();
  JwtDecoder(const JwtDecoder&) = delete;
  JwtDecoder& operator=(const JwtDecoder&) = delete;

  bool decode(std::string_view token, JwtClaims& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mirador::detect

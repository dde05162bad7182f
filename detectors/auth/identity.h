// Identity: who made a request, as far as the traffic says (issue 5). Every stateful detector
// (rates, enumeration, BOLA, brute force, replay) counts per identity, and the inventory records
// which kinds of credential each endpoint accepts.
//
// One credential is chosen per request, strongest first: the Authorization header (a Bearer JWT,
// an opaque Bearer token, Basic), then an API key header, an API key query parameter, a session
// cookie (names from the config). Without any, the identity is the client address. Bearer JWTs
// are decoded without verifying the signature: the sensor has no key, and it reads the claims
// the server will read (sub, iss, exp, alg, roles).
//
// The raw credential is kept in the Identity for the detectors of this worker only; it never
// leaves the sensor. Events carry IdentityHasher::hash of it (a keyed hash) or a masked form.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "decoders/http1/http_transaction.h"

namespace mirador::detect {

enum class CredentialKind : uint8_t {
  none,            // no credential: the identity is the client address
  bearer_jwt,      // Authorization: Bearer <JWT>
  bearer_opaque,   // Authorization: Bearer <anything else>
  basic,           // Authorization: Basic base64(user:password)
  api_key,         // a configured header or query parameter
  session_cookie,  // a configured cookie
};
std::string_view credential_kind_name(CredentialKind k);  // "none", "bearer_jwt", …

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
  std::string signature;  // third part as sent (replay and tampering detectors compare it)
};

// Decodes a compact JWS "header.payload.signature". False (and `out.decoded` false) when it is
// not one; never throws. Base64url without padding, as RFC 7515 writes it; padding is accepted.
bool decode_jwt(std::string_view token, JwtClaims& out);

struct Identity {
  CredentialKind kind = CredentialKind::none;
  std::string where;  // where the credential was: "header Authorization", "query api_key"
  std::string
      credential;  // the raw token / key / cookie value / Basic user; never leaves the sensor
  std::string principal;      // the account it names when it says: JWT sub, Basic user; else empty
  bool has_password = false;  // Basic carried a password (the credential keeps the user only)
  JwtClaims jwt;          // when the credential is a JWT (also an API key or cookie that is one)
  std::string client_ip;  // the client: the connection's, or X-Forwarded-For's from a trusted proxy
  bool forwarded = false;  // client_ip came from X-Forwarded-For
};

struct IdentityConfig {
  // identity.api_key_headers / identity.api_key_params / identity.session_cookies: names,
  // compared case-insensitively (headers, cookies) or exactly (query parameters).
  std::vector<std::string> api_key_headers = {"x-api-key", "api-key", "apikey", "x-auth-token",
                                              "x-access-token"};
  std::vector<std::string> api_key_params = {"api_key", "apikey", "access_token", "key", "token"};
  std::vector<std::string> session_cookies = {
      "sessionid",   "session",         "sid",
      "jsessionid",  "phpsessid",       "connect.sid",
      "_session_id", "laravel_session", "asp.net_sessionid"};
  // identity.trusted_proxies: CIDRs ("10.0.0.0/8", "2001:db8::/32") whose X-Forwarded-For is
  // believed. The client is then the right-most address of the header that is not itself a
  // trusted proxy. Empty: X-Forwarded-For is never believed (it is a header anyone can send).
  std::vector<std::string> trusted_proxies;
};

struct IdentityCounters {
  uint64_t requests = 0;
  uint64_t by_kind[6] = {};        // indexed by CredentialKind
  uint64_t jwt_undecodable = 0;    // Bearer tokens shaped like a JWT that did not decode
  uint64_t forwarded = 0;          // client taken from X-Forwarded-For
  uint64_t forwarded_ignored = 0;  // X-Forwarded-For present, connection not from a trusted proxy
};

class IdentityExtractor {
 public:
  // Throws std::invalid_argument naming the entry when a trusted_proxies CIDR does not parse.
  explicit IdentityExtractor(const IdentityConfig& cfg);
  ~IdentityExtractor();
  IdentityExtractor(const IdentityExtractor&) = delete;
  IdentityExtractor& operator=(const IdentityExtractor&) = delete;

  // Fills `out` (reused: strings keep their capacity) from the request of `t`. `client_ip` is
  // the connection's client address in text form.
  void extract(const HttpTransaction& t, std::string_view client_ip, Identity& out);

  const IdentityCounters& counters() const { return counters_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  IdentityCounters counters_;
};

// The key an identity is tracked by inside the sensor: the credential when there is one (kind
// and value), else the client address.
void identity_key(const Identity& id, std::string& out);

// A keyed hash for identities in events: "h:" + 24 hex digits of HMAC-SHA256(key, material).
// The same key gives the same hash across restarts and sensors (so a SIEM can join them); without
// the key the hash says nothing about the credential.
class IdentityHasher {
 public:
  // `key`: identity.hash_key. Empty: a random key for this process (hashes then change at
  // restart; the sensor warns).
  explicit IdentityHasher(std::string key);
  std::string hash(std::string_view material) const;
  bool random_key() const { return random_; }

 private:
  std::string key_;
  bool random_ = false;
};

}  // namespace mirador::detect

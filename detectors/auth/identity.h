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
#include "detectors/auth/identity_hash.h"  // IdentityHasher
#include "detectors/auth/jwt.h"            // JwtClaims, decode_jwt

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

  void clear();  // back to the default state; strings keep their capacity
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
  // identity.max_jwt_bytes: a longer Bearer token is not decoded (counted in jwt_undecodable and
  // jwt_too_long); it still identifies the caller as an opaque token.
  size_t max_jwt_bytes = kJwtMaxTokenBytes;
};

struct IdentityCounters {
  uint64_t requests = 0;
  uint64_t by_kind[6] = {};       // indexed by CredentialKind
  uint64_t jwt_undecodable = 0;   // Bearer tokens shaped like a JWT that did not decode
  uint64_t jwt_too_long = 0;      // of which over max_jwt_bytes (not even tried)
  uint64_t jwt_roles_capped = 0;  // JWTs whose roles were cut (more than 32, or over 64 bytes)
  uint64_t basic_malformed = 0;   // Authorization: Basic that is not base64 of "user:password"
  uint64_t forwarded = 0;         // client taken from X-Forwarded-For
  // X-Forwarded-For present and not used: the connection is not from a trusted proxy, or an
  // entry did not parse (the connection's address is kept).
  uint64_t forwarded_ignored = 0;
};

class IdentityExtractor {
 public:
  // Throws std::invalid_argument naming the entry when a trusted_proxies CIDR does not parse.
  explicit IdentityExtractor(const IdentityConfig& cfg);
  ~IdentityExtractor();
  IdentityExtractor(const IdentityExtractor&) = delete;
  IdentityExtractor& operator=(const IdentityExtractor&) = delete;

  // Fills `out` (reused: strings keep their capacity) from the request of `t`. `client_ip` is
  // the connection's client address in text form. Within one class, the configured names are
  // tried in the order of the config (the first one present wins); an empty value is no
  // credential. A Basic header that does not decode, and an Authorization scheme other than
  // Bearer and Basic, give way to the next credential.
  void extract(const HttpTransaction& t, std::string_view client_ip, Identity& out);

  const IdentityCounters& counters() const { return counters_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  IdentityCounters counters_;
};

// The key an identity is tracked by inside the sensor: the credential when there is one (kind
// and value: "bearer_jwt:eyJ…", "basic:alice"), else the client address ("ip:192.0.2.7"). The
// same value in a header or in the query is the same key.
void identity_key(const Identity& id, std::string& out);

// IdentityHasher (identity_hash.h) turns a credential into the keyed hash events carry.

}  // namespace mirador::detect

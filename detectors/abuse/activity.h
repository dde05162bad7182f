// Activity: one transaction as the abuse detectors see it (issue 5) — who (identity, client),
// what (endpoint template, the object ids in the path), how it went (status), and the few facts
// of the request and response they count: a login and its user name, phone numbers and ids
// carried, sensitive records returned, owner-like parameters, amounts, replay keys, privilege
// cookies. The design's `Observation` for the stateful detectors: compact, hashes and views,
// built once per transaction by ActivityBuilder from what the worker already has.
//
// Raw values never enter the detectors' state: identities, clients, object ids, user names,
// phone numbers and keys are kept as 64-bit hashes; only `identity_label` (the keyed hash that
// events carry) is written into findings.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "decoders/http1/http_transaction.h"
#include "detectors/auth/identity.h"
#include "detectors/fields/field.h"
#include "detectors/finding.h"

namespace mirador::detect {

struct Activity {
  int64_t time_us = 0;
  // Who. `identity` hashes identity_key() (credential, else client address); `client` hashes
  // the client address alone; `principal` hashes the account the credential names (JWT sub,
  // Basic user), 0 when it names none.
  uint64_t identity = 0;
  std::string_view identity_label;  // "h:3f2a…" (IdentityHasher) — the only form findings carry
  uint64_t client = 0;
  uint64_t principal = 0;
  std::string_view principal_text;  // JWT sub / Basic user as sent (compared, never written)
  CredentialKind kind = CredentialKind::none;
  bool roles_known = false;  // the JWT carried role or scope claims
  bool admin_role = false;   // one of them is admin-like ("admin", "root", "superuser", "*:admin")
  // The JWT (or JWT-shaped cookie): hashes of its signature and of its header+payload; 0 when
  // the credential is not a JWT.
  uint64_t token_signature = 0;
  uint64_t token_claims = 0;
  // A session cookie's value hash and the hash of the privilege-looking cookies sent beside it
  // (role, uid, user_id, is_admin, admin, level, group, …: names and values); 0 when none.
  uint64_t session = 0;
  uint64_t privilege_cookies = 0;

  // What.
  std::string_view host;
  std::string_view method;
  std::string_view path_template;  // "/users/{id}"
  std::string_view endpoint;       // "GET /users/{id}"
  uint64_t endpoint_hash = 0;      // of host + endpoint
  // The path's values at placeholder positions ("12345" for /users/{id}), in order; hashed and,
  // when the value is a decimal number that fits, also as a number (sequential enumeration).
  struct ObjectId {
    uint64_t hash = 0;
    bool numeric = false;
    int64_t number = 0;
  };
  std::vector<ObjectId> object_ids;
  bool admin_endpoint = false;   // a path segment names administration ("admin", "internal", …)
  bool search_endpoint = false;  // a lookup by someone else's data: "search", "lookup", "find",
                                 // "match", "contacts", "query", "exists", "check"

  // How it went. 0: no response.
  int status = 0;

  // Login: the request carries a password (body or query field named like one, or Basic).
  bool login = false;
  uint64_t login_user = 0;    // hash of the user name / e-mail / phone tried; 0 when none seen
  bool login_failed = false;  // 401/403, or a 200 whose small body says the login failed

  // Request contents.
  uint32_t request_phones = 0;  // phone numbers in the request (every occurrence)
  uint32_t request_ids = 0;     // the largest list of id-like values in one request field array
  std::vector<uint64_t> phone_hashes;  // distinct phone numbers of the request (capped)
  // Owner-like parameters (user_id, uid, userId, account_id, owner_id, customer_id, member_id;
  // query or body) whose value differs from the principal's (JWT sub, Basic user): name as sent,
  // capped. Compared only when both are numbers or both are not (a sub "alice" says nothing
  // about user_id=7), and a sub "user-42" owns 42.
  std::vector<std::string_view> foreign_owner_params;
  // Amount- or quantity-like parameters (amount, price, qty, quantity, total, count, …) whose
  // value is a negative number: name as sent, capped.
  std::vector<std::string_view> negative_amounts;
  // Replay keys: hashes of signature and nonce values (headers X-Signature, X-Nonce, Signature…;
  // query or body fields sign, signature, nonce); a request's own, capped.
  std::vector<uint64_t> replay_keys;

  // Response contents: sensitive values returned (every occurrence of every data class) and
  // whether any was personal (identity numbers, phones, e-mails, names, addresses, cards…).
  uint32_t response_records = 0;
  bool response_personal = false;

  void clear();  // back to the default state; vectors keep their capacity
};

struct ActivityConfig {
  size_t max_phone_hashes = 256;  // abuse.max_phone_hashes: per request
  size_t max_list = 16;           // owner params, amounts and replay keys kept per request
};

// Fills an Activity from what the worker has for one transaction: the transaction, its
// identity, the engine's fields and findings, the host, the raw path (no query), its template
// and the endpoint ("GET /tmpl").
// Everything it keeps is a hash or a view into `t`, `id`, `fields` or the strings passed in.
class ActivityBuilder {
 public:
  explicit ActivityBuilder(const ActivityConfig& cfg) : cfg_(cfg) {}
  // `identity` is abuse_hash(identity_key(id)): the caller has it already (it keys the cache of
  // keyed hashes), so it is not computed twice.
  void build(const HttpTransaction& t, const Identity& id, uint64_t identity,
             std::string_view identity_label, const FieldList& fields,
             std::span<const Finding> found, std::string_view host, std::string_view path,
             std::string_view path_template, std::string_view endpoint, Activity& out);

 private:
  ActivityConfig cfg_;
};

// A 64-bit hash (not keyed: state inside the sensor only).
uint64_t abuse_hash(std::string_view s, uint64_t seed = 0);

}  // namespace mirador::detect

// Fake but plausible personal data and JSON documents for generated API traffic.
//
// Everything is drawn from an Rng so that a seed reproduces the same people, orders and tokens.
// The values are deliberately realistic in shape (emails, E.164-like phone numbers, street
// addresses, JWTs) because the sensor's sensitive-data detectors are tested against them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tools/traffic_gen/rng.h"

namespace mirador::gen {

// Appends one user record as a JSON object: id, names, email, phone, address, timestamps.
void append_user_json(std::string& out, Rng& rng, uint64_t id);

// Appends one order as a JSON object, with the customer's contact details and line items.
void append_order_json(std::string& out, Rng& rng, uint64_t id);

// Appends {"data":[...],"page":..,"limit":..,"total":..} with `count` users or orders.
void append_user_list_json(std::string& out, Rng& rng, uint64_t first_id, int count);
void append_order_list_json(std::string& out, Rng& rng, uint64_t first_id, int count, int page);

// Request bodies.
void append_login_request_json(std::string& out, Rng& rng);
// A login request for a given account (identities and brute-force scenarios).
void append_login_request_json(std::string& out, std::string_view username,
                               std::string_view password, bool remember_me);
void append_user_update_json(std::string& out, Rng& rng);
void append_order_create_json(std::string& out, Rng& rng);

// Small response documents.
void append_login_response_json(std::string& out, const std::string& token);
void append_error_json(std::string& out, int status, Rng& rng);

// A signed HS256 JWT (header.payload.signature, base64url) for the given subject, valid from
// `issued_at` for `lifetime_s` seconds. The secret is fixed and weak on purpose
// ("mirador-test-secret"): detectors may be tested against it.
std::string make_jwt(Rng& rng, uint64_t subject, int64_t issued_at, int64_t lifetime_s = 3600);

// The same for one generated user: sub "user-<index>", its name, roles ["user"].
std::string make_user_jwt(uint64_t index, std::string_view name, int64_t issued_at,
                          int64_t lifetime_s);

// A plausible "First Last" name and its lower-case "first.last" form, from `rng`.
void append_person_name(std::string& out, Rng& rng);

// Lower-case hex of `bytes` random bytes (session cookies, request ids).
void append_hex(std::string& out, Rng& rng, int bytes);

}  // namespace mirador::gen

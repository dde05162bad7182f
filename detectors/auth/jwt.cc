#include "detectors/auth/jwt.h"

#include <simdjson.h>

#include "detectors/auth/base64.h"

namespace mirador::detect {

namespace dom = simdjson::dom;

void JwtClaims::clear() {
  decoded = false;
  alg.clear();
  sub.clear();
  iss.clear();
  has_exp = false;
  exp = 0;
  has_iat = false;
  iat = 0;
  roles.clear();
  roles_capped = false;
  signature.clear();
}

bool looks_like_jwt(std::string_view token) {
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos) return false;
  if (token.starts_with("ey")) return true;
  const size_t second = token.find('.', dot + 1);
  return second != std::string_view::npos && token.find('.', second + 1) == std::string_view::npos;
}

namespace {

// A role as the claims give it, cut to kJwtMaxRoleBytes on a UTF-8 character boundary.
void add_role(std::string_view role, JwtClaims& out) {
  if (role.empty()) return;
  if (out.roles.size() >= kJwtMaxRoles) {
    out.roles_capped = true;
    return;
  }
  if (role.size() > kJwtMaxRoleBytes) {
    out.roles_capped = true;
    size_t n = kJwtMaxRoleBytes;
    while (n > 0 && (static_cast<unsigned char>(role[n]) & 0xC0) == 0x80) --n;
    role = role.substr(0, n);
  }
  out.roles.emplace_back(role);
}

void add_space_separated(std::string_view s, JwtClaims& out) {
  while (!s.empty()) {
    const size_t sp = s.find(' ');
    add_role(s.substr(0, sp), out);
    s = sp == std::string_view::npos ? std::string_view() : s.substr(sp + 1);
  }
}

enum class RoleForm { none, list, scope };

RoleForm role_form(std::string_view key) {
  if (key == "roles" || key == "role" || key == "groups" || key == "authorities") {
    return RoleForm::list;
  }
  if (key == "scope" || key == "scp") return RoleForm::scope;
  return RoleForm::none;
}

// A string, or an array of strings (other elements skipped). Scope strings are space-separated.
void read_roles(dom::element v, RoleForm form, JwtClaims& out) {
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) {
    if (form == RoleForm::scope) {
      add_space_separated(s, out);
    } else {
      add_role(s, out);
    }
    return;
  }
  dom::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return;
  for (const dom::element item : arr) {
    if (item.get_string().get(s) == simdjson::SUCCESS) add_role(s, out);
  }
}

// NumericDate: an integer or a fraction of seconds (RFC 7519 §2); out of range is not a date.
bool numeric_date(dom::element v, int64_t& out) {
  switch (v.type()) {
    case dom::element_type::INT64:
      out = v.get_int64().value_unsafe();
      return true;
    case dom::element_type::DOUBLE: {
      const double d = v.get_double().value_unsafe();
      if (!(d > -9.2e18 && d < 9.2e18)) return false;
      out = static_cast<int64_t>(d);
      return true;
    }
    default:
      return false;  // above INT64_MAX, or not a number
  }
}

}  // namespace

// The DOM parser validates the whole part (a lazy parser would skip what it is not asked for,
// and accept '{"sub":x}'); a part is at most max_token_bytes, so the cost is small.
struct JwtDecoder::Impl {
  size_t max_token_bytes;
  dom::parser parser;
  std::string b64;   // translated base64 of one part
  std::string json;  // one decoded part, then SIMDJSON_PADDING readable bytes

  bool object(std::string_view part, dom::object& obj) {
    if (!base64_decode(part, Base64Alphabet::url, b64, json)) return false;
    const size_t len = json.size();
    json.append(simdjson::SIMDJSON_PADDING, '\0');
    dom::element doc;
    if (parser.parse(json.data(), len, false).get(doc)) return false;
    return doc.get_object().get(obj) == simdjson::SUCCESS;
  }

  bool header(std::string_view part, JwtClaims& out) {
    dom::object obj;
    if (!object(part, obj)) return false;
    std::string_view s;
    if (obj["alg"].get_string().get(s) == simdjson::SUCCESS) out.alg.assign(s);
    return true;
  }

  bool payload(std::string_view part, JwtClaims& out) {
    dom::object obj;
    if (!object(part, obj)) return false;
    // In document order (roles keep the order found); a repeated claim: the last one counts.
    for (const dom::key_value_pair field : obj) {
      const std::string_view key = field.key;
      std::string_view s;
      if (key == "sub") {
        if (field.value.get_string().get(s) == simdjson::SUCCESS) out.sub.assign(s);
      } else if (key == "iss") {
        if (field.value.get_string().get(s) == simdjson::SUCCESS) out.iss.assign(s);
      } else if (key == "exp") {
        out.has_exp = numeric_date(field.value, out.exp);
      } else if (key == "iat") {
        out.has_iat = numeric_date(field.value, out.iat);
      } else if (const RoleForm form = role_form(key); form != RoleForm::none) {
        read_roles(field.value, form, out);
      }
    }
    return true;
  }
};

JwtDecoder::JwtDecoder(size_t max_token_bytes) : impl_(std::make_unique<Impl>()) {
  impl_->max_token_bytes = max_token_bytes;
}

JwtDecoder::~JwtDecoder() = default;

bool JwtDecoder::decode(std::string_view token, JwtClaims& out) {
  out.clear();
  if (token.size() > impl_->max_token_bytes) return false;
  const size_t d1 = token.find('.');
  if (d1 == std::string_view::npos) return false;
  const size_t d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return false;  // not three parts (a JWE has five)
  }
  const std::string_view signature = token.substr(d2 + 1);
  for (const char c : signature) {
    const bool b64url = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '=';
    if (!b64url) return false;
  }
  if (!impl_->header(token.substr(0, d1), out) ||
      !impl_->payload(token.substr(d1 + 1, d2 - d1 - 1), out)) {
    out.clear();
    return false;
  }
  out.signature.assign(signature);
  out.decoded = true;
  return true;
}

bool decode_jwt(std::string_view token, JwtClaims& out) {
  thread_local JwtDecoder decoder;
  return decoder.decode(token, out);
}

}  // namespace mirador::detect

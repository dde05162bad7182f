#include "detectors/auth/identity.h"

#include <openssl/crypto.h>

#include <stdexcept>

#include "decoders/ascii.h"
#include "detectors/attack/normalize.h"
#include "detectors/auth/base64.h"
#include "detectors/auth/cidr.h"
#include "detectors/fields/cookie_split.h"

namespace mirador::detect {

std::string_view credential_kind_name(CredentialKind k) {
  switch (k) {
    case CredentialKind::none:
      return "none";
    case CredentialKind::bearer_jwt:
      return "bearer_jwt";
    case CredentialKind::bearer_opaque:
      return "bearer_opaque";
    case CredentialKind::basic:
      return "basic";
    case CredentialKind::api_key:
      return "api_key";
    case CredentialKind::session_cookie:
      return "session_cookie";
  }
  return "none";
}

void Identity::clear() {
  kind = CredentialKind::none;
  where.clear();
  credential.clear();
  principal.clear();
  has_password = false;
  jwt.clear();
  client_ip.clear();
  forwarded = false;
}

void identity_key(const Identity& id, std::string& out) {
  if (id.kind == CredentialKind::none) {
    out.assign("ip:");
    out += id.client_ip;
    return;
  }
  out.assign(credential_kind_name(id.kind));
  out += ':';
  out += id.credential;
}

namespace {

constexpr size_t npos = std::string_view::npos;

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Index of `name` in the configured `names`, npos when absent.
size_t find_name(const std::vector<std::string>& names, std::string_view name, bool icase) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (icase ? ascii_iequals(names[i], name) : names[i] == name) return i;
  }
  return npos;
}

bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// One X-Forwarded-For entry: an address, "[v6]", or with a port as some proxies add it
// ("192.0.2.1:4711", "[2001:db8::1]:4711").
bool parse_forwarded_entry(std::string_view e, IpText& out) {
  if (!e.empty() && e.front() == '[') {
    const size_t close = e.find(']');
    if (close == npos) return false;
    const std::string_view rest = e.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !all_digits(rest.substr(1)))) return false;
    return parse_ip(e.substr(1, close - 1), out) && out.family == 6;
  }
  const size_t colon = e.find(':');
  if (colon != npos && e.find(':', colon + 1) == npos) {  // one colon: IPv4 with a port
    return all_digits(e.substr(colon + 1)) && parse_ip(e.substr(0, colon), out) && out.family == 4;
  }
  return parse_ip(e, out);
}

// The client of a request relayed by trusted proxies. Several X-Forwarded-For headers are one
// list in order: it is walked from the right, past the trusted proxies, and the first address
// that is not one is the client; when every entry is a trusted proxy, the farthest one is. False
// when an entry on the way does not parse.
bool forwarded_client(const std::vector<HttpHeader>& headers, const CidrSet& trusted, IpText& out) {
  for (size_t i = headers.size(); i-- > 0;) {
    if (!ascii_iequals(headers[i].name, "X-Forwarded-For")) continue;
    std::string_view list = headers[i].value;
    for (;;) {
      const size_t comma = list.rfind(',');
      if (!parse_forwarded_entry(trim_ows(comma == npos ? list : list.substr(comma + 1)), out)) {
        return false;
      }
      if (!trusted.contains(out)) return true;
      if (comma == npos) break;
      list = list.substr(0, comma);
    }
  }
  return true;
}

}  // namespace

struct IdentityExtractor::Impl {
  IdentityConfig cfg;
  CidrSet trusted;
  JwtDecoder jwt;
  std::string b64;    // translated base64 of a Basic credential (wiped after use)
  std::string basic;  // decoded "user:password" (wiped after use: the password is never kept)
  std::string qname, qvalue;

  explicit Impl(const IdentityConfig& c) : cfg(c), jwt(c.max_jwt_bytes) {}

  void wipe_basic() {
    if (!b64.empty()) OPENSSL_cleanse(b64.data(), b64.size());
    if (!basic.empty()) OPENSSL_cleanse(basic.data(), basic.size());
    b64.clear();
    basic.clear();
  }

  void client(const HttpTransaction& t, std::string_view conn_ip, Identity& out,
              IdentityCounters& c) const {
    out.client_ip.assign(conn_ip);
    bool present = false;
    for (const HttpHeader& h : t.request_headers) {
      if (ascii_iequals(h.name, "X-Forwarded-For")) {
        present = true;
        break;
      }
    }
    if (!present) return;
    IpText conn;
    if (trusted.empty() || !parse_ip(conn_ip, conn) || !trusted.contains(conn)) {
      ++c.forwarded_ignored;
      return;
    }
    IpText a;
    if (!forwarded_client(t.request_headers, trusted, a)) {
      ++c.forwarded_ignored;  // garbage in the chain: nothing left of it can be believed
      return;
    }
    format_ip(a, out.client_ip);
    out.forwarded = true;
    ++c.forwarded;
  }

  // The credential may itself be a JWT (an API key, a session cookie): read its claims quietly.
  void claims_if_jwt(Identity& out, IdentityCounters& c) {
    if (!looks_like_jwt(out.credential) || !jwt.decode(out.credential, out.jwt)) return;
    out.principal.assign(out.jwt.sub);
    if (out.jwt.roles_capped) ++c.jwt_roles_capped;
  }

  bool authorization(const HttpTransaction& t, Identity& out, IdentityCounters& c) {
    const std::string_view v = trim_ows(t.request_header("Authorization"));
    const size_t sp = v.find_first_of(" \t");
    if (sp == npos) return false;
    const std::string_view scheme = v.substr(0, sp);
    const std::string_view token = trim_ows(v.substr(sp + 1));
    if (token.empty()) return false;
    if (ascii_iequals(scheme, "Bearer")) {
      out.where.assign("header Authorization");
      out.credential.assign(token);
      out.kind = CredentialKind::bearer_opaque;
      if (!looks_like_jwt(token)) return true;
      if (jwt.decode(token, out.jwt)) {
        out.kind = CredentialKind::bearer_jwt;
        out.principal.assign(out.jwt.sub);
        if (out.jwt.roles_capped) ++c.jwt_roles_capped;
      } else {
        ++c.jwt_undecodable;
        if (token.size() > cfg.max_jwt_bytes) ++c.jwt_too_long;
      }
      return true;
    }
    if (!ascii_iequals(scheme, "Basic")) return false;
    const bool ok = base64_decode(token, Base64Alphabet::standard, b64, basic);
    const size_t colon = ok ? basic.find(':') : npos;
    if (colon == npos) {
      wipe_basic();
      ++c.basic_malformed;
      return false;
    }
    out.kind = CredentialKind::basic;
    out.where.assign("header Authorization");
    out.credential.assign(basic, 0, colon);
    out.principal.assign(out.credential);
    out.has_password = colon + 1 < basic.size();
    wipe_basic();
    return true;
  }

  bool api_key_header(const HttpTransaction& t, Identity& out, IdentityCounters& c) {
    size_t best = npos;
    std::string_view value;
    for (const HttpHeader& h : t.request_headers) {
      const size_t i = find_name(cfg.api_key_headers, h.name, true);
      const std::string_view v = trim_ows(h.value);
      if (i < best && !v.empty()) {
        best = i;
        value = v;
      }
    }
    if (best == npos) return false;
    out.kind = CredentialKind::api_key;
    out.where.assign("header ");
    out.where += cfg.api_key_headers[best];
    out.credential.assign(value);
    claims_if_jwt(out, c);
    return true;
  }

  bool api_key_param(const HttpTransaction& t, Identity& out, IdentityCounters& c) {
    std::string_view query = t.uri;
    const size_t q = query.find('?');
    if (q == npos || cfg.api_key_params.empty()) return false;
    query = query.substr(q + 1);
    query = query.substr(0, query.find('#'));
    size_t best = npos;
    while (!query.empty()) {
      const size_t amp = query.find('&');
      const std::string_view segment = query.substr(0, amp);
      query = amp == npos ? std::string_view() : query.substr(amp + 1);
      const size_t eq = segment.find('=');
      if (eq == npos) continue;  // a name without a value carries no key
      percent_decode(segment.substr(0, eq), qname, true);
      const size_t i = find_name(cfg.api_key_params, qname, false);
      if (i >= best) continue;
      percent_decode(segment.substr(eq + 1), qvalue, true);
      if (qvalue.empty()) continue;
      best = i;
      out.credential.assign(qvalue);
    }
    if (best == npos) return false;
    out.kind = CredentialKind::api_key;
    out.where.assign("query ");
    out.where += cfg.api_key_params[best];
    claims_if_jwt(out, c);
    return true;
  }

  bool session_cookie(const HttpTransaction& t, Identity& out, IdentityCounters& c) {
    size_t best = npos;
    std::string_view value;
    for (const HttpHeader& h : t.request_headers) {
      if (!ascii_iequals(h.name, "Cookie")) continue;
      for_each_cookie(h.value, [&](std::string_view name, std::string_view v) {
        const size_t i = find_name(cfg.session_cookies, name, true);
        if (i < best && !v.empty()) {
          best = i;
          value = v;
        }
      });
    }
    if (best == npos) return false;
    out.kind = CredentialKind::session_cookie;
    out.where.assign("cookie ");
    out.where += cfg.session_cookies[best];
    out.credential.assign(value);
    claims_if_jwt(out, c);
    return true;
  }
};

IdentityExtractor::IdentityExtractor(const IdentityConfig& cfg)
    : impl_(std::make_unique<Impl>(cfg)) {
  for (const std::string& cidr : cfg.trusted_proxies) {
    if (!impl_->trusted.add(cidr)) {
      throw std::invalid_argument("identity.trusted_proxies: not an address or CIDR: '" + cidr +
                                  "'");
    }
  }
}

IdentityExtractor::~IdentityExtractor() = default;

void IdentityExtractor::extract(const HttpTransaction& t, std::string_view client_ip,
                                Identity& out) {
  out.clear();
  ++counters_.requests;
  impl_->client(t, client_ip, out, counters_);
  // Strongest first; each step leaves `out` as it found it when it finds nothing.
  if (!impl_->authorization(t, out, counters_) && !impl_->api_key_header(t, out, counters_) &&
      !impl_->api_key_param(t, out, counters_)) {
    impl_->session_cookie(t, out, counters_);
  }
  ++counters_.by_kind[static_cast<size_t>(out.kind)];
}

}  // namespace mirador::detect

#include "detectors/auth/hygiene.h"

#include <algorithm>
#include <ctime>

#include "decoders/ascii.h"
#include "detectors/attack/normalize.h"
#include "detectors/sensitive/mask.h"

namespace mirador::detect {

namespace {

std::string_view header(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const HttpHeader& h : headers)
    if (ascii_iequals(h.name, name)) return h.value;
  return {};
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && ascii_iequals(s.substr(s.size() - suffix.size()), suffix);
}

// A query or form parameter that carries a password ("password", "user_pwd", "passwd", "pw").
bool password_name(std::string_view name) {
  return ascii_iequals(name, "pw") || ascii_iequals(name, "pass") ||
         ascii_iequals(name, "passcode") || ascii_iequals(name, "passphrase") ||
         ends_with_ci(name, "password") || ends_with_ci(name, "passwd") ||
         ends_with_ci(name, "pwd");
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

std::string_view query_of(std::string_view target) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  return rest.substr(0, rest.find('#'));
}

bool success(const HttpTransaction& t) {
  return t.has_response && t.status >= 200 && t.status < 300;
}

void append_time(std::string& out, int64_t seconds) {
  const std::time_t tt = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (!gmtime_r(&tt, &tm)) {
    out += std::to_string(seconds);
    return;
  }
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  out += buf;
}

}  // namespace

HygieneChecker::HygieneChecker(const HygieneConfig& cfg)
    : cfg_(cfg), once_(cfg.report_once_slots, cfg.report_once_window_s * 1'000'000) {}

HygieneCounters HygieneChecker::counters() const {
  HygieneCounters c = counters_;
  c.suppressed = once_.suppressed();
  return c;
}

Finding& HygieneChecker::add(std::vector<Finding>& out, const char* id, Severity severity,
                             std::string summary) {
  ++counters_.findings;
  return add_code_finding(out, RuleKind::auth, id, "broken_authentication", "API2:2023", severity,
                          std::move(summary));
}

void HygieneChecker::check(const HttpTransaction& t, const Identity& id,
                           std::span<const Finding> found, bool cleartext,
                           std::vector<Finding>& out, std::string_view endpoint) {
  ++counters_.checked;
  const std::string_view host = header(t.request_headers, "Host");
  const int64_t now_us = t.request_ts_us;
  auto masked = [&](std::string_view cls, std::string_view value) {
    std::string s;
    if (cfg_.mask) {
      sensitive::mask_value(cls, value, s);
    } else {
      s.assign(value);
    }
    return s;
  };
  auto once = [&](std::string_view what, std::string_view a, std::string_view b) {
    key_.assign(what);
    key_ += '\n';
    key_ += host;
    key_ += '\n';
    key_ += a;
    key_ += '\n';
    key_ += b;
    return once_.first(key_, now_us);
  };

  // user:password@ in an absolute-form target ends up in every log on the way.
  const std::string_view target = t.uri;
  const size_t scheme = target.find("://");
  if (scheme != std::string_view::npos && scheme < 16) {
    const std::string_view authority =
        target.substr(scheme + 3, target.find('/', scheme + 3) - (scheme + 3));
    const size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
      const std::string_view userinfo = authority.substr(0, at);
      const size_t colon = userinfo.find(':');
      if (colon != std::string_view::npos && colon + 1 < userinfo.size()) {
        Finding& f = add(out, "auth.userinfo_in_url", Severity::high,
                         "Credentials (user:password@) in the request URL");
        f.locations = {"request.target"};
        f.samples = {masked("person_name", userinfo.substr(0, colon)) + ":" +
                     masked("password", userinfo.substr(colon + 1)) + "@" +
                     std::string(authority.substr(at + 1))};
      }
    }
  }

  // A login by GET puts the password in the URL, so in logs, history and Referer headers.
  if (ascii_iequals(t.method, "GET") || ascii_iequals(t.method, "HEAD")) {
    std::string_view q = query_of(target);
    std::string name;
    while (!q.empty()) {
      const size_t amp = q.find('&');
      const std::string_view param = q.substr(0, amp);
      q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
      const size_t eq = param.find('=');
      if (eq == std::string_view::npos || eq + 1 == param.size()) continue;
      percent_decode(param.substr(0, eq), name, true);
      if (!password_name(name)) continue;
      Finding& f =
          add(out, "auth.login_over_get", Severity::high,
              "Password sent as a query parameter of a " + std::string(t.method) + " request");
      f.locations = {"request.query " + name};
      f.samples = {name + "=" + masked("password", param.substr(eq + 1))};
      break;
    }
  }

  const bool has_credential = id.kind != CredentialKind::none;
  if (cleartext && id.kind == CredentialKind::basic && id.has_password &&
      once("basic", id.principal, "")) {
    Finding& f = add(out, "auth.basic_over_cleartext", Severity::high,
                     "HTTP Basic credentials (user and password) over cleartext HTTP");
    f.locations = {"request." + id.where};
    f.samples = {masked("person_name", id.principal) + ":" + masked("password", "x")};
  } else if (cleartext && has_credential && id.kind != CredentialKind::basic &&
             once("clear", credential_kind_name(id.kind), id.where)) {
    Finding& f = add(out, "auth.credential_over_cleartext", Severity::medium,
                     std::string(credential_kind_name(id.kind)) + " sent over cleartext HTTP");
    f.locations = {"request." + id.where};
    f.samples = {masked("api_key", id.credential)};
  }

  if (id.where.starts_with("query ")) {
    const bool reported = std::any_of(found.begin(), found.end(), [](const Finding& x) {
      return x.id.starts_with("secret.") &&
             std::any_of(x.locations.begin(), x.locations.end(),
                         [](const std::string& l) { return l.starts_with("request.query"); });
    });
    if (!reported && once("url", id.where, "")) {
      Finding& f = add(out, "auth.credential_in_url", Severity::medium,
                       "The caller's credential is a URL query parameter");
      f.locations = {"request." + id.where};
      f.samples = {masked("api_key", id.credential)};
    }
  }

  if (id.jwt.decoded && ascii_iequals(id.jwt.alg, "none")) {
    const bool accepted = success(t);
    Finding& f =
        add(out, "auth.jwt_alg_none", accepted ? Severity::critical : Severity::high,
            accepted ? "Unsigned JWT (alg none) accepted: status " + std::to_string(t.status)
                     : "Unsigned JWT (alg none) presented");
    f.locations = {"request." + id.where};
    f.samples = {masked("jwt", id.credential)};
  }

  // Once per token in the window: a client that keeps its expired token sends it again and again.
  if (id.jwt.decoded && id.jwt.has_exp && success(t) &&
      id.jwt.exp + cfg_.exp_skew_s < now_us / 1'000'000 && once("expired", id.credential, "")) {
    const int64_t late = now_us / 1'000'000 - id.jwt.exp;
    std::string summary = "Expired JWT accepted: exp ";
    append_time(summary, id.jwt.exp);
    summary +=
        ", " + std::to_string(late) + " s before the request, answered " + std::to_string(t.status);
    Finding& f = add(out, "auth.expired_token_accepted", Severity::high, std::move(summary));
    f.locations = {"request." + id.where};
    f.samples = {masked("jwt", id.credential)};
  }

  if (!has_credential && success(t)) {
    std::vector<std::string_view> classes;
    const Finding* first = nullptr;
    for (const Finding& x : found) {
      if (x.kind != RuleKind::data || !x.in_response || x.severity < Severity::medium) continue;
      if (!first) first = &x;
      if (std::find(classes.begin(), classes.end(), x.data_class) == classes.end())
        classes.push_back(x.data_class);
    }
    if (first && once("unauth", endpoint.empty() ? path_of(target) : endpoint, "")) {
      std::string summary = "Sensitive data (";
      for (size_t i = 0; i < classes.size(); ++i) {
        if (i) summary += ", ";
        summary += classes[i];
      }
      summary += ") returned to a request that carried no credential";
      Finding& f =
          add(out, "auth.unauthenticated_sensitive_data", Severity::high, std::move(summary));
      f.owasp_api = "API2:2023";
      f.locations = first->locations;
      f.samples.clear();
    }
  }
}

}  // namespace mirador::detect

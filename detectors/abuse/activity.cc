#include "detectors/abuse/activity.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "decoders/ascii.h"
#include "detectors/sensitive/validators.h"

namespace mirador::detect {

namespace {

constexpr uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// Names compared without case and without '_' / '-' ("user_id", "userId", "User-ID").
bool name_in(std::string_view name, std::span<const std::string_view> list) {
  char buf[40];
  size_t n = 0;
  for (char c : name) {
    if (c == '_' || c == '-') continue;
    if (n == sizeof buf) return false;
    buf[n++] = ascii_lower(c);
  }
  const std::string_view folded(buf, n);
  return std::find(list.begin(), list.end(), folded) != list.end();
}

constexpr std::array<std::string_view, 5> kPasswordNames = {"password", "passwd", "pwd", "pass",
                                                            "passw"};
constexpr std::array<std::string_view, 11> kLoginUserNames = {
    "username", "user",      "login",  "email", "phone",  "mobile",
    "account",  "loginname", "userid", "name",  "loginid"};
constexpr std::array<std::string_view, 10> kOwnerNames = {
    "userid",   "uid",    "accountid", "ownerid",  "customerid",
    "memberid", "custid", "useruuid",  "personid", "profileid"};
constexpr std::array<std::string_view, 10> kAmountNames = {
    "amount", "price", "qty", "quantity", "total", "count", "points", "credit", "credits", "sum"};
constexpr std::array<std::string_view, 9> kReplayNames = {
    "xsignature", "signature", "xsign",         "sign",          "sig",
    "xnonce",     "nonce",     "xrequestnonce", "xhmacsignature"};
constexpr std::array<std::string_view, 12> kPrivilegeCookies = {
    "role",  "roles", "uid",      "userid",    "isadmin",     "admin",
    "level", "group", "usertype", "privilege", "accesslevel", "usergroup"};
constexpr std::array<std::string_view, 9> kAdminSegments = {
    "admin",      "admins",     "administrator", "internal",  "manage",
    "management", "backoffice", "sysadmin",      "superadmin"};
constexpr std::array<std::string_view, 8> kSearchWords = {"search",   "lookup", "find",  "match",
                                                          "contacts", "exists", "check", "query"};
constexpr std::array<std::string_view, 8> kPersonalClasses = {
    "cn_resident_id", "cn_mobile",   "bank_card", "email",
    "cn_passport",    "person_name", "address",   "birth_date"};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return ascii_is_digit(c); });
}

// The digits of a phone-number-looking value ("+86 138-0013-8000", "13800138000"), or empty.
std::string_view phone_digits(std::string_view v, char (&buf)[24]) {
  size_t n = 0;
  bool plus = false;
  for (char c : v) {
    if (ascii_is_digit(c)) {
      if (n == sizeof buf) return {};
      buf[n++] = c;
    } else if (c == '+' && n == 0 && !plus) {
      plus = true;
    } else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
      return {};
    }
  }
  std::string_view d(buf, n);
  if (d.size() == 13 && d.substr(0, 2) == "86") d.remove_prefix(2);
  if (sensitive::valid_cn_mobile(d)) return d;
  if (plus && d.size() >= 8 && d.size() <= 15) return d;  // E.164
  return {};
}

bool icontains(std::string_view text, std::string_view word);

// `seg` contains one of the lower-case `words`, ignoring case.
bool segment_has(std::string_view seg, std::span<const std::string_view> words) {
  for (std::string_view w : words)
    if (icontains(seg, w)) return true;
  return false;
}

bool segment_is(std::string_view seg, std::span<const std::string_view> words) {
  for (std::string_view w : words)
    if (ascii_iequals(seg, w)) return true;
  return false;
}

// The digits at the end of a principal ("user-42" → "42").
std::string_view trailing_digits(std::string_view s) {
  size_t i = s.size();
  while (i > 0 && ascii_is_digit(s[i - 1])) --i;
  return s.substr(i);
}

bool owns(std::string_view principal, std::string_view value) {
  if (value == principal) return true;
  const bool p_num = all_digits(principal), v_num = all_digits(value);
  if (v_num && !p_num) {
    const std::string_view tail = trailing_digits(principal);
    if (tail.empty()) return true;  // "alice" and 7: nothing to compare
    return tail == value;
  }
  if (p_num != v_num) return true;  // different shapes: not comparable
  return false;
}

bool negative_number(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.size() < 2 || v.front() != '-') return false;
  double d = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), d);
  return r.ec == std::errc() && r.ptr == v.data() + v.size() && d < 0;
}

bool icontains(std::string_view text, std::string_view word) {
  if (word.size() > text.size()) return false;
  for (size_t i = 0; i + word.size() <= text.size(); ++i)
    if (ascii_iequals(text.substr(i, word.size()), word)) return true;
  return false;
}

// A short login answer that says it failed ("Login failed", "invalid password"): forms that
// answer 200 either way.
bool says_failure(std::string_view body) {
  if (body.size() > 512) return false;
  static constexpr std::array<std::string_view, 5> kWords = {"fail", "invalid", "incorrect",
                                                             "wrong", "denied"};
  for (std::string_view w : kWords)
    if (icontains(body, w)) return true;
  return false;
}

}  // namespace

uint64_t abuse_hash(std::string_view s, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ fmix64(seed + 0x9e3779b97f4a7c15ULL);
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmix64(h ^ s.size());
}

void Activity::clear() {
  *this = Activity{
      .object_ids = std::move(object_ids),
      .phone_hashes = std::move(phone_hashes),
      .foreign_owner_params = std::move(foreign_owner_params),
      .negative_amounts = std::move(negative_amounts),
      .replay_keys = std::move(replay_keys),
  };
  object_ids.clear();
  phone_hashes.clear();
  foreign_owner_params.clear();
  negative_amounts.clear();
  replay_keys.clear();
}

void ActivityBuilder::build(const HttpTransaction& t, const Identity& id, uint64_t identity,
                            std::string_view identity_label, const FieldList& fields,
                            std::span<const Finding> found, std::string_view host,
                            std::string_view path, std::string_view path_template,
                            std::string_view endpoint, Activity& a) {
  a.clear();
  a.time_us = t.request_ts_us;
  a.identity = identity;
  a.identity_label = identity_label;
  a.client = abuse_hash(id.client_ip, 1);
  a.principal_text = id.principal;
  a.principal = id.principal.empty() ? 0 : abuse_hash(id.principal, 2);
  a.kind = id.kind;
  a.roles_known = !id.jwt.roles.empty();
  for (const std::string& r : id.jwt.roles) {
    static constexpr std::array<std::string_view, 4> kAdminRoles = {"admin", "root", "superuser",
                                                                    "sysadmin"};
    if (segment_has(r, kAdminRoles)) a.admin_role = true;
  }
  if (id.jwt.decoded) {
    a.token_signature = abuse_hash(id.jwt.signature, 3);
    const std::string_view cred = id.credential;
    a.token_claims = abuse_hash(cred.substr(0, cred.rfind('.')), 4);
  }
  if (id.kind == CredentialKind::session_cookie) a.session = abuse_hash(id.credential, 5);

  a.host = host;
  a.method = t.method;
  a.path_template = path_template;
  a.endpoint = endpoint;
  a.endpoint_hash = abuse_hash(endpoint, abuse_hash(host, 6));
  // Placeholders of the template and the raw path's segments at the same positions.
  {
    std::string_view tp = path_template, rp = path;
    while (!tp.empty() && !rp.empty()) {
      const size_t te = tp.find('/', 1), re = rp.find('/', 1);
      const std::string_view ts = tp.substr(0, te), rs = rp.substr(0, re);
      const std::string_view tseg = ts.substr(ts.empty() || ts[0] != '/' ? 0 : 1);
      const std::string_view rseg = rs.substr(rs.empty() || rs[0] != '/' ? 0 : 1);
      if (!tseg.empty() && tseg.front() == '{') {
        if (a.object_ids.size() < cfg_.max_list) {
          Activity::ObjectId o;
          o.hash = abuse_hash(rseg, 7);
          if (all_digits(rseg) && rseg.size() <= 18) {
            o.numeric = true;
            std::from_chars(rseg.data(), rseg.data() + rseg.size(), o.number);
          }
          a.object_ids.push_back(o);
        }
      } else if (segment_is(tseg, kAdminSegments) ||
                 (tseg.size() > 5 && ascii_iequals(tseg.substr(0, 5), "admin"))) {
        a.admin_endpoint = true;
      } else if (segment_has(tseg, kSearchWords)) {
        a.search_endpoint = true;
      }
      if (te == std::string_view::npos || re == std::string_view::npos) break;
      tp.remove_prefix(te);
      rp.remove_prefix(re);
    }
  }
  a.status = t.has_response ? t.status : 0;

  // Request fields: logins, phones, owner parameters, amounts, replay keys, privilege cookies.
  uint64_t privilege = 0;
  // Id-like values per folded array path: the largest group is request_ids.
  struct Group {
    uint64_t path = 0;
    uint32_t n = 0;
  };
  std::array<Group, 8> groups{};
  char digits[24];
  for (size_t i = 0; i < fields.size(); ++i) {
    const Field f = fields[i];
    if (f.part == Part::response_header || f.part == Part::response_body) break;  // request first
    if (f.raw) continue;
    const std::string_view name = f.key;  // JSON key, query or form name
    const bool param = f.part == Part::request_query || f.part == Part::request_body;
    if (f.part == Part::request_header) {
      if (name_in(name, kReplayNames) && a.replay_keys.size() < cfg_.max_list && !f.value.empty())
        a.replay_keys.push_back(abuse_hash(f.value, 8));
      continue;
    }
    if (f.part == Part::request_cookie) {
      if (name_in(name, kPrivilegeCookies)) privilege ^= abuse_hash(f.value, abuse_hash(name, 9));
      continue;
    }
    if (!param) continue;
    if (name_in(name, kPasswordNames) && !f.value.empty()) a.login = true;
    if (name_in(name, kLoginUserNames) && !f.value.empty() && a.login_user == 0)
      a.login_user = abuse_hash(f.value, 10);
    if (name_in(name, kReplayNames) && a.replay_keys.size() < cfg_.max_list && !f.value.empty())
      a.replay_keys.push_back(abuse_hash(f.value, 8));
    const std::string_view phone = phone_digits(f.value, digits);
    if (!phone.empty()) {
      ++a.request_phones;
      const uint64_t h = abuse_hash(phone, 11);
      if (a.phone_hashes.size() < cfg_.max_phone_hashes &&
          std::find(a.phone_hashes.begin(), a.phone_hashes.end(), h) == a.phone_hashes.end())
        a.phone_hashes.push_back(h);
    }
    if (f.part == Part::request_body && f.path.find('[') != std::string_view::npos &&
        (!phone.empty() || (all_digits(f.value) && f.value.size() <= 20))) {
      // "$.contacts[12].phone" and "$.contacts[3].phone" fold to one group.
      uint64_t h = 0xcbf29ce484222325ULL;
      bool in_index = false;
      for (char c : f.path) {
        if (c == '[') in_index = true;
        if (!in_index) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
        if (c == ']') in_index = false;
      }
      for (Group& g : groups) {
        if (g.n == 0) g.path = h;
        if (g.path == h) {
          a.request_ids = std::max(a.request_ids, ++g.n);
          break;
        }
      }
    }
    if (!a.principal_text.empty() && name_in(name, kOwnerNames) && !f.value.empty() &&
        !owns(a.principal_text, f.value) && a.foreign_owner_params.size() < cfg_.max_list)
      a.foreign_owner_params.push_back(name);
    if (name_in(name, kAmountNames) && negative_number(f.value) &&
        a.negative_amounts.size() < cfg_.max_list)
      a.negative_amounts.push_back(name);
  }
  if (id.kind == CredentialKind::basic && id.has_password) a.login = true;
  if (a.session != 0) a.privilege_cookies = privilege;
  if (a.login && a.login_user == 0 && id.kind == CredentialKind::basic)
    a.login_user = abuse_hash(id.principal, 10);
  if (a.login && a.status != 0)
    a.login_failed =
        a.status == 401 || a.status == 403 || (a.status == 200 && says_failure(t.response_body));

  for (const Finding& f : found) {
    if (f.kind != RuleKind::data || !f.in_response) continue;
    a.response_records += f.count;
    if (std::find(kPersonalClasses.begin(), kPersonalClasses.end(), f.data_class) !=
        kPersonalClasses.end())
      a.response_personal = true;
  }
}

}  // namespace mirador::detect

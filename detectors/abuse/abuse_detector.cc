#include "detectors/abuse/abuse_detector.h"

#include <algorithm>
#include <string>

#include "detectors/abuse/count_min.h"
#include "detectors/abuse/hyperloglog.h"
#include "detectors/abuse/lru_table.h"
#include "detectors/auth/report_once.h"

namespace mirador::detect {

namespace {

constexpr int64_t kUs = 1'000'000;

// Moves a window's start up to `now`: 0 when `now` is still in the window, 1 when it is in the
// next one, 2 when a whole window or more passed (or the window had not started).
int roll(int64_t& start, int64_t now, int64_t w) {
  if (start == 0) {
    start = now;
    return 2;
  }
  if (now < start + w) return 0;
  if (now < start + 2 * w) {
    start += w;
    return 1;
  }
  start = now;
  return 2;
}

// How much of the previous window still lies inside the last `w` before `now`.
double overlap(int64_t start, int64_t now, int64_t w) {
  const int64_t into = std::clamp<int64_t>(now - start, 0, w);
  return 1.0 - static_cast<double>(into) / static_cast<double>(w);
}

// A count over a sliding window: this window's and the previous one's, blended.
struct Sliding {
  uint32_t cur = 0, prev = 0;
  void shift(int r) {
    if (r == 1) {
      prev = cur;
    } else if (r == 2) {
      prev = 0;
    }
    if (r != 0) cur = 0;
  }
  uint32_t value(int64_t start, int64_t now, int64_t w) const {
    return cur + static_cast<uint32_t>(prev * overlap(start, now, w));
  }
};

// Distinct values over the last one to two windows (HyperLogLog registers of both, merged).
struct SlidingHll {
  Hll64 cur, prev;
  void shift(int r) {
    if (r == 1) {
      prev = cur;
    } else if (r == 2) {
      prev.clear();
    }
    if (r != 0) cur.clear();
  }
  uint32_t value() const {
    Hll64 both = cur;
    both.merge(prev);
    return static_cast<uint32_t>(both.estimate() + 0.5);
  }
};

// True once per window: when `value` reaches `threshold` and `bit` is not yet in `reported`
// (which it then is; rolling the window clears it).
bool crossed(uint32_t value, uint32_t threshold, uint32_t& reported, uint32_t bit) {
  if (value < threshold || (reported & bit)) return false;
  reported |= bit;
  return true;
}

// Window findings already raised in the current window, one bit each.
enum Bit : uint32_t {
  kDiscovery = 1u << 0,
  kPhoneLookup = 1u << 1,
  kBulkIdentity = 1u << 2,
  kBruteForce = 1u << 3,
  kStuffing = 1u << 4,
  kTokenShared = 1u << 5,
  kEnumDistinct = 1u << 6,
  kEnumSequential = 1u << 7,
  kBola = 1u << 8,
};

struct IdentityState {
  int64_t win = 0, login_win = 0, token_win = 0;  // starts of the three windows
  Sliding misses, records, login_failures;
  SlidingHll phones, usernames, clients;
  uint32_t reported = 0;
  int64_t rate_quiet_until = 0;  // abuse.rate_identity reported: quiet until then
};

struct PairState {  // one identity on one endpoint
  int64_t win = 0;
  SlidingHll objects;
  Sliding foreign;  // objects first read by another identity
  int64_t last_number = 0;
  uint32_t run = 0;  // consecutive ids, up or down
  int8_t step = 0;
  uint32_t reported = 0;
};

struct ObjectState {
  uint64_t first_reader = 0;
};

struct AccountState {
  int64_t win = 0;
  Sliding failures;
  bool reported = false;
};

struct ReplayState {
  int64_t first_us = 0;
};

struct SessionState {
  uint64_t claims = 0;  // token: header+payload hash; session: privilege cookies' hash
};

struct EndpointState {
  Hll64 users;  // identities that got 2xx from it (administration endpoints only)
  int64_t first_us = 0;
};

}  // namespace

struct AbuseDetector::Impl {
  explicit Impl(const AbuseConfig& c)
      : cfg(c),
        rate_identity(c.sketch_width, c.rate_window_s * kUs),
        rate_endpoint(c.sketch_width, c.rate_window_s * kUs),
        identities(c.max_identities),
        pairs(c.max_pairs),
        objects(c.max_objects),
        accounts(c.max_accounts),
        replays(c.max_replay_keys),
        sessions(c.max_sessions),
        endpoints(c.max_endpoints),
        once(c.report_once_slots, c.window_s * kUs) {}

  AbuseConfig cfg;
  AbuseCounters counters;
  WindowedCountMin rate_identity, rate_endpoint;
  LruTable<IdentityState> identities;
  LruTable<PairState> pairs;
  LruTable<ObjectState> objects;
  LruTable<AccountState> accounts;
  LruTable<ReplayState> replays;
  LruTable<SessionState> sessions;
  LruTable<EndpointState> endpoints;
  ReportOnce once;  // per-request findings: once per (finding, identity, endpoint) per window
  int64_t now = 0;
  std::string key;

  Finding& add(std::vector<Finding>& out, const Activity& a, const char* id, const char* risk_class,
               const char* owasp, Severity sev, std::string summary, uint32_t count,
               int64_t window_s) {
    ++counters.findings;
    Finding& f =
        add_code_finding(out, RuleKind::abuse, id, risk_class, owasp, sev, std::move(summary));
    f.count = count;
    f.identity.assign(a.identity_label);
    f.window_s = static_cast<uint32_t>(window_s);
    return f;
  }

  // Per-request findings: true the first time in the window for this identity and endpoint.
  bool first(const char* id, const Activity& a) {
    key.assign(id);
    key.append(reinterpret_cast<const char*>(&a.identity), sizeof a.identity);
    key.append(reinterpret_cast<const char*>(&a.endpoint_hash), sizeof a.endpoint_hash);
    if (once.first(key, now)) return true;
    ++counters.suppressed;
    return false;
  }

  void observe(const Activity& a, std::vector<Finding>& out);
  void rates(const Activity& a, IdentityState& s, std::vector<Finding>& out);
  void objects_of(const Activity& a, std::vector<Finding>& out);
  void logins(const Activity& a, IdentityState& s, std::vector<Finding>& out);
  void per_request(const Activity& a, std::vector<Finding>& out);
  void tokens(const Activity& a, IdentityState& s, std::vector<Finding>& out);
  void admin(const Activity& a, std::vector<Finding>& out);
  static uint64_t pair_key(const Activity& a) {
    return a.identity ^ (a.endpoint_hash * 0x9e3779b97f4a7c15ULL);
  }
};

namespace {

bool ok(int status) {
  return status >= 200 && status < 300;
}

std::string n(uint64_t v) {
  return std::to_string(v);
}

}  // namespace

void AbuseDetector::Impl::observe(const Activity& a, std::vector<Finding>& out) {
  ++counters.observed;
  now = std::max(now, a.time_us);
  const int64_t w = cfg.window_s * kUs;
  bool created = false;
  IdentityState& s = identities.get(a.identity, now, created, counters.identities_evicted);
  const int r = roll(s.win, now, w);
  if (r != 0) {
    s.misses.shift(r);
    s.records.shift(r);
    s.phones.shift(r);
    s.reported &= ~(kDiscovery | kPhoneLookup | kBulkIdentity);
  }
  rates(a, s, out);
  // Forced browsing: misses per identity.
  if (a.status == 404 || a.status == 405) {
    ++s.misses.cur;
    const uint32_t v = s.misses.value(s.win, now, w);
    if (crossed(v, cfg.discovery_misses, s.reported, kDiscovery)) {
      add(out, a, "abuse.discovery", "discovery", "API9:2023", Severity::medium,
          n(v) + " requests answered 404/405 for one identity in " + n(cfg.window_s) +
              " s: probing for endpoints",
          v, cfg.window_s);
    }
  }
  // Phone-number lookups on search endpoints.
  if (a.search_endpoint && !a.phone_hashes.empty()) {
    for (uint64_t h : a.phone_hashes) s.phones.cur.add(h);
    const uint32_t v = s.phones.value();
    if (crossed(v, cfg.phone_lookup_distinct, s.reported, kPhoneLookup)) {
      add(out, a, "abuse.phone_lookup", "phone_lookup", "API6:2023", Severity::high,
          "about " + n(v) + " distinct phone numbers looked up by one identity in " +
              n(cfg.window_s) + " s: linking numbers to accounts",
          v, cfg.window_s);
    }
  }
  // Bulk exposure: per response, and per identity over the window.
  if (ok(a.status) && a.response_records > 0) {
    if (a.response_records >= cfg.bulk_records && first("abuse.bulk_exposure", a)) {
      add(out, a, "abuse.bulk_exposure", "excessive_data_exposure", "API3:2023", Severity::high,
          n(a.response_records) + " sensitive values in one response", a.response_records, 0);
    }
    s.records.cur += a.response_records;
    const uint32_t v = s.records.value(s.win, now, w);
    if (crossed(v, cfg.bulk_records_identity, s.reported, kBulkIdentity)) {
      add(out, a, "abuse.bulk_exposure", "excessive_data_exposure", "API3:2023", Severity::high,
          n(v) + " sensitive values sent to one identity in " + n(cfg.window_s) + " s", v,
          cfg.window_s);
    }
  }
  logins(a, s, out);
  tokens(a, s, out);
  if (a.admin_endpoint && ok(a.status)) admin(a, out);  // before objects_of makes the pair
  objects_of(a, out);
  per_request(a, out);
}

void AbuseDetector::Impl::rates(const Activity& a, IdentityState& s, std::vector<Finding>& out) {
  const int64_t rw = cfg.rate_window_s * kUs;
  const uint32_t by_identity = rate_identity.add(a.identity, now);
  if (by_identity >= cfg.rate_identity && now >= s.rate_quiet_until) {
    s.rate_quiet_until = now + rw;
    add(out, a, "abuse.rate_identity", "rate_abuse", "API4:2023", Severity::medium,
        n(by_identity) + " requests from one identity in " + n(cfg.rate_window_s) + " s (limit " +
            n(cfg.rate_identity) + ")",
        by_identity, cfg.rate_window_s);
  }
  const uint32_t by_endpoint = rate_endpoint.add(a.endpoint_hash, now);
  if (by_endpoint >= cfg.rate_endpoint) {
    key.assign("abuse.rate_endpoint");
    key.append(reinterpret_cast<const char*>(&a.endpoint_hash), sizeof a.endpoint_hash);
    if (once.first(key, now)) {
      add(out, a, "abuse.rate_endpoint", "rate_abuse", "API4:2023", Severity::medium,
          n(by_endpoint) + " requests to one endpoint in " + n(cfg.rate_window_s) + " s (limit " +
              n(cfg.rate_endpoint) + ")",
          by_endpoint, cfg.rate_window_s);
    } else {
      ++counters.suppressed;
    }
  }
}

void AbuseDetector::Impl::logins(const Activity& a, IdentityState& s, std::vector<Finding>& out) {
  if (!a.login || a.status == 0) return;
  const int64_t w = cfg.login_window_s * kUs;
  const int r = roll(s.login_win, now, w);
  if (r != 0) {
    s.login_failures.shift(r);
    s.usernames.shift(r);
    s.reported &= ~(kBruteForce | kStuffing);
  }
  if (!a.login_failed) return;
  ++s.login_failures.cur;
  if (a.login_user != 0) s.usernames.cur.add(a.login_user);
  const uint32_t failures = s.login_failures.value(s.login_win, now, w);
  if (crossed(failures, cfg.login_failures, s.reported, kBruteForce)) {
    add(out, a, "abuse.brute_force", "brute_force", "API2:2023", Severity::high,
        n(failures) + " failed logins from one identity in " + n(cfg.login_window_s) + " s",
        failures, cfg.login_window_s);
  }
  const uint32_t users = s.usernames.value();
  if (crossed(users, cfg.stuffing_usernames, s.reported, kStuffing)) {
    add(out, a, "abuse.credential_stuffing", "credential_stuffing", "API2:2023", Severity::high,
        "failed logins for about " + n(users) + " distinct user names from one identity in " +
            n(cfg.login_window_s) + " s",
        users, cfg.login_window_s);
  }
  if (a.login_user == 0) return;
  bool created = false;
  AccountState& acc = accounts.get(a.login_user, now, created, counters.accounts_evicted);
  const int ra = roll(acc.win, now, w);
  if (ra != 0) {
    acc.failures.shift(ra);
    acc.reported = false;
  }
  ++acc.failures.cur;
  const uint32_t v = acc.failures.value(acc.win, now, w);
  if (v >= cfg.account_failures && !acc.reported) {
    acc.reported = true;
    add(out, a, "abuse.account_brute_force", "brute_force", "API2:2023", Severity::high,
        n(v) + " failed logins against one account in " + n(cfg.login_window_s) + " s", v,
        cfg.login_window_s);
  }
}

void AbuseDetector::Impl::tokens(const Activity& a, IdentityState& s, std::vector<Finding>& out) {
  if (a.kind == CredentialKind::none) return;
  // One credential from many clients.
  const int64_t w = cfg.token_window_s * kUs;
  const int r = roll(s.token_win, now, w);
  if (r != 0) {
    s.clients.shift(r);
    s.reported &= ~kTokenShared;
  }
  s.clients.cur.add(a.client);
  const uint32_t clients = s.clients.value();
  if (crossed(clients, cfg.token_clients, s.reported, kTokenShared)) {
    add(out, a, "abuse.token_shared", "token_sharing", "API2:2023", Severity::high,
        "one credential used from about " + n(clients) + " client addresses in " +
            n(cfg.token_window_s) + " s: shared, resold or stolen",
        clients, cfg.token_window_s);
  }
  // Tampering: the same signature over other claims, or other privilege cookies in the same
  // session.
  const auto tampered = [&](uint64_t key, uint64_t value, const char* what) {
    if (key == 0 || value == 0) return;
    bool created = false;
    SessionState& st = sessions.get(key, now, created, counters.sessions_evicted);
    if (created || st.claims == 0) {
      st.claims = value;
      return;
    }
    if (st.claims == value) return;
    st.claims = value;
    if (first("abuse.cookie_tampering", a)) {
      add(out, a, "abuse.cookie_tampering", "cookie_tampering", "API2:2023", Severity::high,
          std::string(what) + (ok(a.status) ? " (answered " : " (rejected: ") + n(a.status) + ")",
          1, 0);
    }
  };
  tampered(a.token_signature, a.token_claims,
           "a token's claims changed while its signature stayed the same");
  tampered(a.session, a.privilege_cookies, "privilege cookies changed within one session");
}

void AbuseDetector::Impl::objects_of(const Activity& a, std::vector<Finding>& out) {
  if (a.object_ids.empty() || a.status == 0) return;
  const int64_t w = cfg.window_s * kUs;
  bool created = false;
  PairState& p = pairs.get(pair_key(a), now, created, counters.pairs_evicted);
  const int r = roll(p.win, now, w);
  if (r != 0) {
    p.objects.shift(r);
    p.foreign.shift(r);
    p.reported = 0;
  }
  // The last placeholder names the object ("/users/{id}/orders/{id}": the order).
  const Activity::ObjectId& o = a.object_ids.back();
  p.objects.cur.add(o.hash);
  const uint32_t distinct = p.objects.value();
  if (crossed(distinct, cfg.enum_distinct, p.reported, kEnumDistinct)) {
    add(out, a, "abuse.enumeration", "enumeration", "API1:2023", Severity::high,
        "one identity requested about " + n(distinct) + " distinct objects of one endpoint in " +
            n(cfg.window_s) + " s",
        distinct, cfg.window_s);
  }
  if (o.numeric) {
    const int64_t d = o.number - p.last_number;
    if (p.run > 0 && (d == 1 || d == -1) && (p.step == 0 || p.step == d)) {
      ++p.run;
      p.step = static_cast<int8_t>(d);
    } else if (d != 0 || p.run == 0) {
      p.run = 1;
      p.step = 0;
    }
    p.last_number = o.number;
    if (crossed(p.run, cfg.enum_sequential, p.reported, kEnumSequential)) {
      add(out, a, "abuse.enumeration", "enumeration", "API1:2023", Severity::high,
          n(p.run) + " consecutive object ids requested in order by one identity", p.run,
          cfg.window_s);
    }
  }
  // BOLA: personal data of objects another identity read first.
  if (ok(a.status) && a.response_personal) {
    bool made = false;
    ObjectState& obj = objects.get(a.endpoint_hash ^ (o.hash * 0xc2b2ae3d27d4eb4fULL), now, made,
                                   counters.objects_evicted);
    if (made) {
      obj.first_reader = a.identity;
    } else if (obj.first_reader != a.identity) {
      ++p.foreign.cur;
      const uint32_t v = p.foreign.value(p.win, now, w);
      if (crossed(v, cfg.bola_foreign, p.reported, kBola)) {
        add(out, a, "abuse.bola", "bola", "API1:2023", Severity::high,
            "one identity received personal data of " + n(v) +
                " objects other identities read first, in " + n(cfg.window_s) + " s",
            v, cfg.window_s);
      }
    }
  }
}

void AbuseDetector::Impl::admin(const Activity& a, std::vector<Finding>& out) {
  // First use by this identity: its pair with the endpoint is new.
  bool first_use = false;
  pairs.get(pair_key(a), now, first_use, counters.pairs_evicted);
  if (a.roles_known && !a.admin_role) {
    if (first("abuse.vertical_escalation", a)) {
      add(out, a, "abuse.vertical_escalation", "bfla", "API5:2023", Severity::high,
          "an administration endpoint answered " + n(a.status) +
              " to a token whose roles include no admin role",
          1, 0);
    }
    return;
  }
  if (a.kind == CredentialKind::none) return;
  bool created = false;
  EndpointState& e = endpoints.get(a.endpoint_hash, now, created, counters.endpoints_evicted);
  if (created) e.first_us = now;
  const uint32_t users = static_cast<uint32_t>(e.users.estimate() + 0.5);
  e.users.add(a.identity);
  if (first_use && users >= cfg.admin_learning && now - e.first_us >= cfg.window_s * kUs &&
      first("abuse.vertical_escalation", a)) {
    add(out, a, "abuse.vertical_escalation", "bfla", "API5:2023", Severity::medium,
        "a new identity got " + n(a.status) + " from an administration endpoint known to " +
            n(users) + " others",
        1, 0);
  }
}

void AbuseDetector::Impl::per_request(const Activity& a, std::vector<Finding>& out) {
  const uint32_t items = std::max(a.request_phones, a.request_ids);
  if (items >= cfg.bulk_lookup_items && first("abuse.bulk_lookup", a)) {
    add(out, a, "abuse.bulk_lookup", "bulk_lookup", "API6:2023", Severity::high,
        n(items) + (a.request_phones >= a.request_ids ? " phone numbers" : " ids") +
            " in one request: address-book matching or bulk lookup",
        items, 0);
  }
  for (uint64_t k : a.replay_keys) {
    bool created = false;
    ReplayState& st = replays.get(k, now, created, counters.replay_keys_evicted);
    if (created || now - st.first_us > cfg.replay_window_s * kUs) {
      st.first_us = now;
      continue;
    }
    if (first("abuse.replay", a)) {
      add(out, a, "abuse.replay", "replay", "API2:2023", Severity::high,
          "a request signature or nonce seen again " + n((now - st.first_us) / kUs) +
              " s after its first use (answered " + n(a.status) + ")",
          1, cfg.replay_window_s);
    }
    break;
  }
  if (!ok(a.status)) return;
  if (!a.foreign_owner_params.empty() && first("abuse.parameter_tampering", a)) {
    add(out, a, "abuse.parameter_tampering", "parameter_tampering", "API1:2023", Severity::high,
        "parameter " + std::string(a.foreign_owner_params.front()) +
            " names another account than the caller's, answered " + n(a.status),
        static_cast<uint32_t>(a.foreign_owner_params.size()), 0);
  }
  if (!a.negative_amounts.empty() && first("abuse.negative_amount", a)) {
    add(out, a, "abuse.negative_amount", "business_logic", "API6:2023", Severity::medium,
        "negative " + std::string(a.negative_amounts.front()) + " accepted (" + n(a.status) + ")",
        static_cast<uint32_t>(a.negative_amounts.size()), 0);
  }
}

AbuseDetector::AbuseDetector(const AbuseConfig& cfg) : impl_(std::make_unique<Impl>(cfg)) {}
AbuseDetector::~AbuseDetector() = default;

void AbuseDetector::observe(const Activity& a, std::vector<Finding>& out) {
  if (impl_->cfg.enabled) impl_->observe(a, out);
}

const AbuseCounters& AbuseDetector::counters() const {
  return impl_->counters;
}

size_t AbuseDetector::memory_bytes() const {
  const Impl& i = *impl_;
  return i.rate_identity.memory_bytes() + i.rate_endpoint.memory_bytes() +
         i.identities.memory_bytes() + i.pairs.memory_bytes() + i.objects.memory_bytes() +
         i.accounts.memory_bytes() + i.replays.memory_bytes() + i.sessions.memory_bytes() +
         i.endpoints.memory_bytes();
}

}  // namespace mirador::detect

// Issue 5, must-show 2: on traffic over a known endpoint set, the learnt template set equals
// the true one. A seeded generator draws requests over ~30 endpoints on two hosts (REST
// resources with numeric ids, UUIDs, ObjectIds, user and repository names, slugs, e-mail and
// phone parameters, dates, tokens, static files and routes next to parameters), with the
// noise real clients add (trailing and doubled slashes, percent-encoding). After all requests,
// every path is looked up again: each must get its endpoint's template, and the set of
// templates must be the true set.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "detectors/inventory/path_template.h"

using namespace mirador::detect;

namespace {

struct Endpoint {
  const char* host;
  const char* pattern;  // the true template; each placeholder is filled by the generator
  int weight;
};

// Placeholders: {id} {uuid} {hex} {token} {phone} {email} {date} (shapes); {user} {repo}
// {slug} (names, parameters by cardinality; their template is "{param}").
const std::vector<Endpoint> kEndpoints = {
    {"api.example.com", "/", 2},
    {"api.example.com", "/health", 20},
    {"api.example.com", "/api/v1/users/me", 30},
    {"api.example.com", "/api/v1/users/{id}", 40},
    {"api.example.com", "/api/v1/users/{id}/orders", 25},
    {"api.example.com", "/api/v1/users/{id}/orders/{uuid}", 25},
    {"api.example.com", "/api/v1/users/{id}/addresses/{id}", 10},
    {"api.example.com", "/api/v1/orders/{uuid}", 20},
    {"api.example.com", "/api/v1/orders/{uuid}/items/{id}", 15},
    {"api.example.com", "/api/v1/products/{id}", 40},
    {"api.example.com", "/api/v1/products/{id}/reviews", 15},
    {"api.example.com", "/api/v1/products/search", 20},
    {"api.example.com", "/api/v1/login", 10},
    {"api.example.com", "/api/v1/logout", 5},
    {"api.example.com", "/api/v1/contacts/{phone}", 10},
    {"api.example.com", "/api/v1/subscribers/{email}", 10},
    {"api.example.com", "/api/v1/subscribers/{email}/preferences", 5},
    {"api.example.com", "/api/v1/reports/daily/{date}", 5},
    {"api.example.com", "/api/v1/auth/reset/{token}", 5},
    {"api.example.com", "/api/v2/search", 20},
    {"api.example.com", "/api/v2/users/{uuid}", 20},
    {"api.example.com", "/api/v2/users/{uuid}/sessions/{token}", 10},
    {"api.example.com", "/api/v2/documents/{hex}", 15},
    {"api.example.com", "/api/v2/documents/{hex}/versions/{id}", 10},
    {"www.example.com:8080", "/", 5},
    {"www.example.com:8080", "/static/app.js", 15},
    {"www.example.com:8080", "/static/vendor.js", 10},
    {"www.example.com:8080", "/static/css/main.css", 10},
    {"www.example.com:8080", "/favicon.ico", 5},
    {"www.example.com:8080", "/profiles/{user}", 30},
    {"www.example.com:8080", "/profiles/{user}/followers", 10},
    {"www.example.com:8080", "/profiles/{user}/repos/{repo}", 20},
    {"www.example.com:8080", "/blog/{slug}", 15},
    {"www.example.com:8080", "/blog/{slug}/comments", 5},
};

class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {
    const char* first[] = {"ali", "bo",  "chen", "dai", "emi",  "fer", "gus", "hana",
                           "ivo", "jun", "kai",  "li",  "mona", "nia", "oto", "pia"};
    const char* last[] = {"wang", "smith", "lopez", "kim", "novak", "rossi", "sato", "berg"};
    for (auto f : first)
      for (auto l : last) users_.push_back(std::string(f) + "_" + l);  // 128 user names
    const char* words[] = {"parser", "engine", "tools", "web",   "cli",   "docs",
                           "core",   "api",    "demo",  "utils", "infra", "sdk"};
    for (auto a : words)
      for (auto b : words)
        if (a != b) repos_.push_back(std::string(a) + "-" + b);
    const char* topics[] = {"how",  "why",  "when", "rust",   "cpp",    "caching", "tls",
                            "http", "apis", "rate", "limits", "design", "testing", "scale"};
    for (int i = 0; i < 400; ++i) {
      std::string s;
      const int n = 3 + pick(3);
      for (int w = 0; w < n; ++w) s += (w ? "-" : "") + std::string(topics[pick(14)]);
      slugs_.push_back(s);
    }
    std::sort(slugs_.begin(), slugs_.end());
    slugs_.erase(std::unique(slugs_.begin(), slugs_.end()), slugs_.end());
  }

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  // A value for one placeholder, as a client sends it.
  std::string value(std::string_view ph) {
    static const char kHex[] = "0123456789abcdef";
    static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string v;
    if (ph == "{id}") return std::to_string(1 + pick(pick(2) ? 999 : 99999999));
    if (ph == "{uuid}") {
      for (int i = 0; i < 32; ++i) {
        if (i == 8 || i == 12 || i == 16 || i == 20) v += '-';
        v += kHex[pick(16)];
      }
      return pick(10) == 0 ? upper(v) : v;
    }
    if (ph == "{hex}") {
      for (int i = 0; i < 24; ++i) v += kHex[pick(16)];
      return v;
    }
    if (ph == "{token}") {
      // 32 characters of base64url with a digit and both cases, as a random one has.
      v = "aZ7";
      for (int i = 0; i < 29; ++i) v += kB64[pick(64)];
      std::shuffle(v.begin(), v.end(), rng_);
      return v;
    }
    if (ph == "{phone}") {
      switch (pick(3)) {
        case 0:  // a Chinese mobile
          v = "1" + std::to_string(3 + pick(7));
          for (int i = 0; i < 9; ++i) v += char('0' + pick(10));
          return v;
        case 1:  // E.164, sometimes with '+' percent-encoded
          v = pick(2) ? "+" : "%2B";
          v += "86";
          for (int i = 0; i < 11; ++i) v += char('0' + pick(10));
          return v;
        default:  // US style with dashes
          return std::to_string(200 + pick(800)) + "-" + std::to_string(200 + pick(800)) + "-" +
                 std::to_string(1000 + pick(9000));
      }
    }
    if (ph == "{email}") {
      const std::string& u = users_[pick(int(users_.size()))];
      std::string local = u;
      std::replace(local.begin(), local.end(), '_', '.');
      const char* domains[] = {"example.com", "mail.example.org", "corp.example.cn"};
      return local + (pick(3) == 0 ? "%40" : "@") + domains[pick(3)];
    }
    if (ph == "{date}") {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", 2023 + pick(3), 1 + pick(12), 1 + pick(28));
      return buf;
    }
    if (ph == "{user}") {
      const std::string& u = users_[pick(int(users_.size()))];
      return pick(20) == 0 ? "%E5%BC%A0" + u : u;  // some names start with a CJK character
    }
    if (ph == "{repo}") return repos_[pick(int(repos_.size()))];
    if (ph == "{slug}") return slugs_[pick(int(slugs_.size()))];
    FAIL("unknown placeholder " << ph);
    return v;
  }

  // A request path for `pattern`, and the pattern's true template.
  std::string path(std::string_view pattern, std::string& truth) {
    std::string out;
    truth.clear();
    size_t i = 0;
    while (i < pattern.size()) {
      if (pattern[i] != '{') {
        out += pattern[i];
        truth += pattern[i];
        ++i;
        continue;
      }
      const size_t end = pattern.find('}', i);
      const std::string_view ph = pattern.substr(i, end - i + 1);
      out += value(ph);
      const bool by_name = ph == "{user}" || ph == "{repo}" || ph == "{slug}";
      truth += by_name ? "{param}" : std::string(ph);
      i = end + 1;
    }
    // Client noise: a trailing slash, a doubled slash.
    if (pick(10) == 0 && out != "/") out += '/';
    if (pick(25) == 0) out.insert(0, "/");
    return out;
  }

 private:
  static std::string upper(std::string s) {
    for (char& c : s)
      if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
    return s;
  }

  std::mt19937_64 rng_;
  std::vector<std::string> users_, repos_, slugs_;
};

struct Request {
  std::string host, path, truth;
};

}  // namespace

TEST_CASE("Learnt endpoint templates equal the true set", "[template][quality]") {
  Gen gen(20240131);
  std::vector<int> cumulative;
  int total = 0;
  for (const auto& e : kEndpoints) cumulative.push_back(total += e.weight);

  const int kRequests = 6000;
  std::vector<Request> requests;
  std::set<std::string> true_set, paths;
  for (int i = 0; i < kRequests; ++i) {
    const int r = gen.pick(total);
    const auto& e =
        kEndpoints[std::upper_bound(cumulative.begin(), cumulative.end(), r) - cumulative.begin()];
    Request q;
    q.host = e.host;
    q.path = gen.path(e.pattern, q.truth);
    true_set.insert(q.host + " " + q.truth);
    paths.insert(q.host + " " + q.path);
    requests.push_back(std::move(q));
  }
  REQUIRE(true_set.size() == kEndpoints.size());  // every endpoint drawn

  PathTemplater t(TemplateConfig{});
  std::string out;
  for (const auto& q : requests) t.templ(q.host, q.path, out);

  std::set<std::string> learnt;
  std::map<std::string, int> wrong;  // "host path → got, want" → times
  for (const auto& q : requests) {
    t.lookup(q.host, q.path, out);
    learnt.insert(q.host + " " + out);
    if (out != q.truth) ++wrong[q.host + " " + q.path + " -> " + out + " (want " + q.truth + ")"];
  }

  const auto& c = t.counters();
  WARN("template quality: " << requests.size() << " requests, " << paths.size()
                            << " distinct paths, " << learnt.size() << " templates learnt, "
                            << true_set.size() << " true; " << c.nodes << " nodes, " << c.promoted
                            << " promotions, " << wrong.size() << " distinct mis-templated paths");
  int shown = 0;
  for (const auto& [w, n] : wrong)
    if (shown++ < 20) UNSCOPED_INFO(w << " ×" << n);
  for (const auto& s : learnt)
    if (!true_set.count(s)) UNSCOPED_INFO("learnt, not true: " << s);
  for (const auto& s : true_set)
    if (!learnt.count(s)) UNSCOPED_INFO("true, not learnt: " << s);
  CHECK(wrong.empty());
  CHECK(learnt == true_set);
  CHECK(c.hosts == 2);
  CHECK(c.hosts_capped == 0);
  CHECK(c.nodes_capped == 0);
  CHECK(c.segments_capped == 0);
  CHECK(c.promoted >= 3);  // profiles, repos, blog
}

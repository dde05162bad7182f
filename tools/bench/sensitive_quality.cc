// mirador-sensitive-quality: issue 4, must-show 3. Plants generated identifiers in realistic
// JSON API responses, runs the transactions through the detection engine with the shipped
// rules, and prints per class: planted, found (must equal planted), random same-shape strings
// planted, and how many of those were flagged (the validators' false-positive rate). Exits 1
// when a planted value was missed.
//
//   mirador-sensitive-quality [--count N] [--batch K] [--seed S] [--rules DIR]

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "decoders/http1/http_transaction.h"
#include "detectors/engine/detection_engine.h"
#include "tools/quality/sensitive_corpus.h"

using mirador::HttpTransaction;
namespace detect = mirador::detect;
namespace quality = mirador::quality;

namespace {

struct Options {
  size_t count = 2000;  // valid values per class, and as many random ones
  size_t batch = 20;    // planted values per response
  uint64_t seed = 20240401;
  std::string rules_dir;  // empty: the default rules directory
};

bool parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--count" && has_value) {
      o.count = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--batch" && has_value) {
      o.batch = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--seed" && has_value) {
      o.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--rules" && has_value) {
      o.rules_dir = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: %s [--count N] [--batch K] [--seed S] [--rules DIR]\n"
                   "unknown or incomplete option: %s\n",
                   argv[0], a.c_str());
      return false;
    }
  }
  if (o.count == 0 || o.batch == 0) {
    std::fprintf(stderr, "--count and --batch must be at least 1\n");
    return false;
  }
  return true;
}

// One GET of a listing endpoint answered with `body`, as the HTTP/1 decoder would hand it over.
void fill_transaction(HttpTransaction& t, uint32_t depth, std::string body) {
  t = HttpTransaction{};
  t.request_ts_us = 1'700'000'000'000'000 + depth * 1000;
  t.end_ts_us = t.request_ts_us + 800;
  t.trans_depth = depth;
  t.method = "GET";
  t.uri = "/api/v1/records?page=" + std::to_string(depth) + "&size=20";
  t.version = "1.1";
  t.request_headers = {
      {"Host", "api.example.com"}, {"Accept", "application/json"}, {"User-Agent", "okhttp/4.12.0"}};
  t.has_response = true;
  t.response_version = "1.1";
  t.status = 200;
  t.status_msg = "OK";
  t.response_headers = {{"Content-Type", "application/json; charset=utf-8"},
                        {"Content-Length", std::to_string(body.size())}};
  t.response_body_wire_len = body.size();
  t.response_body_len = body.size();
  t.response_body = std::move(body);
}

// Per data class: occurrences the engine reported in responses.
using Counts = std::map<std::string, uint64_t>;

void count_findings(const std::vector<detect::Finding>& findings, Counts& out) {
  for (const detect::Finding& f : findings)
    if (f.kind == detect::RuleKind::data && f.in_response) out[f.data_class] += f.count;
}

// Runs `values` through the engine in responses of `batch` values; adds what it found.
void run(detect::DetectionEngine& engine, quality::SensitiveCorpus& corpus,
         const std::vector<quality::Planted>& values, size_t batch, uint32_t& depth,
         Counts& found) {
  HttpTransaction t;
  for (size_t i = 0; i < values.size(); i += batch) {
    const std::vector<quality::Planted> part(
        values.begin() + static_cast<std::ptrdiff_t>(i),
        values.begin() + static_cast<std::ptrdiff_t>(std::min(values.size(), i + batch)));
    fill_transaction(t, ++depth, quality::build_json_response(part, corpus));
    count_findings(engine.inspect(t), found);
  }
}

std::string others(const Counts& c, const std::string& except) {
  std::string s;
  for (const auto& [cls, n] : c) {
    if (cls == except || n == 0) continue;
    if (!s.empty()) s += ", ";
    s += cls + "=" + std::to_string(n);
  }
  return s.empty() ? "-" : s;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, o)) return 2;

  std::shared_ptr<const detect::CompiledRules> rules;
  try {
    rules = detect::load_compiled_rules(o.rules_dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rules: %s\n", e.what());
    return 2;
  }
  detect::DetectionConfig cfg;
  cfg.max_findings = 1024;  // every class of every response counted
  detect::DetectionEngine engine(rules, cfg);

  quality::SensitiveCorpus corpus(o.seed);
  uint32_t depth = 0;
  bool missed = false;
  std::printf("%-15s %8s %8s %8s | %8s %8s %9s | %s\n", "class", "planted", "found", "other",
              "random", "flagged", "FP rate", "random flagged as other classes");
  for (quality::IdClass c : quality::kIdClasses) {
    const std::string name(quality::id_class_name(c));
    // Valid values: two thirds under realistic keys, one third under neutral keys (except for
    // classes whose rules need a context key).
    std::vector<quality::Planted> valid, random;
    for (size_t i = 0; i < o.count; ++i) valid.push_back({c, corpus.valid(c), i % 3 == 2});
    for (size_t i = 0; i < o.count; ++i) random.push_back({c, corpus.random_like(c), i % 3 == 2});
    Counts found, flagged;
    run(engine, corpus, valid, o.batch, depth, found);
    run(engine, corpus, random, o.batch, depth, flagged);
    const uint64_t hit = found[name];
    const uint64_t fp = flagged[name];
    uint64_t other = 0;
    for (const auto& [cls, n] : found) other += cls == name ? 0 : n;
    std::printf("%-15s %8zu %8llu %8llu | %8zu %8llu %8.3f%% | %s\n", name.c_str(), valid.size(),
                static_cast<unsigned long long>(hit), static_cast<unsigned long long>(other),
                random.size(), static_cast<unsigned long long>(fp),
                100.0 * static_cast<double>(fp) / static_cast<double>(random.size()),
                others(flagged, name).c_str());
    if (hit != valid.size()) missed = true;  // fewer: missed; more: counted twice
  }
  const detect::DetectionCounters& k = engine.counters();
  std::printf(
      "\n%llu transactions, %llu fields, %llu bytes scanned; %llu validator rejects, "
      "%llu context rejects\n",
      static_cast<unsigned long long>(k.transactions),
      static_cast<unsigned long long>(k.fields_scanned),
      static_cast<unsigned long long>(k.bytes_scanned),
      static_cast<unsigned long long>(k.validator_rejects),
      static_cast<unsigned long long>(k.context_rejects));
  std::printf("%s\n",
              missed ? "FAIL: found differs from planted" : "ok: every planted value found");
  return missed ? 1 : 0;
}

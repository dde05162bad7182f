#include "detectors/engine/detection_engine.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "detectors/attack/normalize.h"
#include "detectors/engine/scan_memo.h"
#include "detectors/sensitive/mask.h"
#include "detectors/sensitive/validator_registry.h"

namespace mirador::detect {

namespace {

bool is_response(Part p) {
  return p == Part::response_header || p == Part::response_body;
}

// Form bodies and query strings were split and decoded once by the extractor; a '+' left in a
// value was sent as %2B, so it is not a space any more.
constexpr bool kPlusIsSpace = false;

// How many bytes before a match are searched for a context word when the key has none (a raw
// text body: "身份证号：110105…").
constexpr size_t kContextWindow = 48;

bool contains_word(std::string_view hay, std::string_view word) {
  if (word.empty() || hay.size() < word.size()) return false;
  for (size_t i = 0; i + word.size() <= hay.size(); ++i) {
    size_t j = 0;
    while (j < word.size()) {
      char c = hay[i + j];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != word[j]) break;
      ++j;
    }
    if (j == word.size()) return true;
  }
  return false;
}

// A short, printable excerpt of normalised attack input ending at the match: what a human needs
// to see why the signature fired.
void attack_excerpt(std::string_view text, uint32_t end, std::string& out) {
  constexpr size_t kBefore = 64, kAfter = 16;
  const size_t e = std::min<size_t>(text.size(), size_t{end} + kAfter);
  const size_t b = end > kBefore ? end - kBefore : 0;
  out.assign(text.substr(b, e - b));
}

}  // namespace

// A value for the data scan, in field order. A value the memo knows carries its remembered
// matches; the others are gathered into one buffer (`offset`) and scanned together.
struct ValueSpan {
  uint32_t field;
  uint32_t offset = 0, length = 0;  // in State::concat (values not found in the memo)
  uint64_t hash = 0;                // ScanMemo slot hash
  bool cached = false;
  uint32_t first = 0, count = 0;  // its matches in State::value_matches, offsets in the value
};

// Between values in the data-scan buffer; no data pattern can match across it.
constexpr char kSeparator = '\n';

// A finding being built: one per (kind, class, side) in a transaction.
struct Group {
  RuleKind kind = RuleKind::attack;
  bool in_response = false;
  uint32_t lead = 0;  // rule that names the finding: highest severity, first seen
  std::string_view rule_class;
  std::vector<uint32_t> rules;
  std::vector<std::string> locations;
  std::vector<std::string> samples;
  uint32_t count = 0;
};

struct DetectionEngine::State {
  explicit State(size_t memo_slots) : value_memo(memo_slots), attack_memo(memo_slots) {}

  std::vector<Match> matches;
  // Raw value matches by exact value, and request values known to match no attack signature.
  ScanMemo value_memo, attack_memo;
  std::vector<Match> value_matches;  // every value's matches, ranges given by ValueSpan
  // The values holding a candidate, one after the other, for one leftmost-start scan.
  std::string exact;
  std::vector<uint32_t> exact_spans, exact_offsets;
  const std::vector<uint32_t> no_rules;
  std::vector<std::pair<uint32_t, uint32_t>> accepted;  // (rule, end) of kept value matches
  // Every value to scan for data, one after the other with a separator, and where each is.
  std::string concat;
  std::vector<ValueSpan> spans;
  std::vector<uint32_t> ends;                    // candidate match ends in concat
  std::vector<Match> one;                        // a value scanned on its own
  std::vector<sensitive::Validator> validators;  // per rule index, null = none
  // Parts any rule of each database looks at: other fields are not scanned at all.
  PartMask attack_parts = 0, value_parts = 0, key_parts = 0;

  // Key scans memoised: the same few names ("id", "email", "phone") come back in every record of
  // every JSON list. Direct-mapped, strings' capacity reused; cleared on reload.
  struct KeySlot {
    bool valid = false;
    std::string key;
    std::vector<uint32_t> rules;
  };
  static constexpr size_t kKeySlots = 512;
  static constexpr size_t kMaxCachedKey = 64;
  std::vector<KeySlot> key_cache = std::vector<KeySlot>(kKeySlots);

  // The data rules whose key patterns match `k` (valid until the next call).
  const std::vector<uint32_t>& key_rules_of(Scanner& scanner, std::string_view k) {
    if (k.size() > kMaxCachedKey) {
      scanner.scan_key(k, long_key_rules);
      return long_key_rules;
    }
    KeySlot& s = key_cache[std::hash<std::string_view>{}(k) % kKeySlots];
    if (!s.valid || s.key != k) {
      scanner.scan_key(k, s.rules);
      s.key.assign(k);
      s.valid = true;
    }
    return s.rules;
  }
  std::vector<uint32_t> long_key_rules;
  std::string norm, norm_scratch, location, sample, raw_sample;
  std::vector<Group> groups;  // the first `used` are live; the rest keep their capacity
  size_t used = 0;

  void reset() {
    used = 0;
    concat.clear();
    spans.clear();
    accepted.clear();
    value_matches.clear();
  }

  Group& group(RuleKind kind, std::string_view cls, bool in_response) {
    for (size_t i = 0; i < used; ++i) {
      Group& g = groups[i];
      if (g.kind == kind && g.in_response == in_response && g.rule_class == cls) return g;
    }
    if (used == groups.size()) groups.emplace_back();
    Group& g = groups[used++];
    g.kind = kind;
    g.in_response = in_response;
    g.rule_class = cls;
    g.rules.clear();
    g.locations.clear();
    g.samples.clear();
    g.count = 0;
    g.lead = UINT32_MAX;
    return g;
  }
};

DetectionEngine::DetectionEngine(std::shared_ptr<const CompiledRules> rules,
                                 const DetectionConfig& cfg)
    : cfg_(cfg), extractor_(cfg.fields), state_(std::make_unique<State>(cfg.memo_slots)) {
  fields_.max_fields = cfg.fields.max_fields;
  fields_.max_bytes = cfg.fields.max_field_bytes;
  reload(std::move(rules));
}

DetectionEngine::~DetectionEngine() = default;

void DetectionEngine::reload(std::shared_ptr<const CompiledRules> rules) {
  if (!rules) throw std::invalid_argument("DetectionEngine: no rules");
  State& st = *state_;
  st.validators.assign(rules->rules().rules.size(), nullptr);
  st.attack_parts = st.value_parts = st.key_parts = 0;
  for (State::KeySlot& s : st.key_cache) s.valid = false;
  st.value_memo.clear();
  st.attack_memo.clear();
  for (size_t i = 0; i < rules->rules().rules.size(); ++i) {
    const Rule& r = rules->rules().rules[i];
    if (!r.validator.empty()) st.validators[i] = sensitive::find_validator(r.validator);
    if (r.kind == RuleKind::attack) st.attack_parts |= r.where;
    if (r.kind == RuleKind::data && !r.patterns.empty()) st.value_parts |= r.where;
    if (r.kind == RuleKind::data && !r.key_patterns.empty()) st.key_parts |= r.where;
  }
  scanner_ = std::make_unique<Scanner>(std::move(rules));
  scanner_->max_matches = cfg_.max_matches;
}

void DetectionEngine::set_reporting(const DetectionConfig& cfg) {
  cfg_.max_scan_bytes = cfg.max_scan_bytes;
  cfg_.max_matches = cfg.max_matches;
  cfg_.max_findings = cfg.max_findings;
  cfg_.max_locations = cfg.max_locations;
  cfg_.max_samples = cfg.max_samples;
  cfg_.min_severity = cfg.min_severity;
  scanner_->max_matches = cfg_.max_matches;
}

const ScanCounters& DetectionEngine::scan_counters() const {
  return scanner_->counters();
}

const MemoCounters& DetectionEngine::value_memo_counters() const {
  return state_->value_memo.counters();
}

const MemoCounters& DetectionEngine::attack_memo_counters() const {
  return state_->attack_memo.counters();
}

namespace {

// One more hit in `g`. The location and the sample are made only while the finding still lists
// more of them: a list response with 500 e-mail addresses masks three.
template <class Location, class Sample>
void add_hit(Group& g, const CompiledRules& rules, uint32_t rule, const DetectionConfig& cfg,
             Location&& location, Sample&& sample) {
  ++g.count;
  if (std::find(g.rules.begin(), g.rules.end(), rule) == g.rules.end()) g.rules.push_back(rule);
  if (g.lead == UINT32_MAX || rules.rule(rule).severity > rules.rule(g.lead).severity)
    g.lead = rule;
  if (g.locations.size() < cfg.max_locations) {
    const std::string& where = location();
    if (std::find(g.locations.begin(), g.locations.end(), where) == g.locations.end())
      g.locations.push_back(where);
  }
  if (g.samples.size() < cfg.max_samples) {
    const std::string_view what = sample();
    if (!what.empty() && std::find(g.samples.begin(), g.samples.end(), what) == g.samples.end())
      g.samples.emplace_back(what);
  }
}

}  // namespace

std::vector<Finding>& DetectionEngine::inspect(const HttpTransaction& t) {
  State& st = *state_;
  st.reset();
  ++counters_.transactions;
  const CompiledRules& rules = scanner_->rules();
  extractor_.extract(t, fields_);
  // Evasion signs: the decoders' (on the transaction), then the normaliser's (in the loop).
  uint32_t evasions = transaction_evasions(t);

  const bool have_attack = rules.attack_db() != nullptr;
  const bool have_values = rules.value_db() != nullptr;
  const bool have_keys = rules.key_db() != nullptr;

  for (size_t i = 0; i < fields_.size(); ++i) {
    const Field f = fields_[i];
    std::string_view text = f.value;
    if (text.size() > cfg_.max_scan_bytes) {
      text = text.substr(0, cfg_.max_scan_bytes);
      ++counters_.scan_truncated;
    }
    if (text.empty() && f.key.empty()) continue;  // a key alone is still input ({"$gt": ""})
    const PartMask bit = part_bit(f.part);
    if (((st.attack_parts | st.value_parts | st.key_parts) & bit) == 0) continue;
    ++counters_.fields_scanned;
    counters_.bytes_scanned += text.size();
    const bool response = is_response(f.part);
    bool located = false;
    auto location = [&]() -> const std::string& {
      if (!located) fields_.location(i, st.location), located = true;
      return st.location;
    };
    // Both memos hash a value the same way (same function, same size): the value is hashed once
    // for the attack lookup and the data lookup.
    bool hashed = false;
    uint64_t text_hash = 0;
    auto hash_of_text = [&]() {
      if (!hashed) text_hash = st.value_memo.hash(text), hashed = true;
      return text_hash;
    };

    // Attack signatures: request input, as the server would read it. Parameter names are
    // input too (user[$ne]=, a JSON key "$where"), so they are scanned as well.
    if (have_attack && !response && (st.attack_parts & bit)) {
      const bool named =
          !f.key.empty() && (f.part == Part::request_query || f.part == Part::request_body ||
                             f.part == Part::request_cookie);
      // The extractor percent-decoded these once already (as the server does).
      const bool decoded_once = f.part == Part::request_target || f.part == Part::request_path ||
                                f.part == Part::request_query;
      for (int pass = named ? 0 : 1; pass < 2; ++pass) {
        const std::string_view in = pass == 0 ? f.key : text;
        // Normalising never lengthens: too short now is too short for every signature.
        if (in.size() < rules.attack_min_width()) continue;
        // Only values that matched nothing are remembered: a hit is clean, as it was before.
        const uint64_t h = pass == 0 ? st.attack_memo.hash(in) : hash_of_text();
        std::span<const Match> seen;
        if (st.attack_memo.find(in, h, seen)) continue;
        const uint32_t nf = normalize_for_signatures(in, st.norm, st.norm_scratch, kPlusIsSpace);
        scanner_->scan_attack(st.norm, st.matches);
        if (st.matches.empty()) {
          const uint32_t ev = normalization_evasions(nf, decoded_once, false);
          // An evasion sign is reported every time: such a value is not remembered (rare).
          if (ev == 0) {
            st.attack_memo.store(in, h, {});
          } else {
            evasions |= ev;
          }
          continue;
        }
        bool hit = false;
        for (const Match& m : st.matches) {
          const Rule& r = rules.rule(m.rule);
          if ((r.where & bit) == 0) continue;
          hit = true;
          add_hit(st.group(RuleKind::attack, r.rule_class, false), rules, m.rule, cfg_, location,
                  [&]() -> std::string_view {
                    attack_excerpt(st.norm, m.end, st.sample);
                    return st.sample;
                  });
        }
        evasions |= normalization_evasions(nf, decoded_once, hit);
      }
    }

    // Keys: which data rules this field's name selects.
    const std::vector<uint32_t>& key_rules = have_keys && !f.key.empty() && (st.key_parts & bit)
                                                 ? st.key_rules_of(*scanner_, f.key)
                                                 : st.no_rules;
    for (uint32_t ri : key_rules) {
      if (!rules.key_only(ri)) continue;
      const Rule& r = rules.rule(ri);
      if ((r.where & bit) == 0) continue;
      if (text.size() < r.min_length) continue;
      const sensitive::Validator v = st.validators[ri];
      if (v && !v(text, 0, text.size())) {
        ++counters_.validator_rejects;
        continue;
      }
      add_hit(st.group(RuleKind::data, r.rule_class, response), rules, ri, cfg_, location,
              [&]() -> std::string_view {
                data_sample(r.rule_class, text, st.sample);
                return st.sample;
              });
    }

    // Data values: gathered into one buffer, scanned once after the loop (a JSON list has
    // hundreds of values; one Hyperscan call per value cost more than the scanning itself).
    if (!have_values || (st.value_parts & bit) == 0 || text.size() < rules.value_min_width()) {
      continue;
    }
    ValueSpan span{static_cast<uint32_t>(i)};
    span.length = static_cast<uint32_t>(text.size());
    span.hash = hash_of_text();
    std::span<const Match> seen;
    if (st.value_memo.find(text, span.hash, seen)) {
      span.cached = true;
      span.first = static_cast<uint32_t>(st.value_matches.size());
      span.count = static_cast<uint32_t>(seen.size());
      st.value_matches.insert(st.value_matches.end(), seen.begin(), seen.end());
    } else {
      span.offset = static_cast<uint32_t>(st.concat.size());
      st.concat.append(text);
      st.concat += kSeparator;
    }
    st.spans.push_back(span);
  }
  scan_data_values();

  // Below min_severity (an info-level fact such as "a bearer token was used"): counted, not
  // reported. The kept groups keep their order.
  size_t kept = 0;
  for (size_t gi = 0; gi < st.used; ++gi) {
    if (rules.rule(st.groups[gi].lead).severity < cfg_.min_severity) {
      ++counters_.below_min_severity;
      continue;
    }
    if (kept != gi) std::swap(st.groups[kept], st.groups[gi]);
    ++kept;
  }
  st.used = kept;

  // Findings, attacks first (they are what a SOC triages), then data by side.
  size_t n = st.used;
  const bool smuggling = t.has(HttpAnomaly::cl_and_te) ||
                         t.has(HttpAnomaly::duplicate_content_length) ||
                         t.has(HttpAnomaly::te_not_chunked_last);
  if (smuggling) ++n;
  if (evasions != 0 && evasion_severity(evasions) < cfg_.min_severity) {
    ++counters_.below_min_severity;
    evasions = 0;
  }
  if (evasions != 0) ++n;
  if (n > cfg_.max_findings) {
    counters_.findings_capped += n - cfg_.max_findings;
    n = cfg_.max_findings;
  }
  findings_.resize(n);
  size_t out = 0;
  if (smuggling && out < n) {
    Finding& x = findings_[out++];
    x.kind = RuleKind::attack;
    x.rule_ids.clear();
    if (t.has(HttpAnomaly::cl_and_te)) x.rule_ids.emplace_back("smuggling.cl_and_te");
    if (t.has(HttpAnomaly::duplicate_content_length))
      x.rule_ids.emplace_back("smuggling.duplicate_content_length");
    if (t.has(HttpAnomaly::te_not_chunked_last))
      x.rule_ids.emplace_back("smuggling.te_not_chunked_last");
    x.id = x.rule_ids.front();
    x.risk_class = "request_smuggling";
    x.data_class.clear();
    x.severity = Severity::high;
    x.owasp_api = "API8:2023";
    x.summary =
        "Request smuggling sign: framing headers a front end and a back end may read differently";
    x.in_response = false;
    x.locations.assign(1, "request.header");
    x.samples.clear();
    x.count = static_cast<uint32_t>(x.rule_ids.size());
    ++counters_.smuggling_findings;
  }
  if (evasions != 0 && out < n) {
    fill_evasion_finding(evasions, findings_[out++]);
    ++counters_.evasion_findings;
    for (size_t k = 0; k < kEvasionCount; ++k) {
      if (evasions & (1u << k)) ++counters_.evasions[k];
    }
  }
  for (int pass = 0; pass < 2; ++pass) {
    const RuleKind want = pass == 0 ? RuleKind::attack : RuleKind::data;
    for (size_t gi = 0; gi < st.used && out < n; ++gi) {
      Group& g = st.groups[gi];
      if (g.kind != want) continue;
      const Rule& lead = rules.rule(g.lead);
      Finding& x = findings_[out++];
      x.kind = g.kind;
      x.id = lead.id;
      x.in_response = g.in_response;
      x.severity = lead.severity;
      x.owasp_api = lead.owasp_api;
      if (g.kind == RuleKind::attack) {
        x.risk_class.assign(g.rule_class);
        x.data_class.clear();
        x.summary = lead.summary;
        ++counters_.attack_findings;
      } else {
        x.risk_class = "sensitive_data";
        x.data_class.assign(g.rule_class);
        // Built in place: the finding's string keeps its capacity from one transaction to the
        // next (to_string and operator+ made five temporaries per finding).
        char count[16];
        const auto c = std::to_chars(count, count + sizeof count, g.count);
        x.summary.assign(count, c.ptr);
        x.summary += ' ';
        x.summary += g.rule_class;
        x.summary += g.count == 1 ? " value in the " : " values in the ";
        x.summary += g.in_response ? "response" : "request";
        if (!lead.summary.empty()) {
          x.summary += ": ";
          x.summary += lead.summary;
        }
        ++counters_.data_findings;
      }
      x.rule_ids.clear();
      for (uint32_t r : g.rules) x.rule_ids.push_back(rules.rule(r).id);
      std::sort(x.rule_ids.begin(), x.rule_ids.end());
      x.locations.swap(g.locations);
      x.samples.swap(g.samples);
      x.count = g.count;
    }
  }
  return findings_;
}

void DetectionEngine::data_sample(std::string_view data_class, std::string_view value,
                                  std::string& out) const {
  out.clear();
  if (cfg_.mask_samples) {
    sensitive::mask_value(data_class, value, out);
  } else {
    out.assign(value);
  }
}

std::string_view DetectionEngine::span_text(const ValueSpan& span) const {
  return fields_[span.field].value.substr(0, span.length);
}

void DetectionEngine::scan_data_values() {
  State& st = *state_;
  if (st.spans.empty()) return;
  if (!st.concat.empty()) find_value_matches();
  // In field order, whether the memo knew the value or not: findings never depend on what a
  // worker happened to see before.
  for (const ValueSpan& span : st.spans) {
    if (span.count == 0) continue;
    accept_values(span.field, span_text(span),
                  std::span<const Match>(st.value_matches.data() + span.first, span.count));
  }
}

void DetectionEngine::find_value_matches() {
  State& st = *state_;
  // One fast pass over every new value says where candidates end; the values holding one are
  // gathered again for one leftmost-start scan. The rest matched nothing, and are remembered so.
  scanner_->candidate_ends(st.concat, st.ends);
  st.exact.clear();
  st.exact_spans.clear();
  st.exact_offsets.clear();
  size_t e = 0;
  for (size_t si = 0; si < st.spans.size(); ++si) {
    ValueSpan& span = st.spans[si];
    if (span.cached) continue;
    // An end may fall on the separator: patterns close on a boundary byte.
    const uint32_t last = span.offset + span.length + 1;
    while (e < st.ends.size() && st.ends[e] <= span.offset) ++e;
    if (e == st.ends.size() || st.ends[e] > last) {
      st.value_memo.store(span_text(span), span.hash, {});
      continue;
    }
    st.exact_spans.push_back(static_cast<uint32_t>(si));
    st.exact_offsets.push_back(static_cast<uint32_t>(st.exact.size()));
    st.exact.append(span_text(span));
    st.exact += kSeparator;
  }
  if (st.exact_spans.empty()) return;
  // No separator after the last value: there `$` closes a match, as in the value on its own
  // (a separator too would end the same match twice).
  st.exact.pop_back();
  scanner_->scan_values_exact(st.exact, st.matches);
  std::vector<Match>& m = st.matches;
  if (!std::is_sorted(m.begin(), m.end(),
                      [](const Match& a, const Match& b) { return a.end < b.end; })) {
    std::stable_sort(m.begin(), m.end(),
                     [](const Match& a, const Match& b) { return a.end < b.end; });
  }
  size_t mi = 0;
  for (size_t k = 0; k < st.exact_spans.size(); ++k) {
    ValueSpan& span = st.spans[st.exact_spans[k]];
    const std::string_view text = span_text(span);
    const uint32_t from = st.exact_offsets[k];
    const uint32_t last = from + span.length + 1;
    span.first = static_cast<uint32_t>(st.value_matches.size());
    bool crossed = false;
    while (mi < m.size() && m[mi].end <= last) {
      const Match& x = m[mi++];
      if (x.end <= from) continue;
      if (x.begin < from) {
        crossed = true;  // began in the value before: this value is scanned on its own
        continue;
      }
      st.value_matches.push_back(
          Match{x.rule, x.begin - from, std::min<uint32_t>(x.end - from, span.length)});
    }
    if (crossed) {
      st.value_matches.resize(span.first);
      scanner_->scan_values_exact(text, st.one);
      st.value_matches.insert(st.value_matches.end(), st.one.begin(), st.one.end());
    }
    span.count = static_cast<uint32_t>(st.value_matches.size()) - span.first;
    st.value_memo.store(text, span.hash,
                        std::span<const Match>(st.value_matches.data() + span.first, span.count));
  }
}

void DetectionEngine::accept_values(uint32_t field, std::string_view text,
                                    std::span<const Match> matches) {
  State& st = *state_;
  const CompiledRules& rules = scanner_->rules();
  const Field f = fields_[field];
  st.accepted.clear();
  for (const Match& m : matches) {
    const uint32_t begin = m.begin;
    const uint32_t end = m.end;
    const Rule& r = rules.rule(m.rule);
    if ((r.where & part_bit(f.part)) == 0) continue;
    // Overlapping matches of one rule (a 20-digit run matching at three offsets) count once.
    bool overlaps = false;
    for (const auto& [rule, accepted_end] : st.accepted) {
      if (rule == m.rule && begin < accepted_end) overlaps = true;
    }
    if (overlaps) continue;
    const sensitive::Validator v = st.validators[m.rule];
    if (v && !v(text, begin, end)) {
      ++counters_.validator_rejects;
      continue;
    }
    if (!r.key_patterns.empty()) {
      const std::vector<uint32_t>& key_rules =
          f.key.empty() ? st.no_rules : st.key_rules_of(*scanner_, f.key);
      if (std::find(key_rules.begin(), key_rules.end(), m.rule) == key_rules.end()) {
        ++counters_.context_rejects;
        continue;
      }
    }
    if (r.context_required) {
      const size_t from = begin > kContextWindow ? begin - kContextWindow : 0;
      const std::string_view before = text.substr(from, begin - from);
      bool found = false;
      for (const std::string& w : r.context) {
        if (contains_word(f.key, w) || contains_word(f.path, w) || contains_word(before, w)) {
          found = true;
          break;
        }
      }
      if (!found) {
        ++counters_.context_rejects;
        continue;
      }
    }
    st.accepted.emplace_back(m.rule, end);
    add_hit(
        st.group(RuleKind::data, r.rule_class, is_response(f.part)), rules, m.rule, cfg_,
        [&]() -> const std::string& {
          fields_.location(field, st.location);
          return st.location;
        },
        [&]() -> std::string_view {
          data_sample(r.rule_class, text.substr(begin, end - begin), st.sample);
          return st.sample;
        });
  }
}

std::shared_ptr<const CompiledRules> load_compiled_rules(const std::string& rules_dir) {
  const std::string dir = rules_dir.empty() ? default_rules_dir() : rules_dir;
  RuleSet set;
  std::vector<RuleError> errors;
  load_rule_dir(dir, set, errors);
  if (errors.empty()) check_rules(set, errors, /*compile_each=*/false);
  std::shared_ptr<const CompiledRules> compiled;
  if (errors.empty()) compiled = CompiledRules::compile(std::move(set), errors);
  if (!compiled || !errors.empty()) {
    std::string msg = "rules in " + dir + " rejected:";
    for (const RuleError& e : errors) msg += "\n  " + e.str();
    throw std::runtime_error(msg);
  }
  return compiled;
}

}  // namespace mirador::detect

// One worker's scans: one Hyperscan scratch grown to fit all three databases, callbacks that
// append to the caller's reused vector and stop the scan at max_matches.
#include "detectors/engine/scanner.h"

#include <hs/hs.h>

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>

namespace mirador::detect {

namespace {

struct MatchCtx {
  const CompiledRules* rules;
  std::vector<Match>* out;
  size_t max;
  bool capped;
};

struct KeyCtx {
  const CompiledRules* rules;
  std::vector<uint32_t>* out;
  size_t max;
  bool capped;
};

// Hyperscan stops the scan when a callback returns non-zero.
int on_attack(unsigned id, unsigned long long, unsigned long long to, unsigned, void* p) {
  auto& c = *static_cast<MatchCtx*>(p);
  const uint32_t rule = c.rules->attack_rule(id);
  // Patterns are single-match, but a rule with several patterns may still report more than once;
  // the list is short (matching rules), so a linear look is cheaper than a set.
  for (const Match& m : *c.out)
    if (m.rule == rule) return 0;
  if (c.out->size() >= c.max) {
    c.capped = true;
    return 1;
  }
  c.out->push_back(Match{rule, 0, static_cast<uint32_t>(to)});
  return 0;
}

int on_value(unsigned id, unsigned long long from, unsigned long long to, unsigned, void* p) {
  auto& c = *static_cast<MatchCtx*>(p);
  for (uint32_t rule : c.rules->value_rules(id)) {
    if (c.out->size() >= c.max) {
      c.capped = true;
      return 1;
    }
    c.out->push_back(Match{rule, static_cast<uint32_t>(from), static_cast<uint32_t>(to)});
  }
  return 0;
}

int on_key(unsigned id, unsigned long long, unsigned long long, unsigned, void* p) {
  auto& c = *static_cast<KeyCtx*>(p);
  const uint32_t rule = c.rules->key_rule(id);
  if (std::find(c.out->begin(), c.out->end(), rule) != c.out->end()) return 0;
  if (c.out->size() >= c.max) {
    c.capped = true;
    return 1;
  }
  c.out->push_back(rule);
  return 0;
}

}  // namespace

Scanner::Scanner(std::shared_ptr<const CompiledRules> rules) : rules_(std::move(rules)) {
  // One scratch serves every database: hs_alloc_scratch grows it to fit each in turn.
  for (const hs_database_t* db :
       {rules_->attack_db(), rules_->value_db(), rules_->key_db(), rules_->value_prefilter_db()}) {
    if (!db) continue;
    if (hs_alloc_scratch(db, &scratch_) != HS_SUCCESS) {
      if (scratch_) hs_free_scratch(scratch_);
      throw std::runtime_error("hyperscan: cannot allocate scratch space");
    }
  }
}

Scanner::~Scanner() {
  if (scratch_) hs_free_scratch(scratch_);
}

namespace {

// hs_scan takes an unsigned int length; Match offsets are 32-bit. Longer text is scanned up to
// that length (the engine caps fields far below it).
unsigned scan_length(std::string_view text) {
  return static_cast<unsigned>(std::min<size_t>(text.size(), UINT_MAX));
}

// One hs_scan, with the counters every scan keeps (the callback's own stop is not an error).
void counted_scan(const hs_database_t* db, std::string_view text, hs_scratch_t* scratch,
                  match_event_handler on_match, void* ctx, ScanCounters& k) {
  const hs_error_t rc = hs_scan(db, text.data(), scan_length(text), 0, scratch, on_match, ctx);
  ++k.scans;
  k.bytes += scan_length(text);
  if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) ++k.errors;
}

}  // namespace

void Scanner::scan_attack(std::string_view text, std::vector<Match>& out) {
  out.clear();
  const hs_database_t* db = rules_->attack_db();
  if (!db || text.empty()) return;
  MatchCtx c{rules_.get(), &out, max_matches, false};
  counted_scan(db, text, scratch_, on_attack, &c, counters_);
  counters_.matches += out.size();
  if (c.capped) ++counters_.matches_capped;
}

void Scanner::scan_values(std::string_view text, std::vector<Match>& out) {
  out.clear();
  if (!rules_->value_db() || text.empty()) return;
  // Most values match nothing: a scan without start-of-match tracking says so at a fraction of
  // the cost of the leftmost-start scan.
  if (rules_->value_prefilter_db()) {
    // A capped prefilter pass is counted by the exact scan that follows, not twice.
    find_ends(text, ends_);
    if (ends_.empty()) {
      ++counters_.prefilter_skips;
      return;
    }
  }
  scan_values_exact(text, out);
}

namespace {

struct EndsCtx {
  std::vector<uint32_t>* out;
  size_t max;
  bool capped;
};

int on_end(unsigned, unsigned long long, unsigned long long to, unsigned, void* ctx) {
  auto& c = *static_cast<EndsCtx*>(ctx);
  if (!c.out->empty() && c.out->back() == to) return 0;  // several patterns ending here
  if (c.out->size() >= c.max) {
    c.capped = true;
    return 1;
  }
  c.out->push_back(static_cast<uint32_t>(to));
  return 0;
}

}  // namespace

void Scanner::candidate_ends(std::string_view text, std::vector<uint32_t>& ends) {
  if (find_ends(text, ends)) ++counters_.matches_capped;
}

bool Scanner::find_ends(std::string_view text, std::vector<uint32_t>& ends) {
  ends.clear();
  const hs_database_t* pre = rules_->value_prefilter_db();
  if (text.empty()) return false;
  if (!pre) {
    ends.push_back(static_cast<uint32_t>(text.size()));
    return false;
  }
  EndsCtx c{&ends, max_matches, false};
  counted_scan(pre, text, scratch_, on_end, &c, counters_);
  return c.capped;
}

void Scanner::scan_values_exact(std::string_view text, std::vector<Match>& out) {
  out.clear();
  const hs_database_t* db = rules_->value_db();
  if (!db || text.empty()) return;
  MatchCtx c{rules_.get(), &out, max_matches, false};
  counted_scan(db, text, scratch_, on_value, &c, counters_);
  counters_.matches += out.size();
  if (c.capped) ++counters_.matches_capped;
}

void Scanner::scan_key(std::string_view key, std::vector<uint32_t>& out) {
  out.clear();
  const hs_database_t* db = rules_->key_db();
  if (!db || key.empty()) return;
  KeyCtx c{rules_.get(), &out, max_matches, false};
  counted_scan(db, key, scratch_, on_key, &c, counters_);
  counters_.matches += out.size();
  if (c.capped) ++counters_.matches_capped;
}

}  // namespace mirador::detect

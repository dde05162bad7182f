// RuleSet → three Hyperscan block-mode databases (attack, value, key). Each pattern's Hyperscan
// id is its position in its database's table, which maps back to the rule index.
#include "detectors/engine/compiled_rules.h"

#include <hs/hs.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "detectors/engine/hs_flags.h"

namespace mirador::detect {

namespace {

// One database's expressions while they are gathered.
struct DbInput {
  std::vector<const char*> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  std::vector<int> lines;  // for errors
  std::vector<uint32_t>* rule_of = nullptr;
  // With `shared`, an expression written by several rules (the request and response variants
  // of a data class) is compiled once and its id maps to every one of them.
  std::vector<std::vector<uint32_t>>* shared = nullptr;

  void add(const std::string& pattern, unsigned f, uint32_t rule, int line) {
    if (shared) {
      for (size_t j = 0; j < expressions.size(); ++j) {
        if (flags[j] == f && pattern == expressions[j]) {
          (*shared)[j].push_back(rule);
          return;
        }
      }
      shared->push_back({rule});
    }
    ids.push_back(static_cast<unsigned>(expressions.size()));
    expressions.push_back(pattern.c_str());
    flags.push_back(f);
    lines.push_back(line);
    rule_of->push_back(rule);
  }
};

// Null database when there is nothing to compile (scanning it finds nothing).
bool build(const DbInput& in, const char* what, const RuleSet& rules, hs_database_t** db,
           std::vector<RuleError>& errors) {
  if (in.expressions.empty()) return true;
  hs_compile_error_t* err = nullptr;
  const hs_error_t rc = hs_compile_multi(in.expressions.data(), in.flags.data(), in.ids.data(),
                                         static_cast<unsigned>(in.expressions.size()),
                                         HS_MODE_BLOCK, nullptr, db, &err);
  if (rc == HS_SUCCESS) return true;
  RuleError e;
  const std::string msg = err && err->message ? err->message : "compile failed";
  if (err && err->expression >= 0 && static_cast<size_t>(err->expression) < in.expressions.size()) {
    const size_t i = static_cast<size_t>(err->expression);
    const Rule& r = rules.rules[(*in.rule_of)[i]];
    e.file = r.file;
    e.line = in.lines[i];
    e.message = "rule '" + r.id + "': " + what + " pattern '" + in.expressions[i] + "': " + msg;
  } else {
    e.file = "(rules)";
    e.message = std::string(what) + " database: " + msg;
  }
  errors.push_back(std::move(e));
  hs_free_compile_error(err);
  *db = nullptr;
  return false;
}

// The shortest match of any expression of `in` (0 when unknown: then nothing is skipped).
size_t min_width(const DbInput& in) {
  size_t w = SIZE_MAX;
  for (size_t i = 0; i < in.expressions.size(); ++i) {
    hs_expr_info_t* info = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_expression_info(in.expressions[i], in.flags[i], &info, &err) != HS_SUCCESS) {
      hs_free_compile_error(err);
      return 0;
    }
    w = std::min<size_t>(w, info->min_width);
    std::free(info);
  }
  return w == SIZE_MAX ? 0 : w;
}

}  // namespace

std::shared_ptr<const CompiledRules> CompiledRules::compile(RuleSet rules,
                                                            std::vector<RuleError>& errors) {
  std::shared_ptr<CompiledRules> c(new CompiledRules());
  c->rules_ = std::move(rules);
  DbInput attack, value, key;
  attack.rule_of = &c->attack_rule_;
  value.rule_of = &c->value_rule_;
  value.shared = &c->value_rules_;
  key.rule_of = &c->key_rule_;
  const auto& all = c->rules_.rules;
  for (uint32_t ri = 0; ri < all.size(); ++ri) {
    const Rule& r = all[ri];
    const auto line = [&](const std::vector<int>& lines, size_t i) {
      return i < lines.size() ? lines[i] : r.line;
    };
    DbInput& target = r.kind == RuleKind::attack ? attack : value;
    const unsigned vf = hs_flags_for(r, value_db_of(r));
    for (size_t i = 0; i < r.patterns.size(); ++i)
      target.add(r.patterns[i], vf, ri, line(r.pattern_lines, i));
    // Key patterns belong to data rules (the loader refuses them on attack rules).
    if (r.kind == RuleKind::data) {
      const unsigned kf = hs_flags_for(r, PatternDb::key);
      for (size_t i = 0; i < r.key_patterns.size(); ++i)
        key.add(r.key_patterns[i], kf, ri, line(r.key_lines, i));
    }
  }
  bool ok = build(attack, "attack", c->rules_, &c->attack_db_, errors);
  ok = build(value, "value", c->rules_, &c->value_db_, errors) && ok;
  ok = build(key, "key", c->rules_, &c->key_db_, errors) && ok;
  if (!ok) return nullptr;
  DbInput prefilter = value;
  std::vector<uint32_t> unused;
  prefilter.rule_of = &unused;
  prefilter.shared = nullptr;
  for (unsigned& f : prefilter.flags) f &= ~HS_FLAG_SOM_LEFTMOST;
  if (!build(prefilter, "value prefilter", c->rules_, &c->value_prefilter_db_, errors)) {
    return nullptr;
  }
  c->attack_min_width_ = min_width(attack);
  c->value_min_width_ = min_width(value);  // the destructor frees whichever databases were built
  return c;
}

CompiledRules::~CompiledRules() {
  for (hs_database_t* db : {attack_db_, value_db_, key_db_, value_prefilter_db_})
    if (db) hs_free_database(db);
}

bool CompiledRules::key_only(uint32_t rule_index) const {
  const Rule& r = rules_.rules[rule_index];
  return r.kind == RuleKind::data && r.patterns.empty() && !r.key_patterns.empty();
}

size_t CompiledRules::pattern_count() const {
  return attack_rule_.size() + value_rule_.size() + key_rule_.size();
}

size_t CompiledRules::database_bytes() const {
  size_t total = 0;
  for (const hs_database_t* db : {attack_db_, value_db_, key_db_}) {
    size_t n = 0;
    if (db && hs_database_size(db, &n) == HS_SUCCESS) total += n;
  }
  return total;
}

}  // namespace mirador::detect

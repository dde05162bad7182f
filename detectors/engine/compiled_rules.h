// CompiledRules: a RuleSet compiled into Hyperscan block-mode databases, once at start and on
// reload. Immutable and shared by every worker (a Hyperscan database is read-only while
// scanning); each worker has its own Scanner with its own scratch.
//
// Three databases, because they answer different questions:
//   attack — attack patterns, matched against normalised request input; only "which rule" and
//            "where it ended" are needed, so no start-of-match (faster, fewer restrictions);
//   value  — data patterns with HS_FLAG_SOM_LEFTMOST: the validator needs the exact match;
//   key    — key patterns of data rules, matched against field keys (context).
// A database with no patterns is null and scanning it finds nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "detectors/engine/rule.h"
#include "detectors/engine/rule_loader.h"

struct hs_database;

namespace mirador::detect {

class CompiledRules {
 public:
  // Compiles `rules` (which should have passed check_rules). Returns null and appends errors
  // (with the rule's file and line) when Hyperscan refuses a pattern.
  static std::shared_ptr<const CompiledRules> compile(RuleSet rules,
                                                      std::vector<RuleError>& errors);
  ~CompiledRules();
  CompiledRules(const CompiledRules&) = delete;
  CompiledRules& operator=(const CompiledRules&) = delete;

  const RuleSet& rules() const { return rules_; }
  const Rule& rule(uint32_t index) const { return rules_.rules[index]; }

  const hs_database* attack_db() const { return attack_db_; }
  const hs_database* value_db() const { return value_db_; }
  const hs_database* key_db() const { return key_db_; }
  // The value patterns again without start-of-match: a cheap pass that says where candidates
  // end, so that only the values holding one get the leftmost-start scan.
  const hs_database* value_prefilter_db() const { return value_prefilter_db_; }
  // Shortest text any pattern of the database can match (hs_expression_info): shorter values are
  // not scanned at all.
  size_t attack_min_width() const { return attack_min_width_; }
  size_t value_min_width() const { return value_min_width_; }
  // Hyperscan pattern id → rule index, per database.
  uint32_t attack_rule(unsigned id) const { return attack_rule_[id]; }
  uint32_t value_rule(unsigned id) const { return value_rule_[id]; }
  // Every rule whose value pattern has this id (identical expressions are compiled once).
  const std::vector<uint32_t>& value_rules(unsigned id) const { return value_rules_[id]; }
  uint32_t key_rule(unsigned id) const { return key_rule_[id]; }
  // Data rules with keys and no value patterns (the whole value counts when the key matches).
  bool key_only(uint32_t rule_index) const;

  size_t pattern_count() const;   // over the three databases
  size_t database_bytes() const;  // hs_database_size summed

 private:
  CompiledRules() = default;
  RuleSet rules_;
  hs_database* attack_db_ = nullptr;
  hs_database* value_db_ = nullptr;
  hs_database* key_db_ = nullptr;
  hs_database* value_prefilter_db_ = nullptr;
  size_t attack_min_width_ = 0, value_min_width_ = 0;
  std::vector<uint32_t> attack_rule_, value_rule_, key_rule_;
  std::vector<std::vector<uint32_t>> value_rules_;
};

}  // namespace mirador::detect

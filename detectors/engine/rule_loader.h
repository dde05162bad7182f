// Loading rule files: YAML → RuleSet, with every problem reported as FILE:LINE:COL: message
// (a missing field, an unknown key or value, a duplicate id, a pattern Hyperscan cannot compile,
// an unknown validator). Loading never throws on bad content; it collects every error it can
// find in one pass so `mirador rules check` shows them all at once.
#pragma once

#include <string>
#include <vector>

#include "detectors/engine/rule.h"

namespace mirador::detect {

struct RuleError {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  std::string message;
  std::string str() const;  // "file:line:col: message" (line/col left out when unknown)
};

// Parses one document (the contents of `origin`) and appends its rules. Returns false when it
// added errors. Structural checks only (fields, values, id syntax); see check_rules for the rest.
bool parse_rules(const std::string& yaml_text, const std::string& origin, RuleSet& out,
                 std::vector<RuleError>& errors);
// Reads and parses a file (an unreadable file is an error naming it).
bool load_rule_file(const std::string& path, RuleSet& out, std::vector<RuleError>& errors);
// Every *.yaml and *.yml file of a directory, in name order.
bool load_rule_dir(const std::string& dir, RuleSet& out, std::vector<RuleError>& errors);

// Checks across rules: duplicate ids, unknown validators, and each pattern compiled alone by
// Hyperscan (with the flags the compiler will use) so an error names its own line.
// With `compile_each` false only the cheap checks run (ids, validators): the sensor's start-up
// path, where CompiledRules::compile names a refused pattern's rule and line anyway.
bool check_rules(const RuleSet& rules, std::vector<RuleError>& errors, bool compile_each = true);

// The directory of the rules shipped with Mirador: $MIRADOR_RULES_DIR when set, else
// detectors/rules of the source tree (the MIRADOR_RULES_DIR define, set by Meson). Rules are not
// installed yet: an installed sensor sets $MIRADOR_RULES_DIR or detect.rules_dir.
std::string default_rules_dir();

}  // namespace mirador::detect

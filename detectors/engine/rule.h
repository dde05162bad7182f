// Rule: one signature or sensitive-data class, as written in detectors/rules/*.yaml. Rules are
// data: the sensor compiles them into Hyperscan databases at start and on reload.
//
// The YAML form (one file holds a list under `rules:`):
//
//   rules:
//     - id: sqli.union_select            # unique across all files: [a-z0-9_.-]+
//       kind: attack                     # attack | data
//       class: sql_injection             # attack: the risk class; data: the data class
//       severity: high                   # info | low | medium | high | critical
//       owasp: API8:2023                 # OWASP API Security Top 10 (2023): API1:2023 … API10:2023
//       summary: UNION SELECT in request input
//       patterns:                        # Hyperscan expressions (PCRE subset), any may match;
//         - 'union\s+(all\s+)?select'    #   attack rules see normalised, lower-cased input
//       flags: [caseless]                # optional: caseless, dotall, multiline (utf8 is
//                                        #   refused: input is arbitrary bytes; non-ASCII
//                                        #   literals match as bytes)
//       where: [request.query, request.body, request.cookie]   # default: every request part
//       validator: cn_resident_id        # optional, data rules: validator_registry.h names
//       context: [idcard, 身份证, sfz]     # optional: words expected in the field's key
//       context_required: false          # true: a value match counts only with a context word
//       keys: ['^(pass(word)?|pwd|密码)$']  # optional, data rules: expressions on field keys;
//                                        #   a data rule with keys and no patterns matches the
//                                        #   whole value of every field whose key matches
//       min_length: 1                    # optional: shortest value a keys-only rule accepts
//
// Unknown or repeated keys are errors (a typo is never ignored); patterns must not match the
// empty string.
//
// `where` names: request.target, request.path, request.query, request.header, request.cookie,
// request.body, response.header, response.body, and the groups request (every request part),
// response, any.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "detectors/fields/field.h"
#include "detectors/finding.h"

namespace mirador::detect {

// Hyperscan flags a pattern may carry (HS_FLAG_* are applied by the compiler).
enum PatternFlag : uint32_t {
  kCaseless = 1u << 0,
  kDotAll = 1u << 1,
  kMultiline = 1u << 2,
  kUtf8 = 1u << 3,  // never set by the loader (refused): Hyperscan is undefined on invalid UTF-8
};

struct Rule {
  std::string id;
  RuleKind kind = RuleKind::attack;
  std::string rule_class;  // `class:` in YAML
  Severity severity = Severity::medium;
  std::string owasp_api;
  std::string summary;
  std::vector<std::string> patterns;
  std::vector<std::string> key_patterns;  // `keys:`
  uint32_t flags = 0;                     // PatternFlag bits, for every pattern and key pattern
  PartMask where = kRequestParts;
  std::string validator;             // empty: none
  std::vector<std::string> context;  // lower-case words
  bool context_required = false;
  uint32_t min_length = 1;

  // Where it was written, for errors and `mirador rules check`.
  std::string file;
  int line = 0;                    // 1-based line of the rule's `id`
  std::vector<int> pattern_lines;  // 1-based line of each pattern, same order as patterns
  std::vector<int> key_lines;      // same for key_patterns
};

struct RuleSet {
  std::vector<Rule> rules;
};

}  // namespace mirador::detect

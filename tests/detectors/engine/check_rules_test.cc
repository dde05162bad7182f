// check_rules: what needs every rule at once (duplicate ids) or Hyperscan (each pattern compiled
// alone, so an error names the pattern's own line).
#include <catch2/catch.hpp>
#include <string>

#include "detectors/engine/rule_loader.h"

using namespace mirador::detect;

namespace {

RuleSet load(const std::string& yaml, const std::string& origin = "t.yaml") {
  RuleSet set;
  std::vector<RuleError> errors;
  const bool ok = parse_rules(yaml, origin, set, errors);
  for (const auto& e : errors) UNSCOPED_INFO(e.str());
  REQUIRE(ok);
  return set;
}

std::vector<RuleError> check(const RuleSet& set) {
  std::vector<RuleError> errors;
  const bool ok = check_rules(set, errors);
  CHECK(ok == errors.empty());
  return errors;
}

std::string data_rule(const std::string& id, const std::string& extra) {
  return "rules:\n"
         "  - id: " +
         id +
         "\n"
         "    kind: data\n"
         "    class: email\n"
         "    severity: low\n"
         "    owasp: API3:2023\n" +
         extra;  // from line 7
}

}  // namespace

TEST_CASE("check_rules: a good set passes") {
  RuleSet set = load(data_rule("t.a", "    patterns: ['[a-z]+@[a-z]+']\n    validator: email\n"));
  RuleSet more = load(
      "rules:\n  - id: t.b\n    kind: attack\n    class: xss\n    severity: high\n"
      "    owasp: API8:2023\n    patterns: ['<script', 'on\\w+=']\n"
      "    flags: [caseless]\n");
  set.rules.push_back(more.rules[0]);
  CHECK(check(set).empty());
}

TEST_CASE("check_rules: duplicate ids name both places") {
  RuleSet set = load(data_rule("t.same", "    patterns: ['@']\n"), "a.yaml");
  RuleSet other = load("# other file\n" + data_rule("t.same", "    patterns: ['#']\n"), "b.yaml");
  set.rules.push_back(other.rules[0]);
  const auto errors = check(set);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].str() == "b.yaml:3: duplicate id 't.same' (first defined at a.yaml:2)");
}

TEST_CASE("check_rules: unknown validator lists the known names") {
  const auto errors = check(load(data_rule("t.v", "    patterns: ['@']\n    validator: luhn\n")));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 2);
  CHECK(errors[0].message.find("unknown validator 'luhn'") != std::string::npos);
  for (const char* name : {"bank_card", "cn_mobile", "cn_resident_id", "email"}) {
    INFO(name);
    CHECK(errors[0].message.find(name) != std::string::npos);
  }
}

TEST_CASE("check_rules: a pattern Hyperscan refuses is reported at its own line") {
  const auto errors = check(load(data_rule("t.re",
                                           "    patterns:\n      - '@'\n      - '(unclosed'\n"
                                           "    keys:\n      - '^ok$'\n      - '[z-a]'\n")));
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].line == 9);
  CHECK(errors[0].message.find("rule 't.re': pattern '(unclosed'") != std::string::npos);
  CHECK(errors[1].line == 12);
  CHECK(errors[1].message.find("key pattern '[z-a]'") != std::string::npos);
  // Backreferences are outside Hyperscan's PCRE subset.
  const auto back = check(load(data_rule("t.back", "    patterns: ['(a)\\1']\n")));
  REQUIRE(back.size() == 1);
  CHECK(back[0].line == 7);
}

TEST_CASE("check_rules: patterns that can match the empty string are errors") {
  for (const char* p : {"a*", "(foo)?", "\\b", "x|", ".*"}) {
    INFO(p);
    const auto errors =
        check(load(data_rule("t.empty", std::string("    patterns:\n      - '") + p + "'\n")));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 8);
    CHECK(errors[0].message.find("can match the empty string") != std::string::npos);
  }
  const auto keys = check(load(data_rule("t.k", "    keys: ['^(pwd)?$']\n")));
  REQUIRE(keys.size() == 1);
  CHECK(keys[0].message.find("key pattern '^(pwd)?$' can match the empty string") !=
        std::string::npos);
  // `a+` cannot: fine.
  CHECK(check(load(data_rule("t.plus", "    patterns: ['a+']\n"))).empty());
}

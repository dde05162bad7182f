// CompiledRules + Scanner: the three databases, the flags, match offsets, caps and empty inputs.
#include "detectors/engine/scanner.h"

#include <catch2/catch.hpp>
#include <string>

using namespace mirador::detect;

namespace {

std::shared_ptr<const CompiledRules> compile_yaml(const std::string& yaml) {
  RuleSet set;
  std::vector<RuleError> errors;
  parse_rules(yaml, "t.yaml", set, errors);
  check_rules(set, errors);
  for (const auto& e : errors) UNSCOPED_INFO(e.str());
  REQUIRE(errors.empty());
  auto c = CompiledRules::compile(std::move(set), errors);
  REQUIRE(c);
  REQUIRE(errors.empty());
  return c;
}

const std::string kRules =
    "rules:\n"
    "  - id: a.union\n"  // rule 0
    "    kind: attack\n"
    "    class: sql_injection\n"
    "    severity: high\n"
    "    owasp: API8:2023\n"
    "    patterns: ['union\\s+select', 'select\\s+\\w+\\s+from']\n"
    "  - id: a.script\n"  // rule 1
    "    kind: attack\n"
    "    class: xss\n"
    "    severity: high\n"
    "    owasp: API8:2023\n"
    "    patterns: ['<script']\n"
    "    flags: [caseless]\n"
    "  - id: d.mobile\n"  // rule 2
    "    kind: data\n"
    "    class: cn_mobile\n"
    "    severity: medium\n"
    "    owasp: API3:2023\n"
    "    patterns: ['1[3-9]\\d{9}']\n"
    "    validator: cn_mobile\n"
    "    keys: ['phone', 'mobile']\n"
    "  - id: d.password\n"  // rule 3
    "    kind: data\n"
    "    class: password\n"
    "    severity: high\n"
    "    owasp: API2:2023\n"
    "    keys: ['^pass(word)?$', '^pwd$']\n"
    "    flags: [caseless]\n"
    "  - id: d.dotall\n"  // rule 4
    "    kind: data\n"
    "    class: private_key\n"
    "    severity: critical\n"
    "    owasp: API3:2023\n"
    "    patterns: ['BEGIN.KEY']\n"
    "    flags: [dotall]\n"
    "  - id: d.multiline\n"  // rule 5
    "    kind: data\n"
    "    class: marker\n"
    "    severity: low\n"
    "    owasp: API3:2023\n"
    "    patterns: ['^secret=']\n"
    "    flags: [multiline]\n";

}  // namespace

TEST_CASE("CompiledRules: three databases and their tables") {
  const auto c = compile_yaml(kRules);
  CHECK(c->rules().rules.size() == 6);
  CHECK(c->attack_db() != nullptr);
  CHECK(c->value_db() != nullptr);
  CHECK(c->key_db() != nullptr);
  CHECK(c->pattern_count() == 3 + 3 + 4);
  CHECK(c->database_bytes() > 0);
  CHECK(c->attack_rule(0) == 0);
  CHECK(c->attack_rule(1) == 0);
  CHECK(c->attack_rule(2) == 1);
  CHECK(c->value_rule(0) == 2);
  CHECK(c->key_rule(3) == 3);
  CHECK_FALSE(c->key_only(2));  // has value patterns too
  CHECK(c->key_only(3));
  CHECK_FALSE(c->key_only(0));
  CHECK(c->rule(3).id == "d.password");
}

TEST_CASE("Scanner: attack matches, one per rule, and the caseless flag") {
  Scanner s(compile_yaml(kRules));
  std::vector<Match> m;
  // Both patterns of a.union match: still one Match for the rule.
  s.scan_attack("1 union select name from users", m);
  REQUIRE(m.size() == 1);
  CHECK(m[0].rule == 0);
  CHECK(m[0].begin == 0);
  CHECK(m[0].end > 0);

  s.scan_attack("x=<SCRIPT>alert(1)</script>; union  select", m);
  REQUIRE(m.size() == 2);
  std::vector<uint32_t> rules{m[0].rule, m[1].rule};
  std::sort(rules.begin(), rules.end());
  CHECK(rules == std::vector<uint32_t>{0, 1});
  for (const auto& x : m)
    if (x.rule == 1) CHECK(x.end == 9);  // end of the first "<SCRIPT"

  // a.union is not caseless: upper case does not match (attack input is lower-cased first).
  s.scan_attack("UNION SELECT", m);
  CHECK(m.empty());
  s.scan_attack("nothing to see", m);
  CHECK(m.empty());
  CHECK(s.counters().scans == 4);
  CHECK(s.counters().matches == 3);
  CHECK(s.counters().errors == 0);
}

TEST_CASE("Scanner: value matches carry the exact begin and end") {
  Scanner s(compile_yaml(kRules));
  std::vector<Match> m;
  const std::string text = "tel:13812345678; backup 15900001111.";
  s.scan_values(text, m);
  REQUIRE(m.size() == 2);
  CHECK(m[0].rule == 2);
  CHECK(m[0].begin == 4);
  CHECK(m[0].end == 15);
  CHECK(text.substr(m[0].begin, m[0].end - m[0].begin) == "13812345678");
  CHECK(text.substr(m[1].begin, m[1].end - m[1].begin) == "15900001111");

  // dotall: '.' crosses a newline only with the flag; multiline: '^' after a newline.
  s.scan_values("BEGIN\nKEY", m);
  REQUIRE(m.size() == 1);
  CHECK(m[0].rule == 4);
  s.scan_values("a=1\nsecret=x", m);
  REQUIRE(m.size() == 1);
  CHECK(m[0].rule == 5);
  CHECK(m[0].begin == 4);
  CHECK(m[0].end == 11);
}

TEST_CASE("Scanner: key matches are unique rule indices") {
  Scanner s(compile_yaml(kRules));
  std::vector<uint32_t> k;
  s.scan_key("Password", k);  // caseless
  CHECK(k == std::vector<uint32_t>{3});
  s.scan_key("pwd", k);
  CHECK(k == std::vector<uint32_t>{3});
  s.scan_key("passwd", k);
  CHECK(k.empty());
  // Both key patterns of d.mobile match: one index.
  s.scan_key("mobile_phone", k);
  CHECK(k == std::vector<uint32_t>{2});
}

TEST_CASE("Scanner: max_matches stops the scan and counts it") {
  Scanner s(compile_yaml(kRules));
  s.max_matches = 3;
  std::string text;
  for (int i = 0; i < 10; ++i) text += "13800000000 ";
  std::vector<Match> m;
  s.scan_values(text, m);
  CHECK(m.size() == 3);
  CHECK(s.counters().matches_capped == 1);
  CHECK(s.counters().matches == 3);
  CHECK(m[2].begin == 24);
  // Under the cap: nothing counted.
  s.max_matches = 100;
  s.scan_values(text, m);
  CHECK(m.size() == 10);
  CHECK(s.counters().matches_capped == 1);
}

TEST_CASE("Scanner: buffers are reused across scans") {
  Scanner s(compile_yaml(kRules));
  std::vector<Match> m;
  const std::string text = "13800000000 13900000000 13700000000";
  s.scan_values(text, m);
  REQUIRE(m.size() == 3);
  const Match* data = m.data();
  const size_t cap = m.capacity();
  for (int i = 0; i < 100; ++i) s.scan_values(text, m);
  CHECK(m.data() == data);
  CHECK(m.capacity() == cap);
}

TEST_CASE("Scanner: empty text is not scanned; absent databases find nothing") {
  // Data rules only: no attack database.
  const auto c = compile_yaml(
      "rules:\n"
      "  - id: d.email\n"
      "    kind: data\n"
      "    class: email\n"
      "    severity: low\n"
      "    owasp: API3:2023\n"
      "    patterns: ['[a-z]+@[a-z]+\\.com']\n");
  CHECK(c->attack_db() == nullptr);
  CHECK(c->key_db() == nullptr);
  CHECK(c->value_db() != nullptr);
  Scanner s(c);
  std::vector<Match> m{Match{9, 9, 9}};
  s.scan_attack("union select <script>", m);
  CHECK(m.empty());
  std::vector<uint32_t> k{7};
  s.scan_key("password", k);
  CHECK(k.empty());
  s.scan_values("", m);
  CHECK(m.empty());
  CHECK(s.counters().scans == 0);
  s.scan_values("mail bob@example.com now", m);
  REQUIRE(m.size() == 1);
  CHECK(m[0].begin == 5);
  CHECK(m[0].end == 20);

  // No rules at all: every database null, scanning is a no-op.
  std::vector<RuleError> errors;
  const auto none = CompiledRules::compile(RuleSet{}, errors);
  REQUIRE(none);
  CHECK(none->pattern_count() == 0);
  CHECK(none->database_bytes() == 0);
  Scanner empty(none);
  empty.scan_attack("union select", m);
  empty.scan_values("13800000000", m);
  CHECK(m.empty());
}

TEST_CASE("CompiledRules::compile names the rule and line of a pattern Hyperscan refuses") {
  // Without check_rules first, a bad pattern reaches hs_compile_multi.
  RuleSet set;
  std::vector<RuleError> errors;
  REQUIRE(
      parse_rules("rules:\n"
                  "  - id: a.ok\n"
                  "    kind: attack\n"
                  "    class: xss\n"
                  "    severity: high\n"
                  "    owasp: API8:2023\n"
                  "    patterns: ['<script']\n"
                  "  - id: a.bad\n"
                  "    kind: attack\n"
                  "    class: xss\n"
                  "    severity: high\n"
                  "    owasp: API8:2023\n"
                  "    patterns:\n"
                  "      - 'onload='\n"
                  "      - '(a'\n",
                  "r.yaml", set, errors));
  CHECK(CompiledRules::compile(std::move(set), errors) == nullptr);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].file == "r.yaml");
  CHECK(errors[0].line == 15);
  CHECK(errors[0].message.find("rule 'a.bad'") != std::string::npos);
  CHECK(errors[0].message.find("'(a'") != std::string::npos);
}

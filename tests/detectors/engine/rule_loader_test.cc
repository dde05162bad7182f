// The rule loader: every field of the YAML form, and every error with the line and column of the
// node at fault (what `mirador rules check` prints).
#include "detectors/engine/rule_loader.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

using namespace mirador::detect;

namespace {

struct Parsed {
  RuleSet set;
  std::vector<RuleError> errors;
  bool ok = false;
};

Parsed parse(const std::string& yaml) {
  Parsed p;
  p.ok = parse_rules(yaml, "t.yaml", p.set, p.errors);
  return p;
}

// The only error, which must contain `needle` (a copy: callers pass a temporary Parsed).
RuleError sole_error(const Parsed& p, const std::string& needle) {
  INFO("errors: " << p.errors.size());
  for (const auto& e : p.errors) UNSCOPED_INFO(e.str());
  REQUIRE(p.errors.size() == 1);
  INFO(p.errors[0].str());
  CHECK(p.errors[0].message.find(needle) != std::string::npos);
  CHECK(!p.ok);
  CHECK(p.errors[0].file == "t.yaml");
  return p.errors[0];
}

// Lines 1-6: a valid attack rule without its patterns; callers add line 7 onwards.
const std::string kHead =
    "rules:\n"
    "  - id: t.one\n"
    "    kind: attack\n"
    "    class: xss\n"
    "    severity: high\n"
    "    owasp: API8:2023\n";
const std::string kPatterns = "    patterns: ['<script']\n";  // line 7

std::string test_data(const std::string& rel) {
  const char* d = std::getenv("MIRADOR_TEST_DATA");
  return std::string(d ? d : "tests/data") + "/" + rel;
}

}  // namespace

TEST_CASE("parse_rules: every field of an attack and a data rule") {
  const Parsed p = parse(
      "rules:\n"
      "  - id: sqli.union_select\n"
      "    kind: attack\n"
      "    class: sql_injection\n"
      "    severity: critical\n"
      "    owasp: API8:2023\n"
      "    summary: UNION SELECT in request input\n"
      "    patterns:\n"
      "      - 'union\\s+(all\\s+)?select'\n"
      "      - 'select\\s+.+\\s+from'\n"
      "    flags: [caseless, dotall, multiline]\n"
      "    where: [request.query, request.body, request.cookie]\n"
      "  - id: data.id-card\n"
      "    kind: data\n"
      "    class: cn_resident_id\n"
      "    severity: info\n"
      "    owasp: API10:2023\n"
      "    patterns: ['\\d{17}[\\dXx]']\n"
      "    where: [response, request.target]\n"
      "    validator: cn_resident_id\n"
      "    context: [IDCard, 身份证, SFZ]\n"
      "    context_required: true\n"
      "    keys: ['^id_?card$']\n"
      "    min_length: 18\n");
  for (const auto& e : p.errors) UNSCOPED_INFO(e.str());
  REQUIRE(p.ok);
  REQUIRE(p.set.rules.size() == 2);

  const Rule& a = p.set.rules[0];
  CHECK(a.id == "sqli.union_select");
  CHECK(a.kind == RuleKind::attack);
  CHECK(a.rule_class == "sql_injection");
  CHECK(a.severity == Severity::critical);
  CHECK(a.owasp_api == "API8:2023");
  CHECK(a.summary == "UNION SELECT in request input");
  CHECK(a.patterns ==
        std::vector<std::string>{"union\\s+(all\\s+)?select", "select\\s+.+\\s+from"});
  CHECK(a.pattern_lines == std::vector<int>{9, 10});
  CHECK(a.flags == (kCaseless | kDotAll | kMultiline));
  CHECK(a.where == (part_bit(Part::request_query) | part_bit(Part::request_body) |
                    part_bit(Part::request_cookie)));
  CHECK(a.file == "t.yaml");
  CHECK(a.line == 2);
  CHECK(a.validator.empty());
  CHECK_FALSE(a.context_required);
  CHECK(a.min_length == 1);

  const Rule& d = p.set.rules[1];
  CHECK(d.id == "data.id-card");
  CHECK(d.kind == RuleKind::data);
  CHECK(d.severity == Severity::info);
  CHECK(d.owasp_api == "API10:2023");
  CHECK(d.where == (part_bit(Part::response_header) | part_bit(Part::response_body) |
                    part_bit(Part::request_target)));
  CHECK(d.validator == "cn_resident_id");
  // Context words are lower-cased (ASCII only; the Chinese word is kept byte for byte).
  CHECK(d.context == std::vector<std::string>{"idcard", "身份证", "sfz"});
  CHECK(d.context_required);
  CHECK(d.key_patterns == std::vector<std::string>{"^id_?card$"});
  CHECK(d.key_lines == std::vector<int>{23});
  CHECK(d.min_length == 18);
  CHECK(d.line == 13);
  CHECK(d.flags == 0);
}

TEST_CASE("parse_rules: defaults and where groups") {
  Parsed p = parse(kHead + kPatterns);
  REQUIRE(p.ok);
  CHECK(p.set.rules[0].where == kRequestParts);
  CHECK(p.set.rules[0].flags == 0);

  p = parse(kHead + kPatterns + "    where: [any]\n");
  REQUIRE(p.ok);
  CHECK(p.set.rules[0].where == kAllParts);
  p = parse(kHead + kPatterns + "    where: [request.path, request.header, response.header]\n");
  REQUIRE(p.ok);
  CHECK(p.set.rules[0].where == (part_bit(Part::request_path) | part_bit(Part::request_header) |
                                 part_bit(Part::response_header)));
  p = parse(kHead + kPatterns + "    where: [request]\n");
  REQUIRE(p.ok);
  CHECK(p.set.rules[0].where == kRequestParts);
  p = parse("rules: []\n");
  CHECK(p.ok);
  CHECK(p.set.rules.empty());
}

TEST_CASE("parse_rules: YAML syntax error with its line") {
  const Parsed p = parse(kHead + "    patterns: ['<script'\n" + "    where: [any]\n");
  REQUIRE_FALSE(p.errors.empty());
  CHECK(p.errors[0].message.find("YAML syntax error") != std::string::npos);
  CHECK(p.errors[0].line == 8);
  CHECK(p.errors[0].column >= 1);
  CHECK(p.set.rules.empty());
}

TEST_CASE("parse_rules: document shape") {
  CHECK(sole_error(parse("rules:\n  id: x\n"), "`rules` must be a list").line == 2);
  CHECK(sole_error(parse("rules:\n"), "`rules` must be a list").line == 1);
  CHECK(sole_error(parse("- a\n"), "expected a map").line == 1);
  CHECK(sole_error(parse("other: 1\nrules: []\n"), "unknown top-level key").line == 1);
  CHECK(sole_error(parse("# nothing\n"), "empty file").line == 0);
  CHECK(sole_error(parse("rules:\n  - just a string\n"), "a rule must be a map").line == 2);
  CHECK(sole_error(parse("rules: []\n---\nrules: []\n"), "one YAML document").line == 3);
}

TEST_CASE("parse_rules: missing required fields, at the rule's line") {
  const Parsed p = parse(
      "rules:\n"
      "  - id: t.ok\n"
      "    kind: attack\n"
      "    class: xss\n"
      "    severity: high\n"
      "    owasp: API8:2023\n"
      "    patterns: ['<script']\n"
      "  - summary: nothing else\n"
      "    patterns: ['x']\n");
  REQUIRE(p.errors.size() == 5);
  for (const char* field : {"`id`", "`kind`", "`class`", "`severity`", "`owasp`"}) {
    bool found = false;
    for (const auto& e : p.errors)
      if (e.message.find(std::string("missing ") + field) != std::string::npos) {
        found = true;
        CHECK(e.line == 8);
        CHECK(e.column == 5);
      }
    INFO(field);
    CHECK(found);
  }
  // The good rule is still loaded: errors are collected, not fatal.
  REQUIRE(p.set.rules.size() == 1);
  CHECK(p.set.rules[0].id == "t.ok");
}

TEST_CASE("parse_rules: unknown and duplicate keys are errors, not ignored") {
  const RuleError e = sole_error(parse(kHead + kPatterns + "    valdator: email\n"), "unknown key");
  CHECK(e.line == 8);
  CHECK(e.column == 5);
  CHECK(e.message.find("did you mean 'validator'") != std::string::npos);
  CHECK(sole_error(parse(kHead + kPatterns + "    kind: data\n"), "duplicate key `kind`").line ==
        8);
}

TEST_CASE("parse_rules: bad id, kind, class and severity values") {
  const std::string rest =
      "    kind: attack\n    class: xss\n    severity: high\n    owasp: API8:2023\n" + kPatterns;
  const RuleError id = sole_error(parse("rules:\n  - id: Bad ID!\n" + rest), "bad id");
  CHECK(id.line == 2);
  CHECK(id.column == 9);
  CHECK(sole_error(parse("rules:\n  - id: [a]\n" + rest), "`id` must be a string").line == 2);

  std::string y = kHead + kPatterns;
  CHECK(sole_error(parse(std::string(y).replace(y.find("kind: attack"), 12, "kind: attak")),
                   "unknown kind 'attak'")
            .line == 3);
  const RuleError sev =
      sole_error(parse(std::string(y).replace(y.find("severity: high"), 14, "severity: hihg")),
                 "unknown severity 'hihg'");
  CHECK(sev.line == 5);
  CHECK(sev.column == 15);
  CHECK(sev.message.find("did you mean 'high'") != std::string::npos);
  CHECK(sole_error(parse(std::string(y).replace(y.find("class: xss"), 10, "class: X S S")),
                   "bad class")
            .line == 4);
}

TEST_CASE("parse_rules: owasp must be API1:2023 … API10:2023") {
  const std::string y = kHead + kPatterns;
  const size_t at = y.find("API8:2023");
  for (const char* bad : {"API0:2023", "API11:2023", "API8:2019", "api8:2023", "API08:2023",
                          "API:2023", "API8", "API8:2023x"}) {
    INFO(bad);
    CHECK(sole_error(parse(std::string(y).replace(at, 9, bad)), "bad owasp").line == 6);
  }
  for (const char* good : {"API1:2023", "API10:2023", "API3:2023"}) {
    INFO(good);
    CHECK(parse(std::string(y).replace(at, 9, good)).ok);
  }
}

TEST_CASE("parse_rules: unknown where and flag names; utf8 refused with the reason") {
  const RuleError w =
      sole_error(parse(kHead + kPatterns + "    where: [request.query, request.qeury]\n"),
                 "unknown where 'request.qeury'");
  CHECK(w.line == 8);
  CHECK(w.column == 28);
  CHECK(w.message.find("did you mean 'request.query'") != std::string::npos);
  CHECK(sole_error(parse(kHead + kPatterns + "    where: []\n"), "`where` is empty").line == 8);
  CHECK(sole_error(parse(kHead + kPatterns + "    flags: [nocase]\n"), "unknown flag 'nocase'")
            .line == 8);
  const RuleError u =
      sole_error(parse(kHead + kPatterns + "    flags:\n      - caseless\n      - utf8\n"),
                 "flag 'utf8' is not allowed");
  CHECK(u.line == 10);
  CHECK(u.message.find("invalid UTF-8 input is undefined") != std::string::npos);
  CHECK(u.message.find("plain literals") != std::string::npos);
}

TEST_CASE("parse_rules: patterns and keys required by kind") {
  // An attack rule needs patterns.
  CHECK(sole_error(parse(kHead), "attack rule 't.one' has no `patterns`").line == 2);
  CHECK(sole_error(parse(kHead + "    patterns: []\n"), "has no `patterns`").line == 2);
  // A data rule needs patterns or keys.
  const std::string data =
      "rules:\n"
      "  - id: t.data\n"
      "    kind: data\n"
      "    class: email\n"
      "    severity: low\n"
      "    owasp: API3:2023\n";
  CHECK(sole_error(parse(data), "data rule 't.data' has neither `patterns` nor `keys`").line == 2);
  CHECK(parse(data + "    keys: ['^email$']\n").ok);
  CHECK(parse(data + "    patterns: ['@']\n").ok);
  // Items must be non-empty strings.
  CHECK(sole_error(parse(data + "    patterns:\n      - '@'\n      - ''\n"), "non-empty strings")
            .line == 9);
  CHECK(sole_error(parse(data + "    patterns: '@'\n"), "`patterns` must be a list").line == 7);
}

TEST_CASE("parse_rules: validator and keys only on data rules; context_required needs context") {
  const RuleError v =
      sole_error(parse(kHead + kPatterns + "    validator: email\n"), "data rules only");
  CHECK(v.line == 8);
  CHECK(v.message.find("validator") != std::string::npos);
  CHECK(
      sole_error(parse(kHead + kPatterns + "    keys: ['^q$']\n"), "`keys` applies to data").line ==
      8);
  // Context words on an attack rule are allowed (a URL-bearing parameter for SSRF).
  CHECK(parse(kHead + kPatterns + "    context: [url]\n").ok);

  const std::string data =
      "rules:\n"
      "  - id: t.data\n"
      "    kind: data\n"
      "    class: email\n"
      "    severity: low\n"
      "    owasp: API3:2023\n"
      "    patterns: ['@']\n";
  CHECK(sole_error(parse(data + "    context_required: true\n"), "without `context`").line == 8);
  CHECK(sole_error(parse(data + "    context: []\n    context_required: true\n"), "empty `context`")
            .line == 9);
  CHECK(parse(data + "    context_required: false\n").ok);
  CHECK(sole_error(parse(data + "    context_required: maybe\n"), "true or false").line == 8);
  CHECK(sole_error(parse(data + "    min_length: 0\n"), "`min_length`").line == 8);
  CHECK(sole_error(parse(data + "    min_length: ten\n"), "`min_length`").line == 8);
}

TEST_CASE("parse_rules: every error in one pass") {
  const Parsed p = parse(
      "rules:\n"
      "  - id: t.a\n"
      "    kind: attack\n"
      "    class: xss\n"
      "    severity: hihg\n"  // 5
      "    owasp: API8:2023\n"
      "    patterns: ['<script']\n"
      "    flags: [utf8]\n"  // 8
      "  - id: t.b\n"
      "    kind: data\n"
      "    class: email\n"
      "    severity: low\n"
      "    owasp: API99:2023\n"  // 13
      "    patterns: ['@']\n"
      "    where: [everywhere]\n");  // 15
  std::vector<int> lines;
  for (const auto& e : p.errors) lines.push_back(e.line);
  CHECK(lines == std::vector<int>{5, 8, 13, 15});
  CHECK(p.set.rules.empty());
}

TEST_CASE("RuleError::str leaves out what is unknown") {
  CHECK(RuleError{"a.yaml", 3, 7, "bad"}.str() == "a.yaml:3:7: bad");
  CHECK(RuleError{"a.yaml", 3, 0, "bad"}.str() == "a.yaml:3: bad");
  CHECK(RuleError{"a.yaml", 0, 0, "bad"}.str() == "a.yaml: bad");
}

TEST_CASE("load_rule_file and load_rule_dir") {
  RuleSet set;
  std::vector<RuleError> errors;
  CHECK_FALSE(load_rule_file(test_data("rules/no-such-file.yaml"), set, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].str().find("no-such-file.yaml: cannot read") != std::string::npos);
  CHECK(errors[0].message.find("No such file") != std::string::npos);
  errors.clear();
  CHECK_FALSE(load_rule_file(test_data("rules/good"), set, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "is a directory, not a rule file");
  CHECK(set.rules.empty());

  errors.clear();
  REQUIRE(load_rule_dir(test_data("rules/good"), set, errors));
  CHECK(errors.empty());
  // Files in name order: attack.yaml, then data.yaml.
  REQUIRE(set.rules.size() == 4);
  CHECK(set.rules[0].id == "test.sqli.union_select");
  CHECK(set.rules[0].file == test_data("rules/good/attack.yaml"));
  CHECK(set.rules[0].line == 3);
  CHECK(set.rules[0].pattern_lines == std::vector<int>{10});
  CHECK(set.rules[3].id == "test.data.password");
  CHECK(set.rules[3].file == test_data("rules/good/data.yaml"));

  errors.clear();
  RuleSet bad;
  CHECK_FALSE(load_rule_file(test_data("rules/bad.yaml"), bad, errors));
  std::vector<std::string> where;
  for (const auto& e : errors) where.push_back(e.str().substr(e.str().find("bad.yaml:")));
  REQUIRE(where.size() == 3);
  CHECK(where[0].rfind("bad.yaml:5:15: unknown severity", 0) == 0);
  CHECK(where[1].rfind("bad.yaml:9:5: unknown key `pattern`", 0) == 0);
  CHECK(where[2].rfind("bad.yaml:21:12: bad owasp", 0) == 0);

  // A directory with no rule files, and one that does not exist, are errors.
  namespace fs = std::filesystem;
  const fs::path empty = fs::temp_directory_path() / "mirador_rules_empty_dir_test";
  fs::create_directories(empty);
  std::ofstream(empty / "README.txt") << "not a rule file\n";
  errors.clear();
  CHECK_FALSE(load_rule_dir(empty.string(), set, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.find("no rule files") != std::string::npos);
  fs::remove_all(empty);
  errors.clear();
  CHECK_FALSE(load_rule_dir(empty.string(), set, errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.find("cannot read the rules directory") != std::string::npos);
}

TEST_CASE("default_rules_dir: $MIRADOR_RULES_DIR, else the source tree's detectors/rules") {
  const char* old = std::getenv("MIRADOR_RULES_DIR");
  const std::string saved = old ? old : "";
  unsetenv("MIRADOR_RULES_DIR");
  const std::string built_in = default_rules_dir();
  CHECK(built_in.size() >= 15);
  CHECK(built_in.substr(built_in.size() - 15) == "detectors/rules");
  setenv("MIRADOR_RULES_DIR", "/etc/mirador/rules", 1);
  CHECK(default_rules_dir() == "/etc/mirador/rules");
  if (old)
    setenv("MIRADOR_RULES_DIR", saved.c_str(), 1);
  else
    unsetenv("MIRADOR_RULES_DIR");
}

// Found by tests/fuzz/rules_fuzz: yaml-cpp 0.7's LoadAll loops forever (allocating a document a
// turn) on a stream its parser stops consuming, such as ",". The loader must answer with an error.
TEST_CASE("parse_rules: YAML that stalls the parser is an error, not a hang") {
  for (const std::string& text : {std::string(","), std::string(",\n"), std::string("a: 1\n,\n"),
                                  std::string(",\0\x02", 3)}) {
    const Parsed p = parse(text);
    CHECK_FALSE(p.ok);
    REQUIRE_FALSE(p.errors.empty());
    CHECK(p.errors[0].message.find("YAML") != std::string::npos);
  }
  // Every reproducer the fuzzer left.
  for (const auto& e : std::filesystem::directory_iterator(test_data("fuzz/rules"))) {
    std::ifstream in(e.path(), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const Parsed p = parse(text);
    CHECK_FALSE(p.ok);
  }
}

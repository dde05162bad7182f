// Rule files → RuleSet. Every problem becomes a RuleError with the file, line and column of the
// node at fault (yaml-cpp marks are 0-based; ours are 1-based), and parsing goes on so one run of
// `mirador rules check` shows every error. A rule with an error is not added.
#include "detectors/engine/rule_loader.h"

#include <hs/hs.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <unordered_map>

#include "detectors/engine/hs_flags.h"
#include "detectors/engine/yaml_documents.h"
#include "detectors/sensitive/validator_registry.h"

#ifndef MIRADOR_RULES_DIR
#define MIRADOR_RULES_DIR "detectors/rules"
#endif

namespace mirador::detect {

std::string RuleError::str() const {
  std::string s = file;
  if (line > 0) {
    s += ':' + std::to_string(line);
    if (column > 0) s += ':' + std::to_string(column);
  }
  s += ": ";
  s += message;
  return s;
}

namespace {

struct NamedMask {
  std::string_view name;
  PartMask mask;
};

// The `where` names of rule.h (the same spelling as part_name()), kept here so the loader does
// not depend on the field extractor.
constexpr PartMask kResponseParts = part_bit(Part::response_header) | part_bit(Part::response_body);
constexpr std::array<NamedMask, 11> kWhereNames = {{
    {"request.target", part_bit(Part::request_target)},
    {"request.path", part_bit(Part::request_path)},
    {"request.query", part_bit(Part::request_query)},
    {"request.header", part_bit(Part::request_header)},
    {"request.cookie", part_bit(Part::request_cookie)},
    {"request.body", part_bit(Part::request_body)},
    {"response.header", part_bit(Part::response_header)},
    {"response.body", part_bit(Part::response_body)},
    {"request", kRequestParts},
    {"response", kResponseParts},
    {"any", kAllParts},
}};

constexpr std::array<std::string_view, 3> kFlagNames = {"caseless", "dotall", "multiline"};
constexpr std::array<uint32_t, 3> kFlagBits = {kCaseless, kDotAll, kMultiline};

constexpr std::array<std::string_view, 14> kRuleKeys = {
    "id",    "kind",  "class",     "severity", "owasp", "summary",          "patterns",
    "flags", "where", "validator", "context",  "keys",  "context_required", "min_length"};

constexpr std::array<std::string_view, 5> kSeverities = {"info", "low", "medium", "high",
                                                         "critical"};

// Edit distance, for "did you mean" on typos (names are short; this is not a hot path).
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

template <typename Names>
std::string did_you_mean(std::string_view name, const Names& names) {
  std::string_view best;
  size_t best_d = 3;  // suggest only close names
  for (std::string_view n : names) {
    const size_t d = edit_distance(name, n);
    if (d < best_d) best_d = d, best = n;
  }
  return best.empty() ? std::string() : " (did you mean '" + std::string(best) + "'?)";
}

template <typename Names>
std::string join(const Names& names) {
  std::string s;
  for (std::string_view n : names) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

bool valid_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_id_char);
}

// "API1:2023" … "API10:2023".
bool valid_owasp(std::string_view s) {
  if (s.size() < 9 || s.substr(0, 3) != "API") return false;
  s.remove_prefix(3);
  const size_t colon = s.find(':');
  if (colon == std::string_view::npos || s.substr(colon) != ":2023") return false;
  const std::string_view num = s.substr(0, colon);
  if (num.empty() || num[0] == '0') return false;
  unsigned n = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
  return ec == std::errc() && p == num.data() + num.size() && n >= 1 && n <= 10;
}

std::string node_kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "'" + n.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "an undefined node";
  }
}

class Parser {
 public:
  Parser(const std::string& origin, std::vector<RuleError>& errors)
      : origin_(origin), errors_(errors) {}

  void error(const YAML::Mark& m, std::string message) {
    ++count_;
    RuleError e;
    e.file = origin_;
    if (!m.is_null()) {
      e.line = m.line + 1;
      e.column = m.column + 1;
    }
    e.message = std::move(message);
    errors_.push_back(std::move(e));
  }
  size_t count() const { return count_; }

  void document(const YAML::Node& doc, RuleSet& out) {
    if (!doc.IsMap()) {
      error(doc.Mark(), "expected a map with a `rules:` list, found " + node_kind(doc));
      return;
    }
    bool have_rules = false;
    for (const auto& kv : doc) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      if (key != "rules") {
        error(kv.first.Mark(), "unknown top-level key " + node_kind(kv.first) +
                                   " (a rule file holds only `rules:`)");
        continue;
      }
      if (have_rules) {
        error(kv.first.Mark(), "duplicate key `rules`");
        continue;
      }
      have_rules = true;
      const YAML::Node& list = kv.second;
      if (!list.IsSequence()) {
        error(mark_of(kv.first, list), "`rules` must be a list of rules, found " + node_kind(list));
        continue;
      }
      for (const auto& item : list) rule(item, out);
    }
    if (!have_rules) error(doc.Mark(), "no `rules:` list");
  }

 private:
  // A null value's mark points at the next token: use its key's mark instead.
  static YAML::Mark mark_of(const YAML::Node& key, const YAML::Node& value) {
    return value.IsNull() || value.Mark().is_null() ? key.Mark() : value.Mark();
  }

  bool scalar(const YAML::Node& key, const YAML::Node& v, std::string& out) {
    if (!v.IsScalar()) {
      error(mark_of(key, v), "`" + key.Scalar() + "` must be a string, found " + node_kind(v));
      return false;
    }
    out = v.Scalar();
    return true;
  }

  // A list of non-empty strings, with the line of each.
  bool string_list(const YAML::Node& key, const YAML::Node& v, std::vector<std::string>& out,
                   std::vector<int>* lines, std::vector<YAML::Mark>* marks = nullptr) {
    if (!v.IsSequence()) {
      error(mark_of(key, v), "`" + key.Scalar() + "` must be a list, found " + node_kind(v));
      return false;
    }
    bool ok = true;
    for (const auto& item : v) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        error(mark_of(key, item),
              "`" + key.Scalar() + "` items must be non-empty strings, found " + node_kind(item));
        ok = false;
        continue;
      }
      out.push_back(item.Scalar());
      if (lines) lines->push_back(item.Mark().line + 1);
      if (marks) marks->push_back(item.Mark());
    }
    return ok;
  }

  void rule(const YAML::Node& node, RuleSet& out) {
    if (!node.IsMap()) {
      error(node.Mark(), "a rule must be a map (id, kind, class, …), found " + node_kind(node));
      return;
    }
    const size_t errors_before = count_;
    Rule r;
    r.file = origin_;
    r.line = node.Mark().line + 1;
    std::set<std::string> seen;
    // Null until seen (a default Mark is line 0, column 0, not null).
    YAML::Mark validator_mark = YAML::Mark::null_mark(), keys_mark = YAML::Mark::null_mark(),
               context_required_mark = YAML::Mark::null_mark();
    bool have_context = false;
    bool kind_ok = false;
    bool bad_lists = false;  // a malformed `patterns`/`keys`: already reported

    for (const auto& kv : node) {
      const YAML::Node& key = kv.first;
      const YAML::Node& v = kv.second;
      if (!key.IsScalar()) {
        error(key.Mark(), "rule keys must be strings, found " + node_kind(key));
        continue;
      }
      const std::string& k = key.Scalar();
      if (!seen.insert(k).second) {
        error(key.Mark(), "duplicate key `" + k + "` in rule");
        continue;
      }
      const YAML::Mark vm = mark_of(key, v);
      std::string s;
      if (k == "id") {
        r.line = key.Mark().line + 1;
        if (!scalar(key, v, s)) continue;
        r.id = s;
        if (!valid_name(s)) error(vm, "bad id '" + s + "': use [a-z0-9_.-]+");
      } else if (k == "kind") {
        if (!scalar(key, v, s)) continue;
        if (s == "attack") {
          r.kind = RuleKind::attack;
          kind_ok = true;
        } else if (s == "data") {
          r.kind = RuleKind::data;
          kind_ok = true;
        } else {
          error(vm, "unknown kind '" + s + "' (attack or data)");
        }
      } else if (k == "class") {
        if (!scalar(key, v, s)) continue;
        r.rule_class = s;
        if (!valid_name(s)) error(vm, "bad class '" + s + "': use [a-z0-9_.-]+");
      } else if (k == "severity") {
        if (!scalar(key, v, s)) continue;
        if (!parse_severity(s, r.severity))
          error(vm, "unknown severity '" + s + "' (" + join(kSeverities) + ")" +
                        did_you_mean(s, kSeverities));
      } else if (k == "owasp") {
        if (!scalar(key, v, s)) continue;
        r.owasp_api = s;
        if (!valid_owasp(s))
          error(vm, "bad owasp '" + s + "': expected APIn:2023 with n from 1 to 10 (API8:2023)");
      } else if (k == "summary") {
        if (scalar(key, v, s)) r.summary = s;
      } else if (k == "patterns") {
        if (!string_list(key, v, r.patterns, &r.pattern_lines)) bad_lists = true;
      } else if (k == "keys") {
        keys_mark = key.Mark();
        if (!string_list(key, v, r.key_patterns, &r.key_lines)) bad_lists = true;
      } else if (k == "flags") {
        flags(key, v, r);
      } else if (k == "where") {
        where(key, v, r);
      } else if (k == "validator") {
        validator_mark = key.Mark();
        if (scalar(key, v, s)) r.validator = s;
      } else if (k == "context") {
        have_context = true;
        if (string_list(key, v, r.context, nullptr)) {
          // Keys are compared lower-cased (ASCII); non-ASCII words are kept as written.
          for (auto& w : r.context)
            for (auto& c : w)
              if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
      } else if (k == "context_required") {
        context_required_mark = key.Mark();
        if (!v.IsScalar() || !YAML::convert<bool>::decode(v, r.context_required))
          error(vm, "`context_required` must be true or false, found " + node_kind(v));
      } else if (k == "min_length") {
        min_length(key, v, r);
      } else {
        error(key.Mark(), "unknown key `" + k + "` in rule" + did_you_mean(k, kRuleKeys));
      }
    }

    const std::string who = r.id.empty() ? std::string("rule") : "rule '" + r.id + "'";
    for (std::string_view req : {"id", "kind", "class", "severity", "owasp"})
      if (!seen.count(std::string(req)))
        error(node.Mark(), who + " is missing `" + std::string(req) + "`");

    // Checks that depend on the kind, only once the kind is known (no cascade from a typo).
    if (kind_ok && r.kind == RuleKind::attack) {
      if (r.patterns.empty() && !bad_lists)
        error(node.Mark(), "attack " + who + " has no `patterns`");
      if (!validator_mark.is_null())
        error(validator_mark, "`validator` applies to data rules only (this is an attack rule)");
      if (!keys_mark.is_null())
        error(keys_mark,
              "`keys` applies to data rules only (attack rules match values; use `context` for "
              "key words)");
    } else if (kind_ok && r.patterns.empty() && r.key_patterns.empty() && !bad_lists) {
      error(node.Mark(), "data " + who + " has neither `patterns` nor `keys`");
    }
    if (r.context_required && !have_context)
      error(context_required_mark, "`context_required: true` without `context` words");
    else if (r.context_required && r.context.empty() && have_context)
      error(context_required_mark, "`context_required: true` with an empty `context` list");

    if (count_ == errors_before) out.rules.push_back(std::move(r));
  }

  void flags(const YAML::Node& key, const YAML::Node& v, Rule& r) {
    std::vector<std::string> names;
    std::vector<YAML::Mark> marks;
    string_list(key, v, names, nullptr, &marks);
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& n = names[i];
      if (n == "utf8") {
        error(marks[i],
              "flag 'utf8' is not allowed: Hyperscan's behaviour on invalid UTF-8 input is "
              "undefined and the sensor scans arbitrary bytes; write non-ASCII words as plain "
              "literals (they match as bytes)");
        continue;
      }
      const auto it = std::find(kFlagNames.begin(), kFlagNames.end(), n);
      if (it == kFlagNames.end()) {
        error(marks[i],
              "unknown flag '" + n + "' (" + join(kFlagNames) + ")" + did_you_mean(n, kFlagNames));
        continue;
      }
      r.flags |= kFlagBits[static_cast<size_t>(it - kFlagNames.begin())];
    }
  }

  void where(const YAML::Node& key, const YAML::Node& v, Rule& r) {
    std::vector<std::string> names;
    std::vector<YAML::Mark> marks;
    if (!string_list(key, v, names, nullptr, &marks)) return;
    if (names.empty()) {
      error(mark_of(key, v), "`where` is empty: the rule would look nowhere");
      return;
    }
    PartMask mask = 0;
    for (size_t i = 0; i < names.size(); ++i) {
      const auto it = std::find_if(kWhereNames.begin(), kWhereNames.end(),
                                   [&](const NamedMask& m) { return m.name == names[i]; });
      if (it == kWhereNames.end()) {
        std::vector<std::string_view> all;
        for (const auto& m : kWhereNames) all.push_back(m.name);
        error(marks[i],
              "unknown where '" + names[i] + "' (" + join(all) + ")" + did_you_mean(names[i], all));
        continue;
      }
      mask |= it->mask;
    }
    r.where = mask;
  }

  void min_length(const YAML::Node& key, const YAML::Node& v, Rule& r) {
    const YAML::Mark vm = mark_of(key, v);
    if (!v.IsScalar()) {
      error(vm, "`min_length` must be a number, found " + node_kind(v));
      return;
    }
    const std::string& s = v.Scalar();
    uint32_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size() || n < 1 || n > (1u << 20)) {
      error(vm, "`min_length` must be a whole number from 1 to 1048576, found '" + s + "'");
      return;
    }
    r.min_length = n;
  }

  const std::string& origin_;
  std::vector<RuleError>& errors_;
  size_t count_ = 0;
};

// One pattern compiled alone, as the database will compile it. Empty string if it is fine.
std::string check_pattern(const std::string& pattern, unsigned flags) {
  hs_compile_error_t* err = nullptr;
  hs_expr_info_t* info = nullptr;
  if (hs_expression_info(pattern.c_str(), flags, &info, &err) != HS_SUCCESS) {
    std::string m = "pattern '" + pattern + "': " + (err ? err->message : "rejected by Hyperscan");
    hs_free_compile_error(err);
    return m;
  }
  const bool empty = info->min_width == 0;
  std::free(info);  // allocated by Hyperscan's default allocator (malloc)
  if (empty) return "pattern '" + pattern + "' can match the empty string";
  hs_database_t* db = nullptr;
  if (hs_compile(pattern.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
    std::string m = "pattern '" + pattern + "': " + (err ? err->message : "rejected by Hyperscan");
    hs_free_compile_error(err);
    return m;
  }
  hs_free_database(db);
  return {};
}

}  // namespace

bool parse_rules(const std::string& yaml_text, const std::string& origin, RuleSet& out,
                 std::vector<RuleError>& errors) {
  Parser p(origin, errors);
  std::vector<YAML::Node> docs;
  try {
    docs = load_yaml_documents(yaml_text);
  } catch (const YAML::ParserException& e) {
    p.error(e.mark, "YAML syntax error: " + e.msg);
    return false;
  } catch (const YAML::Exception& e) {
    p.error(e.mark, std::string("YAML error: ") + e.what());
    return false;
  }
  if (docs.empty()) {
    p.error(YAML::Mark::null_mark(), "empty file: expected a `rules:` list");
    return false;
  }
  try {
    p.document(docs[0], out);
  } catch (const YAML::Exception& e) {  // not expected: every access above checks the type first
    p.error(e.mark, std::string("YAML error: ") + e.what());
  }
  for (size_t i = 1; i < docs.size(); ++i)
    p.error(docs[i].Mark(), "a rule file holds one YAML document (found another here)");
  return p.count() == 0;
}

bool load_rule_file(const std::string& path, RuleSet& out, std::vector<RuleError>& errors) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    errors.push_back(RuleError{path, 0, 0, "is a directory, not a rule file"});
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.push_back(RuleError{path, 0, 0, std::string("cannot read: ") + std::strerror(errno)});
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    errors.push_back(RuleError{path, 0, 0, "read error"});
    return false;
  }
  return parse_rules(text.str(), path, out, errors);
}

bool load_rule_dir(const std::string& dir, RuleSet& out, std::vector<RuleError>& errors) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    const auto ext = p.extension();
    if ((ext == ".yaml" || ext == ".yml") && it->is_regular_file(ec)) files.push_back(p.string());
  }
  if (ec) {
    errors.push_back(RuleError{dir, 0, 0, "cannot read the rules directory: " + ec.message()});
    return false;
  }
  if (files.empty()) {
    errors.push_back(RuleError{dir, 0, 0, "no rule files (*.yaml, *.yml) in the directory"});
    return false;
  }
  std::sort(files.begin(), files.end());
  bool ok = true;
  for (const auto& f : files) ok = load_rule_file(f, out, errors) && ok;
  return ok;
}

bool check_rules(const RuleSet& rules, std::vector<RuleError>& errors, bool compile_each) {
  const size_t before = errors.size();
  auto add = [&](const Rule& r, int line, std::string message) {
    errors.push_back(RuleError{r.file, line, 0, std::move(message)});
  };
  std::unordered_map<std::string_view, const Rule*> ids;
  for (const Rule& r : rules.rules) {
    const auto [it, fresh] = ids.emplace(r.id, &r);
    if (!fresh)
      add(r, r.line,
          "duplicate id '" + r.id + "' (first defined at " + it->second->file + ":" +
              std::to_string(it->second->line) + ")");
    if (!r.validator.empty() && !sensitive::find_validator(r.validator))
      add(r, r.line,
          "rule '" + r.id + "': unknown validator '" + r.validator +
              "' (known: " + join(sensitive::validator_names()) + ")");
    if (!compile_each) continue;

    const unsigned vf = hs_flags_for(r, value_db_of(r));
    for (size_t i = 0; i < r.patterns.size(); ++i) {
      std::string m = check_pattern(r.patterns[i], vf);
      if (!m.empty())
        add(r, i < r.pattern_lines.size() ? r.pattern_lines[i] : r.line,
            "rule '" + r.id + "': " + m);
    }
    const unsigned kf = hs_flags_for(r, PatternDb::key);
    for (size_t i = 0; i < r.key_patterns.size(); ++i) {
      std::string m = check_pattern(r.key_patterns[i], kf);
      if (!m.empty())
        add(r, i < r.key_lines.size() ? r.key_lines[i] : r.line, "rule '" + r.id + "': key " + m);
    }
  }
  return errors.size() == before;
}

std::string default_rules_dir() {
  const char* env = std::getenv("MIRADOR_RULES_DIR");
  if (env && *env) return env;
  return MIRADOR_RULES_DIR;
}

}  // namespace mirador::detect

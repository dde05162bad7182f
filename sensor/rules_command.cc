// The `rules` subcommands of mirador: load, check and compile rule files exactly as the sensor
// will at start, so an error found here is the error the sensor would refuse to start with.
#include "sensor/rules_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "detectors/engine/compiled_rules.h"
#include "detectors/engine/rule_loader.h"

namespace mirador {

namespace {

using detect::RuleError;
using detect::RuleSet;

// Files and directories as given; none means the shipped rules directory.
void load_all(const std::vector<std::string>& paths, RuleSet& rules,
              std::vector<RuleError>& errors) {
  if (paths.empty()) {
    detect::load_rule_dir(detect::default_rules_dir(), rules, errors);
    return;
  }
  for (const auto& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec))
      detect::load_rule_dir(p, rules, errors);
    else
      detect::load_rule_file(p, rules, errors);
  }
}

// Loading and checking report in two passes; print by file (in the order given), then line.
void sort_errors(std::vector<RuleError>& errors) {
  std::vector<std::string> files;
  auto file_rank = [&](const std::string& f) {
    const auto it = std::find(files.begin(), files.end(), f);
    if (it != files.end()) return static_cast<size_t>(it - files.begin());
    files.push_back(f);
    return files.size() - 1;
  };
  for (const auto& e : errors) file_rank(e.file);
  std::stable_sort(errors.begin(), errors.end(), [&](const RuleError& a, const RuleError& b) {
    const size_t fa = file_rank(a.file), fb = file_rank(b.file);
    return fa != fb ? fa < fb : a.line < b.line;
  });
}

int check(const std::vector<std::string>& paths) {
  RuleSet rules;
  std::vector<RuleError> errors;
  load_all(paths, rules, errors);
  detect::check_rules(rules, errors);
  size_t patterns = 0;
  const size_t n_rules = rules.rules.size();
  if (errors.empty()) {
    // The databases as the sensor builds them: some limits only show when patterns meet.
    auto compiled = detect::CompiledRules::compile(std::move(rules), errors);
    if (compiled) patterns = compiled->pattern_count();
  }
  sort_errors(errors);
  for (const auto& e : errors) std::printf("%s\n", e.str().c_str());
  if (errors.empty()) {
    std::printf("%zu rules, %zu patterns: ok\n", n_rules, patterns);
    return 0;
  }
  std::printf("%zu error%s\n", errors.size(), errors.size() == 1 ? "" : "s");
  return 1;
}

int list(const std::vector<std::string>& paths) {
  RuleSet rules;
  std::vector<RuleError> errors;
  load_all(paths, rules, errors);
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.str().c_str());
  for (const auto& r : rules.rules) {
    const std::string_view sev = detect::severity_name(r.severity);
    std::printf("%s\t%s\t%s\t%.*s\t%s\n", r.id.c_str(),
                r.kind == detect::RuleKind::attack ? "attack" : "data", r.rule_class.c_str(),
                static_cast<int>(sev.size()), sev.data(), r.owasp_api.c_str());
  }
  return errors.empty() ? 0 : 1;
}

}  // namespace

int run_rules_command(int argc, char** argv) {
  CLI::App app{"mirador rules: check and list detection rule files"};
  app.name("mirador rules");
  app.require_subcommand(1);
  std::vector<std::string> check_paths, list_paths;
  auto* check_cmd = app.add_subcommand(
      "check", "Validate rule files (default: the shipped rules); errors as file:line:col");
  check_cmd->add_option("paths", check_paths, "Rule files or directories");
  auto* list_cmd =
      app.add_subcommand("list", "List rules: id, kind, class, severity, owasp (tab-separated)");
  list_cmd->add_option("paths", list_paths, "Rule files or directories");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (check_cmd->parsed()) return check(check_paths);
  return list(list_paths);
}

}  // namespace mirador

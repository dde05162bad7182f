// Fuzz target: the rule loader on YAML text (parse_rules: every structural check, with errors
// collected, never thrown) and the cheap cross-rule checks (check_rules without compiling each
// pattern). Hyperscan compilation is left out: its cost on a hostile pattern is Hyperscan's own
// (bounded by its limits, but far above a fuzz iteration's budget). Input over 16 KiB is cut.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "detectors/engine/rule_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size < 16384 ? size : 16384);
  mirador::detect::RuleSet rules;
  std::vector<mirador::detect::RuleError> errors;
  if (mirador::detect::parse_rules(text, "fuzz.yaml", rules, errors))
    mirador::detect::check_rules(rules, errors, /*compile_each=*/false);
  volatile size_t sink = 0;
  for (const auto& e : errors) sink = sink + e.str().size();
  return 0;
}

#include "tools/traffic_gen/scenario.h"

namespace mirador::gen {

std::optional<ScenarioKind> scenario_from_name(std::string_view name) {
  if (name == "scrape") return ScenarioKind::kScrape;
  if (name == "bulk_exposure") return ScenarioKind::kBulkExposure;
  if (name == "token_shared") return ScenarioKind::kTokenShared;
  if (name == "brute_force") return ScenarioKind::kBruteForce;
  return std::nullopt;
}

std::string_view scenario_name(ScenarioKind k) {
  switch (k) {
    case ScenarioKind::kScrape:
      return "scrape";
    case ScenarioKind::kBulkExposure:
      return "bulk_exposure";
    case ScenarioKind::kTokenShared:
      return "token_shared";
    case ScenarioKind::kBruteForce:
      return "brute_force";
    case ScenarioKind::kNone:
      break;
  }
  return "none";
}

ScenarioShape scenario_shape(ScenarioKind k) {
  switch (k) {
    case ScenarioKind::kScrape:
      // ~1560 records × 4 personal values also pass abuse.bulk_records_identity (5000).
      return {16, 100, {"abuse.enumeration", "abuse.rate_identity", "abuse.bulk_exposure"}};
    case ScenarioKind::kBulkExposure:
      return {1, 5, {"abuse.bulk_exposure"}};
    case ScenarioKind::kTokenShared:
      return {kTokenSharedClients, 2, {"abuse.token_shared"}};
    case ScenarioKind::kBruteForce:
      return {2, 25, {"abuse.brute_force", "abuse.account_brute_force"}};
    case ScenarioKind::kNone:
      break;
  }
  return {};
}

}  // namespace mirador::gen

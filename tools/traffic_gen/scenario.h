// Abuse scenarios (--scenario NAME, repeatable): one attacker identity's scripted traffic,
// injected into the benign mix on its own connections, with the finding the sensor's abuse
// detectors (detectors/abuse/abuse_detector.h, default thresholds) should raise.
//
//   scrape         GET /api/v1/users/{id} over 1600 consecutive ids (16 keep-alive connections
//                  of 100 requests, no think time: ~20 s) → abuse.enumeration, abuse.rate_identity,
//                  and abuse.bulk_exposure (the ~1560 records it gets hold ~6200 personal values)
//   bulk_exposure  5 × GET /api/v1/users?page=N&limit=100, each answered with 100 user records
//                  (about 400 personal values) → abuse.bulk_exposure
//   token_shared   one identity's token from 14 client addresses (one connection of 2 requests
//                  each) → abuse.token_shared
//   brute_force    50 × POST /api/v1/login for one account from one client, all 401
//                  → abuse.brute_force, abuse.account_brute_force
//
// The attacker is an identity outside the benign cycle (index identities + scenario number), so
// its token and cookie are its own; scenario requests come on top of --transactions. Every
// scenario's connections go to the first server (one host, so one endpoint key) and always
// complete, even when --size stops the benign traffic.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace mirador::gen {

enum class ScenarioKind : uint8_t { kNone, kScrape, kBulkExposure, kTokenShared, kBruteForce };

struct ScenarioShape {
  uint32_t connections = 0;
  uint32_t requests_per_conn = 0;
  std::vector<std::string_view> findings;  // the finding ids it should raise
};

std::optional<ScenarioKind> scenario_from_name(std::string_view name);
std::string_view scenario_name(ScenarioKind k);
ScenarioShape scenario_shape(ScenarioKind k);

// Fixed numbers the HTTP builder and the tests share.
constexpr uint64_t kScrapeFirstId = 5000000;  // above every benign user id (≤ 2,100,000)
constexpr uint64_t kScrapeIdsPerScenario = 100000;
constexpr uint32_t kScrapeMissEvery = 40;     // every 40th id answers 404 (40 misses in all)
constexpr int kBulkRecords = 100;             // users per bulk_exposure response
constexpr uint32_t kTokenSharedClients = 14;  // needs --clients ≥ this (at least 12 works)
constexpr uint32_t kTokenSharedMinClients = 12;

}  // namespace mirador::gen

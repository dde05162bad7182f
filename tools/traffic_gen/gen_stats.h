// Ground truth of what the generator wrote: printed at the end and saved by --summary-json so
// tests can check that the sensor saw every transaction.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tools/traffic_gen/http_builder.h"

namespace mirador::gen {

// One injected abuse scenario, as the summary lists it.
struct ScenarioRecord {
  std::string name;
  std::string subject;   // the attacker's JWT sub ("user-<n>"); brute_force: none
  std::string client;    // its (first) client address
  std::string account;   // brute_force: the login name tried
  uint64_t clients = 0;  // distinct client addresses it used
  uint64_t connections = 0;
  uint64_t requests = 0;
  std::vector<std::string_view> findings;  // what the abuse detectors should raise
};

struct GenStats {
  uint64_t packets = 0;  // frames written (dropped segments excluded)
  uint64_t bytes = 0;    // pcap file size
  uint64_t connections = 0;
  uint64_t requests = 0;
  uint64_t responses = 0;
  std::array<uint64_t, static_cast<size_t>(Method::kCount)> methods{};
  std::map<int, uint64_t> statuses;
  uint64_t chunked_responses = 0;
  uint64_t gzip_responses = 0;
  uint64_t data_segments = 0;     // TCP segments carrying payload, written or dropped
  uint64_t dropped_segments = 0;  // --loss: segments the capture "missed"
  uint64_t reordered_pairs = 0;   // --reorder: adjacent segments swapped
  uint64_t identities_used = 0;   // distinct benign identities that opened a connection
  std::vector<ScenarioRecord> scenarios;
  uint64_t first_us = 0, last_us = 0;  // capture time span (first and last packet)
  double elapsed_seconds = 0;
};

// Human-readable one-screen summary (stderr).
std::string format_stats(const GenStats& s);

// JSON document with every counter; `seed` and `options` (a JSON object text) are echoed so a
// test can tell which capture the numbers describe.
std::string stats_json(const GenStats& s, uint64_t seed, const std::string& options_json);

}  // namespace mirador::gen

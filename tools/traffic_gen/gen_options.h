// Options of mirador-gen; every field has a command-line flag of the same meaning.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/traffic_gen/frame_builder.h"

namespace mirador::gen {

struct GenOptions {
  std::string output;
  std::string summary_json;  // empty: no summary file
  uint64_t seed = 1;
  uint64_t size_bytes = 0;    // stop starting work once the file reaches this size (0 = off)
  uint64_t transactions = 0;  // exact number of request/response pairs (0 = off)
  uint32_t clients = 200;     // distinct client addresses (198.18.0.0/16)
  uint64_t identities = 0;    // distinct users (JWT, cookie, login); 0 = as many as clients
  std::vector<std::string> scenarios;  // abuse scenarios to inject (scenario.h), repeatable
  // Average requests per identity per minute: the gaps between a slot's connections stretch so
  // that identities × rate requests arrive per minute (never faster than back to back). 0: no
  // stretching (connections follow each other within 3 ms, whatever the identity count).
  double identity_rate = 6;
  uint32_t servers = 4;       // distinct server addresses (198.19.0.0/16)
  uint32_t concurrency = 32;  // connections open at the same time
  uint32_t requests_per_conn = 8;
  uint32_t pipeline = 1;
  bool http2 = false;        // HTTP/2 with prior knowledge (h2c) instead of HTTP/1.1
  uint32_t h2_streams = 10;  // HTTP/2: concurrent streams per batch (--pipeline stays 1)
  double chunked_ratio = 0.2;
  double gzip_ratio = 0.3;
  double loss = 0;
  double reorder = 0;
  uint16_t vlan = 0;
  int64_t erspan = -1;  // session id, -1 = off
  int64_t vxlan = -1;   // VNI, -1 = off
  uint32_t mss = 1460;
  uint16_t server_port = 80;
  int64_t start_time = 1767225600;  // 2026-01-01T00:00:00Z: fixed so output is reproducible

  static constexpr uint32_t kMaxClients = 65534;
  static constexpr uint64_t kMaxIdentities = 2000000;
  static constexpr size_t kMaxScenarios = 16;
  static constexpr uint32_t kMaxServers = 65000;  // 198.19.254.0/23 is kept for tunnel ends
  static constexpr uint32_t kMaxConcurrency = 100000;
  static constexpr uint32_t kMaxPipeline = 1000;  // bounds the per-connection message buffers
  static constexpr uint32_t kMaxH2Streams = 100;  // the client's SETTINGS_MAX_CONCURRENT_STREAMS
  static constexpr uint32_t kMinMss = 536;
  static constexpr uint32_t kMaxMss = 8960;

  uint64_t identity_count() const { return identities == 0 ? clients : identities; }

  // Returns an empty string when the options are consistent, else what is wrong.
  std::string validate() const;
  Encapsulation encapsulation() const;
  // The options as a JSON object (echoed into the summary).
  std::string to_json() const;
};

}  // namespace mirador::gen

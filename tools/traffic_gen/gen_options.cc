#include "tools/traffic_gen/gen_options.h"

#include <cstdio>

#include "tools/traffic_gen/scenario.h"

namespace mirador::gen {

std::string GenOptions::validate() const {
  if (output.empty()) return "an output file (-o) is required";
  if (clients == 0 || clients > kMaxClients) return "--clients must be in 1..65534";
  if (identities > kMaxIdentities) return "--identities must be in 1..2000000";
  if (!(identity_rate >= 0 && identity_rate <= 1e6)) return "--identity-rate must be in 0..1000000";
  if (scenarios.size() > kMaxScenarios) return "at most 16 --scenario options";
  for (const std::string& name : scenarios) {
    const auto kind = scenario_from_name(name);
    if (!kind) {
      return "unknown --scenario '" + name + "' (scrape, bulk_exposure, token_shared, brute_force)";
    }
    if (*kind == ScenarioKind::kTokenShared && clients < kTokenSharedMinClients)
      return "--scenario token_shared needs --clients 12 or more";
  }
  if (servers == 0 || servers > kMaxServers) return "--servers must be in 1..65000";
  if (concurrency == 0 || concurrency > kMaxConcurrency)
    return "--concurrency must be in 1..100000";
  if (requests_per_conn == 0) return "--requests-per-conn must be at least 1";
  if (pipeline == 0 || pipeline > kMaxPipeline) return "--pipeline must be in 1..1000";
  if (h2_streams == 0 || h2_streams > kMaxH2Streams) return "--h2-streams must be in 1..100";
  if (http2 && pipeline != 1) return "--pipeline is HTTP/1.x only (HTTP/2: --h2-streams)";
  if (mss < kMinMss || mss > kMaxMss) return "--mss must be in 536..8960";
  for (double r : {chunked_ratio, gzip_ratio, loss, reorder}) {
    if (!(r >= 0 && r <= 1))
      return "ratios (--chunked-ratio, --gzip-ratio, --loss, --reorder) must be in [0,1]";
  }
  if (vlan > 4094) return "--vlan must be in 1..4094";
  if (erspan >= 0 && vxlan >= 0) return "--erspan and --vxlan are exclusive";
  if (erspan > 1023) return "--erspan session id must be in 0..1023";
  if (vxlan > 0xffffff) return "--vxlan VNI must be in 0..16777215";
  if (start_time < 0 || start_time > 4000000000) return "--start-time out of range";
  if (size_bytes != 0 && transactions != 0) return "give --size or --transactions, not both";
  return {};
}

Encapsulation GenOptions::encapsulation() const {
  Encapsulation e;
  e.vlan = vlan;
  if (erspan >= 0) {
    e.tunnel = Tunnel::kErspan;
    e.tunnel_id = static_cast<uint32_t>(erspan);
  } else if (vxlan >= 0) {
    e.tunnel = Tunnel::kVxlan;
    e.tunnel_id = static_cast<uint32_t>(vxlan);
  }
  return e;
}

std::string GenOptions::to_json() const {
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "{\"size\": %llu, \"transactions\": %llu, \"clients\": %u, \"identities\": %llu, "
                "\"identity_rate\": %g, \"servers\": %u, "
                "\"concurrency\": %u, \"requests_per_conn\": %u, \"pipeline\": %u, "
                "\"http2\": %s, \"h2_streams\": %u, "
                "\"chunked_ratio\": %g, \"gzip_ratio\": %g, \"loss\": %g, \"reorder\": %g, "
                "\"vlan\": %u, \"erspan\": %lld, \"vxlan\": %lld, \"mss\": %u, "
                "\"server_port\": %u, \"start_time\": %lld}",
                static_cast<unsigned long long>(size_bytes),
                static_cast<unsigned long long>(transactions), clients,
                static_cast<unsigned long long>(identity_count()), identity_rate, servers,
                concurrency, requests_per_conn, pipeline, http2 ? "true" : "false", h2_streams,
                chunked_ratio, gzip_ratio, loss, reorder, static_cast<unsigned>(vlan),
                static_cast<long long>(erspan), static_cast<long long>(vxlan), mss,
                static_cast<unsigned>(server_port), static_cast<long long>(start_time));
  return buf;
}

}  // namespace mirador::gen

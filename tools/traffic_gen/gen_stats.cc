#include "tools/traffic_gen/gen_stats.h"

#include <cstdio>

namespace mirador::gen {

std::string format_stats(const GenStats& s) {
  char buf[512];
  const double mib = static_cast<double>(s.bytes) / (1024.0 * 1024.0);
  std::snprintf(
      buf, sizeof buf,
      "mirador-gen: packets %llu, bytes %llu (%.1f MiB), connections %llu, "
      "transactions %llu (requests %llu, responses %llu), dropped segments %llu, "
      "reordered pairs %llu, elapsed %.3f s (%.1f MiB/s)\n",
      static_cast<unsigned long long>(s.packets), static_cast<unsigned long long>(s.bytes), mib,
      static_cast<unsigned long long>(s.connections), static_cast<unsigned long long>(s.requests),
      static_cast<unsigned long long>(s.requests), static_cast<unsigned long long>(s.responses),
      static_cast<unsigned long long>(s.dropped_segments),
      static_cast<unsigned long long>(s.reordered_pairs), s.elapsed_seconds,
      s.elapsed_seconds > 0 ? mib / s.elapsed_seconds : 0.0);
  return buf;
}

std::string stats_json(const GenStats& s, uint64_t seed, const std::string& options_json) {
  auto num = [](uint64_t v) { return std::to_string(v); };
  std::string out = "{\n";
  out += "  \"seed\": " + num(seed) + ",\n";
  out += "  \"options\": " + options_json + ",\n";
  out += "  \"packets\": " + num(s.packets) + ",\n";
  out += "  \"bytes\": " + num(s.bytes) + ",\n";
  out += "  \"connections\": " + num(s.connections) + ",\n";
  out += "  \"transactions\": " + num(s.requests) + ",\n";
  out += "  \"requests\": " + num(s.requests) + ",\n";
  out += "  \"responses\": " + num(s.responses) + ",\n";
  out += "  \"methods\": {";
  for (size_t i = 0; i < s.methods.size(); ++i) {
    out += (i ? ", \"" : "\"") + std::string(method_name(static_cast<Method>(i))) +
           "\": " + num(s.methods[i]);
  }
  out += "},\n  \"statuses\": {";
  bool first = true;
  for (const auto& [code, count] : s.statuses) {
    out += (first ? "\"" : ", \"") + std::to_string(code) + "\": " + num(count);
    first = false;
  }
  out += "},\n";
  out += "  \"chunked_responses\": " + num(s.chunked_responses) + ",\n";
  out += "  \"gzip_responses\": " + num(s.gzip_responses) + ",\n";
  out += "  \"data_segments\": " + num(s.data_segments) + ",\n";
  out += "  \"dropped_segments\": " + num(s.dropped_segments) + ",\n";
  out += "  \"reordered_pairs\": " + num(s.reordered_pairs) + ",\n";
  out += "  \"identities_used\": " + num(s.identities_used) + ",\n";
  out += "  \"capture_seconds\": " + std::to_string((s.last_us - s.first_us) / 1000000.0) + ",\n";
  out += "  \"scenarios\": [";
  for (size_t i = 0; i < s.scenarios.size(); ++i) {
    const ScenarioRecord& r = s.scenarios[i];
    out += i ? ",\n    " : "\n    ";
    out += "{\"name\": \"" + r.name + "\", \"subject\": \"" + r.subject + "\", \"client\": \"" +
           r.client + "\", \"account\": \"" + r.account + "\", \"clients\": " + num(r.clients) +
           ", \"connections\": " + num(r.connections) + ", \"requests\": " + num(r.requests) +
           ", \"findings\": [";
    for (size_t j = 0; j < r.findings.size(); ++j) {
      out += (j ? ", \"" : "\"") + std::string(r.findings[j]) + "\"";
    }
    out += "]}";
  }
  out += s.scenarios.empty() ? "]\n" : "\n  ]\n";
  out += "}\n";
  return out;
}

}  // namespace mirador::gen

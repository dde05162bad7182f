#include "sensor/config.h"

#include <climits>

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>

namespace mirador {

namespace {

std::string trim(std::string s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

uint64_t parse_uint(const std::string& text) {
  std::string t = trim(text);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || t.empty()) {
    throw std::runtime_error("not a non-negative integer: '" + text + "'");
  }
  return v;
}

bool parse_bool(const std::string& text) {
  std::string t = trim(text);
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  throw std::runtime_error("not a boolean: '" + text + "'");
}

template <typename T>
T bounded(uint64_t v, uint64_t lo, uint64_t hi) {
  if (v < lo || v > hi) {
    throw std::runtime_error("out of range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                             "]: " + std::to_string(v));
  }
  return static_cast<T>(v);
}

int64_t seconds_to_us(const std::string& s) {
  return static_cast<int64_t>(std::llround(parse_duration(s) * 1e6));
}

std::string us_to_seconds(int64_t us) {
  std::ostringstream o;
  o << static_cast<double>(us) / 1e6 << "s";
  return o.str();
}

std::chrono::milliseconds duration_to_ms(const std::string& text, const char*) {
  const double s = parse_duration(text);
  if (s > 86400.0 * 365) throw std::runtime_error("duration too long: '" + text + "'");
  return std::chrono::milliseconds(std::llround(s * 1e3));
}

std::string ms_to_text(std::chrono::milliseconds v) {
  return std::to_string(v.count()) + "ms";
}

std::string ports_to_string(const std::vector<uint16_t>& ports) {
  std::string s;
  for (size_t i = 0; i < ports.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(ports[i]);
  }
  return s;
}

std::vector<std::string> parse_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) s += ',';
    s += items[i];
  }
  return s;
}

std::vector<uint16_t> parse_ports(const std::string& text) {
  std::vector<uint16_t> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    out.push_back(bounded<uint16_t>(parse_uint(item), 1, 65535));
  }
  return out;
}

struct Key {
  const char* name;
  const char* help;
  std::function<std::string(const SensorConfig&)> get;
  std::function<void(SensorConfig&, const std::string&)> set;
};

#define SIZE_KEY(NAME, HELP, FIELD, LO, HI)                                    \
  Key {                                                                        \
    NAME, HELP, [](const SensorConfig& c) { return std::to_string(c.FIELD); }, \
        [](SensorConfig& c, const std::string& v) {                            \
          c.FIELD = bounded<decltype(c.FIELD)>(parse_size(v), LO, HI);         \
        }                                                                      \
  }
#define TIME_KEY(NAME, HELP, FIELD)                                               \
  Key {                                                                           \
    NAME, HELP, [](const SensorConfig& c) { return us_to_seconds(c.FIELD); },     \
        [](SensorConfig& c, const std::string& v) { c.FIELD = seconds_to_us(v); } \
  }

#define MS_KEY(NAME, HELP, FIELD)                                                        \
  Key {                                                                                  \
    NAME, HELP, [](const SensorConfig& c) { return ms_to_text(c.FIELD); },               \
        [](SensorConfig& c, const std::string& v) { c.FIELD = duration_to_ms(v, NAME); } \
  }
#define TEXT_KEY(NAME, HELP, FIELD)                                \
  Key {                                                            \
    NAME, HELP, [](const SensorConfig& c) { return c.FIELD; },     \
        [](SensorConfig& c, const std::string& v) { c.FIELD = v; } \
  }

const std::vector<Key>& keys() {
  static const std::vector<Key> k = {
      {"capture.file", "pcap/pcapng file to read (same as -r)",
       [](const SensorConfig& c) { return c.read_file; },
       [](SensorConfig& c, const std::string& v) { c.read_file = v; }},
      {"capture.interface", "interface to capture on (same as -i)",
       [](const SensorConfig& c) { return c.live.interface; },
       [](SensorConfig& c, const std::string& v) { c.live.interface = v; }},
      {"capture.bpf", "BPF filter, tcpdump syntax (same as -f)",
       [](const SensorConfig& c) { return c.live.bpf; },
       [](SensorConfig& c, const std::string& v) { c.live.bpf = v; }},
      SIZE_KEY("capture.snaplen", "bytes captured per packet (live)", live.snaplen, 64, 262144),
      {"capture.promiscuous", "promiscuous mode (live)",
       [](const SensorConfig& c) { return std::string(c.live.promiscuous ? "true" : "false"); },
       [](SensorConfig& c, const std::string& v) { c.live.promiscuous = parse_bool(v); }},
      SIZE_KEY("capture.buffer_size", "kernel capture ring size (TPACKET_V3), bytes",
               live.buffer_bytes, 1u << 16, INT_MAX),
      SIZE_KEY("capture.timeout_ms", "longest wait for a packet before idle housekeeping",
               live.timeout_ms, 1, 10000),
      SIZE_KEY("capture.reopen_interval_ms",
               "live: after a capture error (interface removed) reopen it this often, the flows "
               "kept (0: stop with the error)",
               live.reopen_interval_ms, 0, 3600000),
      {"capture.dpdk.enabled", "capture from a DPDK port (capture.dpdk.*) instead of -r/-i",
       [](const SensorConfig& c) { return std::string(c.dpdk.enabled ? "true" : "false"); },
       [](SensorConfig& c, const std::string& v) { c.dpdk.enabled = parse_bool(v); }},
      TEXT_KEY("capture.dpdk.eal_args",
               "DPDK EAL arguments, e.g. --no-huge --no-pci -m 256 --vdev=net_pcap0,rx_pcap=F",
               dpdk.eal_args),
      SIZE_KEY("capture.dpdk.port", "DPDK port index", dpdk.port, 0, 1023),
      SIZE_KEY("capture.dpdk.queues", "RX queues (0: one per worker; capped by the device)",
               dpdk.queues, 0, 256),
      SIZE_KEY("capture.dpdk.mbufs", "mbufs in each RX queue's pool", dpdk.mbufs, 1023, 1u << 22),
      SIZE_KEY("capture.dpdk.rx_descriptors", "RX ring size per queue", dpdk.rx_descriptors, 64,
               32768),
      SIZE_KEY("capture.dpdk.burst", "packets per receive", dpdk.burst, 1, 512),
      MS_KEY("capture.dpdk.idle_stop",
             "stop after this long without a packet (net_pcap files never end); 0: never",
             dpdk.idle_stop),
      SIZE_KEY("capture.workers",
               "worker threads, each owning a share of the flows (0: one per core)",
               pipeline.workers, 0, 256),
      SIZE_KEY("capture.worker_ring_bytes",
               "each worker's packet ring from the capture thread (full: a file waits, live drops)",
               pipeline.ring_bytes, 1u << 16, 1ull << 32),
      SIZE_KEY(
          "capture.worker_reports",
          "transactions each worker may have waiting for the aggregator (the stateful detectors)",
          pipeline.reports_per_worker, 1, 65536),
      SIZE_KEY("decoder.max_tunnel_depth", "tunnels nested deeper are malformed",
               worker.decoder.max_tunnel_depth, 1, 16),
      SIZE_KEY("decoder.vxlan_port", "UDP destination port decoded as VXLAN",
               worker.decoder.vxlan_port, 1, 65535),
      SIZE_KEY("decoder.defrag.memcap", "bytes held in incomplete IP datagrams",
               worker.decoder.defrag_memcap, 0, uint64_t{1} << 40),
      SIZE_KEY("decoder.defrag.max_datagrams", "concurrent incomplete IP datagrams",
               worker.decoder.defrag_max_datagrams, 0, 1u << 24),
      TIME_KEY("decoder.defrag.timeout", "lifetime of an incomplete IP datagram",
               worker.decoder.defrag_timeout_us),
      SIZE_KEY("flow.max_flows", "live flows per worker; the oldest is evicted beyond",
               worker.flows.max_flows, 1, 1u << 30),
      SIZE_KEY("flow.memcap",
               "flow state per worker (flows and their HTTP/TLS sessions); the oldest flow is "
               "evicted beyond",
               worker.flows.memcap, 1u << 16, uint64_t{1} << 40),
      TIME_KEY("flow.timeout.fresh", "idle timeout before the handshake completes",
               worker.flows.timeouts.fresh_us),
      TIME_KEY("flow.timeout.established", "idle timeout of an established connection",
               worker.flows.timeouts.established_us),
      TIME_KEY("flow.timeout.closing", "idle timeout after one FIN",
               worker.flows.timeouts.closing_us),
      TIME_KEY("flow.timeout.closed", "linger after close or RST", worker.flows.timeouts.closed_us),
      TIME_KEY("flow.timeout.udp", "idle timeout of a UDP flow", worker.flows.timeouts.udp_us),
      SIZE_KEY("tcp.stream_max_held_bytes", "out-of-order bytes held per stream",
               worker.tcp.max_held_bytes, 0, uint64_t{1} << 32),
      SIZE_KEY("tcp.stream_max_held_segments", "out-of-order segments held per stream",
               worker.tcp.max_held_segments, 0, 1u << 20),
      SIZE_KEY("tcp.overlap_check_bytes",
               "last delivered bytes per stream kept to detect overlaps with different data",
               worker.tcp.recent_bytes, 0, 1u << 20),
      SIZE_KEY("tcp.max_window", "segments farther than this from the next byte are dropped",
               worker.tcp.max_window, 1u << 16, 1u << 30),
      SIZE_KEY("tcp.memcap", "out-of-order bytes held by all streams of a worker",
               worker.tcp_memcap, 0, uint64_t{1} << 40),
      SIZE_KEY("http.max_line", "longest request, status or header line", worker.http.max_line, 64,
               1u << 24),
      SIZE_KEY("http.max_header_bytes", "largest header section", worker.http.max_header_bytes, 256,
               1u << 26),
      SIZE_KEY("http.max_headers", "most header fields per message", worker.http.max_headers, 1,
               1u << 16),
      SIZE_KEY("http.max_body_inspect", "decoded body bytes kept per message for inspection",
               worker.http.max_body_inspect, 0, 1u << 30),
      SIZE_KEY("http.max_decompress_ratio", "decoded/encoded ratio that marks a bomb",
               worker.http.max_decompress_ratio, 1, 1u << 20),
      SIZE_KEY("http.max_pending", "pipelined requests awaiting a response",
               worker.http.max_pending, 1, 1u << 16),
      {"http.port_hints",
       "ports parsed as HTTP even when the first bytes seen are not (midstream pickup)",
       [](const SensorConfig& c) { return ports_to_string(c.worker.http_port_hints); },
       [](SensorConfig& c, const std::string& v) { c.worker.http_port_hints = parse_ports(v); }},
      {"http2.enabled", "decode HTTP/2 (prior knowledge, h2c upgrade, midstream, ALPN h2 in TLS)",
       [](const SensorConfig& c) { return std::string(c.worker.http2 ? "true" : "false"); },
       [](SensorConfig& c, const std::string& v) { c.worker.http2 = parse_bool(v); }},
      SIZE_KEY("http2.max_streams", "HTTP/2 streams tracked per connection (more are refused)",
               worker.http2_limits.max_streams, 1, 1u << 20),
      SIZE_KEY("http2.max_header_block", "compressed HTTP/2 header block bytes (with CONTINUATION)",
               worker.http2_limits.max_header_block, 256, 1u << 26),
      SIZE_KEY("http2.max_header_list", "decoded HTTP/2 header list bytes per block",
               worker.http2_limits.max_header_list, 256, 1u << 26),
      SIZE_KEY("http2.max_headers", "HTTP/2 header fields per block",
               worker.http2_limits.max_headers, 1, 1u << 16),
      SIZE_KEY("http2.max_buffered_data", "HTTP/2 body bytes kept over a connection's open streams",
               worker.http2_limits.max_buffered_data, 0, uint64_t{1} << 34),
      SIZE_KEY("http2.max_header_table", "largest HPACK dynamic table tracked per direction",
               worker.http2_limits.max_header_table, 0, 1u << 24),
      {"tls.enabled", "parse TLS handshakes (metadata, JA3/JA4, certificates; decryption)",
       [](const SensorConfig& c) { return std::string(c.worker.tls ? "true" : "false"); },
       [](SensorConfig& c, const std::string& v) { c.worker.tls = parse_bool(v); }},
      {"tls.keylog_file",
       "NSS key log (SSLKEYLOGFILE format) to decrypt TLS 1.2/1.3; re-read as it grows",
       [](const SensorConfig& c) { return c.tls_keylog_file; },
       [](SensorConfig& c, const std::string& v) { c.tls_keylog_file = v; }},
      SIZE_KEY("tls.max_handshake", "bytes of one TLS handshake message buffered",
               worker.tls_limits.max_handshake, 1024, 1u << 24),
      SIZE_KEY("tls.max_certs", "certificates parsed per chain", worker.tls_limits.max_certs, 0,
               64),
      {"tls.checks", "TLS findings (legacy versions, weak suites, certificates, cleartext twins)",
       [](const SensorConfig& c) {
         return std::string(c.worker.tls_checks.enabled ? "true" : "false");
       },
       [](SensorConfig& c, const std::string& v) { c.worker.tls_checks.enabled = parse_bool(v); }},
      SIZE_KEY("tls.min_rsa_bits", "RSA certificate keys below this are weak",
               worker.tls_checks.min_rsa_bits, 512, 16384),
      SIZE_KEY("tls.min_ec_bits", "EC certificate keys below this are weak",
               worker.tls_checks.min_ec_bits, 128, 1024),
      SIZE_KEY("tls.max_hosts", "TLS hosts remembered (certificate changes, cleartext twins)",
               worker.tls_checks.max_hosts, 16, 1u << 24),
      SIZE_KEY("tls.cert_change_window", "seconds a host's certificate is remembered",
               worker.tls_checks.cert_window_s, 1, 86400 * 365),
      SIZE_KEY("tls.report_once_window", "seconds a TLS fact about a host is reported once in",
               worker.tls_checks.report_once_window_s, 1, 86400 * 30),
      {"detect.enabled",
       "run the detection engine (signatures, sensitive data) on every transaction",
       [](const SensorConfig& c) {
         return std::string(c.worker.detect.enabled ? "true" : "false");
       },
       [](SensorConfig& c, const std::string& v) { c.worker.detect.enabled = parse_bool(v); }},
      TEXT_KEY("detect.rules_dir",
               "directory of rule files (*.yaml); empty = the rules shipped with Mirador",
               worker.detect.rules_dir),
      SIZE_KEY("detect.max_fields",
               "fields (parameters, headers, JSON values…) scanned per "
               "transaction; the rest are counted",
               worker.detect.fields.max_fields, 1, 1u << 24),
      SIZE_KEY("detect.max_field_bytes", "bytes of extracted fields held per transaction",
               worker.detect.fields.max_field_bytes, 1u << 10, 1u << 30),
      SIZE_KEY("detect.max_json_depth", "JSON nesting walked; deeper values are skipped",
               worker.detect.fields.max_json_depth, 1, 1024),
      SIZE_KEY("detect.max_multipart_parts", "multipart parts walked per body",
               worker.detect.fields.max_multipart_parts, 1, 1u << 16),
      SIZE_KEY("detect.max_grpc_messages", "gRPC messages walked per body",
               worker.detect.fields.max_grpc_messages, 1, 1u << 20),
      SIZE_KEY("detect.max_grpc_message_bytes", "decoded bytes walked per gRPC message",
               worker.detect.fields.max_grpc_message_bytes, 16, 1u << 30),
      SIZE_KEY("detect.max_grpc_decompress_ratio", "decoded/encoded ratio of a gRPC message bomb",
               worker.detect.fields.max_grpc_decompress_ratio, 1, 1u << 20),
      SIZE_KEY("detect.max_grpc_depth", "embedded protobuf messages walked in depth",
               worker.detect.fields.max_grpc_depth, 1, 256),
      SIZE_KEY("detect.max_grpc_leaves", "protobuf leaves reported per gRPC message",
               worker.detect.fields.max_grpc_leaves, 1, 1u << 20),
      SIZE_KEY("detect.max_scan_bytes", "bytes of one field scanned; the rest is not",
               worker.detect.max_scan_bytes, 16, 1u << 30),
      SIZE_KEY("detect.max_matches",
               "pattern matches kept per scan (a transaction's data values are one scan)",
               worker.detect.max_matches, 1, 1u << 24),
      {"auth.enabled",
       "identity of each request and authentication-hygiene findings (with detection on)",
       [](const SensorConfig& c) { return std::string(c.worker.auth ? "true" : "false"); },
       [](SensorConfig& c, const std::string& v) { c.worker.auth = parse_bool(v); }},
      SIZE_KEY("auth.exp_skew", "seconds past a JWT's exp still taken as valid (clock skew)",
               worker.hygiene.exp_skew_s, 0, 86400),
      SIZE_KEY("auth.report_once_slots",
               "deployment-wide hygiene facts remembered (reported once per window)",
               worker.hygiene.report_once_slots, 1, 1u << 24),
      SIZE_KEY("auth.report_once_window",
               "seconds a deployment-wide hygiene fact stays reported (cleartext credentials, "
               "credential in the URL, unauthenticated sensitive data on a path)",
               worker.hygiene.report_once_window_s, 1, 30 * 86400),
      {"identity.api_key_headers", "headers whose value is the caller's API key",
       [](const SensorConfig& c) { return join(c.worker.identity.api_key_headers); },
       [](SensorConfig& c, const std::string& v) {
         c.worker.identity.api_key_headers = parse_list(v);
       }},
      {"identity.api_key_params", "query parameters whose value is the caller's API key",
       [](const SensorConfig& c) { return join(c.worker.identity.api_key_params); },
       [](SensorConfig& c, const std::string& v) {
         c.worker.identity.api_key_params = parse_list(v);
       }},
      {"identity.session_cookies", "cookies whose value is the caller's session",
       [](const SensorConfig& c) { return join(c.worker.identity.session_cookies); },
       [](SensorConfig& c, const std::string& v) {
         c.worker.identity.session_cookies = parse_list(v);
       }},
      {"identity.trusted_proxies",
       "CIDRs whose X-Forwarded-For is believed (empty: never believed)",
       [](const SensorConfig& c) { return join(c.worker.identity.trusted_proxies); },
       [](SensorConfig& c, const std::string& v) {
         c.worker.identity.trusted_proxies = parse_list(v);
         detect::IdentityExtractor check(c.worker.identity);  // a bad CIDR is an error now
       }},
      SIZE_KEY("identity.max_jwt_bytes", "longest Bearer token decoded as a JWT",
               worker.identity.max_jwt_bytes, 64, 1u << 20),
      SIZE_KEY("inventory.max_endpoints", "endpoints held in the inventory",
               worker.inventory.max_endpoints, 1, 1u << 24),
      SIZE_KEY("inventory.max_params", "parameters recorded per endpoint",
               worker.inventory.max_params, 1, 4096),
      TIME_KEY("inventory.report_interval",
               "capture time after which every endpoint is written again (new and changed ones "
               "are written at once)",
               worker.inventory_report_us),
      TEXT_KEY("inventory.openapi_file",
               "write the inventory as an OpenAPI 3.0 document (JSON) to this file at the end",
               openapi_file),
      {"identity.hash_key",
       "key of the keyed hash (HMAC-SHA256) identities leave the sensor as; empty: a random key "
       "per run (hashes then differ between runs)",
       [](const SensorConfig& c) {
         return std::string(c.worker.identity_hash_key.empty() ? "" : "(set)");
       },
       [](SensorConfig& c, const std::string& v) { c.worker.identity_hash_key = v; }},
      {"abuse.enabled", "the stateful abuse detectors (with detection and auth.enabled on)",
       [](const SensorConfig& c) { return std::string(c.worker.abuse.enabled ? "true" : "false"); },
       [](SensorConfig& c, const std::string& v) { c.worker.abuse.enabled = parse_bool(v); }},
      SIZE_KEY("abuse.rate_window", "seconds of the request-rate windows",
               worker.abuse.rate_window_s, 1, 86400),
      SIZE_KEY("abuse.rate_identity", "requests per identity per rate window (abuse.rate_identity)",
               worker.abuse.rate_identity, 1, 1u << 30),
      SIZE_KEY("abuse.rate_endpoint", "requests per endpoint per rate window (abuse.rate_endpoint)",
               worker.abuse.rate_endpoint, 1, 1u << 30),
      SIZE_KEY("abuse.sketch_width", "counters per row of the rate sketches (4 rows, 2 windows)",
               worker.abuse.sketch_width, 64, 1u << 24),
      SIZE_KEY("abuse.window",
               "seconds of the enumeration, lookup, BOLA, discovery and exposure windows",
               worker.abuse.window_s, 1, 30 * 86400),
      SIZE_KEY("abuse.enum_distinct", "distinct objects of one endpoint per identity per window",
               worker.abuse.enum_distinct, 2, 1u << 30),
      SIZE_KEY("abuse.enum_sequential", "consecutive object ids in one identity's run",
               worker.abuse.enum_sequential, 2, 1u << 30),
      SIZE_KEY("abuse.bulk_lookup_items", "phone numbers or ids in one request",
               worker.abuse.bulk_lookup_items, 2, 1u << 30),
      SIZE_KEY("abuse.phone_lookup_distinct",
               "distinct phone numbers looked up per identity per window",
               worker.abuse.phone_lookup_distinct, 2, 1u << 30),
      SIZE_KEY("abuse.bola_foreign",
               "objects first read by other identities, with personal data, per identity and "
               "endpoint per window",
               worker.abuse.bola_foreign, 1, 1u << 30),
      SIZE_KEY("abuse.admin_learning",
               "users an administration endpoint has before a newcomer is a hint",
               worker.abuse.admin_learning, 1, 1u << 20),
      SIZE_KEY("abuse.discovery_misses", "404/405 answers per identity per window",
               worker.abuse.discovery_misses, 2, 1u << 30),
      SIZE_KEY("abuse.bulk_records", "sensitive values in one response", worker.abuse.bulk_records,
               1, 1u << 30),
      SIZE_KEY("abuse.bulk_records_identity", "sensitive values per identity per window",
               worker.abuse.bulk_records_identity, 1, 1u << 30),
      SIZE_KEY("abuse.login_window", "seconds of the login-failure windows",
               worker.abuse.login_window_s, 1, 30 * 86400),
      SIZE_KEY("abuse.login_failures", "failed logins per identity per login window",
               worker.abuse.login_failures, 1, 1u << 30),
      SIZE_KEY("abuse.account_failures", "failed logins against one account per login window",
               worker.abuse.account_failures, 1, 1u << 30),
      SIZE_KEY("abuse.stuffing_usernames",
               "distinct user names failing from one identity per login window",
               worker.abuse.stuffing_usernames, 2, 1u << 30),
      SIZE_KEY("abuse.replay_window", "seconds a signature or nonce is remembered",
               worker.abuse.replay_window_s, 1, 30 * 86400),
      SIZE_KEY("abuse.token_window", "seconds of the shared-token window",
               worker.abuse.token_window_s, 1, 30 * 86400),
      SIZE_KEY("abuse.token_clients", "client addresses per credential per token window",
               worker.abuse.token_clients, 2, 1u << 20),
      SIZE_KEY("abuse.max_identities", "identities tracked (least recently seen evicted)",
               worker.abuse.max_identities, 8, 1u << 26),
      SIZE_KEY("abuse.max_pairs", "identity x endpoint pairs tracked", worker.abuse.max_pairs, 8,
               1u << 26),
      SIZE_KEY("abuse.max_objects", "objects whose first reader is remembered",
               worker.abuse.max_objects, 8, 1u << 26),
      SIZE_KEY("abuse.max_accounts", "login target accounts tracked", worker.abuse.max_accounts, 8,
               1u << 26),
      SIZE_KEY("abuse.max_replay_keys", "signatures and nonces remembered",
               worker.abuse.max_replay_keys, 8, 1u << 26),
      SIZE_KEY("abuse.max_sessions", "tokens and sessions whose claims are remembered",
               worker.abuse.max_sessions, 8, 1u << 26),
      SIZE_KEY("abuse.max_endpoints", "administration endpoints whose users are counted",
               worker.abuse.max_endpoints, 8, 1u << 24),
      SIZE_KEY("abuse.report_once_slots", "per-request abuse findings remembered per window",
               worker.abuse.report_once_slots, 1, 1u << 24),
      TEXT_KEY("inventory.openapi_spec",
               "OpenAPI 3.x / Swagger 2.0 document (JSON or YAML) of the APIs: undocumented "
               "endpoints that answer and deprecated ones answering 2xx become findings "
               "(empty = off)",
               openapi_spec),
      SIZE_KEY("inventory.spec_max_paths", "paths read from the OpenAPI document (more: error)",
               spec_limits.max_paths, 1, 1u << 22),
      SIZE_KEY("inventory.spec_max_operations",
               "operations read from the OpenAPI document (more: error)",
               spec_limits.max_operations, 1, 1u << 24),
      SIZE_KEY("inventory.spec_report_slots",
               "shadow/zombie endpoints remembered (each reported once per window)",
               worker.spec_check.report_once_slots, 1, 1u << 24),
      SIZE_KEY("inventory.spec_report_window", "seconds a shadow/zombie endpoint stays reported",
               worker.spec_check.report_once_window_s, 1, 30 * 86400),
      SIZE_KEY("inventory.max_hosts", "hosts whose endpoint templates are learnt",
               worker.templates.max_hosts, 1, 1u << 20),
      SIZE_KEY("inventory.max_template_nodes", "path-template nodes learnt per host",
               worker.templates.max_nodes_per_host, 16, 1u << 24),
      SIZE_KEY("inventory.param_min_distinct",
               "distinct names at one path position that make it a parameter ({param})",
               worker.templates.param_min_distinct, 2, 1u << 20),
      SIZE_KEY("inventory.max_segments", "path segments templated; the rest is /{rest}",
               worker.templates.max_segments, 1, 1024),
      SIZE_KEY("inventory.max_literal_len", "longest path segment kept as a literal",
               worker.templates.max_literal_len, 8, 4096),
      SIZE_KEY("detect.memo_slots",
               "values remembered with their scan results, per worker (0 = off)",
               worker.detect.memo_slots, 0, 1u << 24),
      SIZE_KEY("detect.max_findings", "findings per transaction; the rest are counted",
               worker.detect.max_findings, 1, 1u << 16),
      SIZE_KEY("detect.max_locations", "locations listed per finding", worker.detect.max_locations,
               1, 1u << 16),
      {"detect.min_severity",
       "findings below this severity (info, low, medium, high, critical) are counted, not "
       "reported",
       [](const SensorConfig& c) {
         return std::string(detect::severity_name(c.worker.detect.min_severity));
       },
       [](SensorConfig& c, const std::string& v) {
         if (!detect::parse_severity(v, c.worker.detect.min_severity)) {
           throw std::runtime_error("not a severity: '" + v + "'");
         }
       }},
      SIZE_KEY("detect.max_samples", "masked samples listed per finding", worker.detect.max_samples,
               0, 1u << 16),
      {"output.sensor_id", "name of this sensor in its events (default: the host name)",
       [](const SensorConfig& c) { return c.sensor_id; },
       [](SensorConfig& c, const std::string& v) { c.sensor_id = v; }},
      {"output.json", "JSON-lines events: a path, - for stdout, empty for none",
       [](const SensorConfig& c) { return c.json_output; },
       [](SensorConfig& c, const std::string& v) { c.json_output = v; }},
      {"output.protobuf_file", "length-delimited protobuf events: a path, empty for none",
       [](const SensorConfig& c) { return c.protobuf_file; },
       [](SensorConfig& c, const std::string& v) { c.protobuf_file = v; }},
      SIZE_KEY("output.json_rotate_bytes",
               "rename the JSON-lines file to NAME.<UTC time> and start a new one at this size "
               "(0: never)",
               json_rotation.max_bytes, 0, uint64_t{1} << 50),
      {"output.json_rotate_seconds",
       "rename the JSON-lines file to NAME.<UTC time> and start a new one this often (0: never)",
       [](const SensorConfig& c) { return std::to_string(c.json_rotation.max_seconds) + "s"; },
       [](SensorConfig& c, const std::string& v) {
         c.json_rotation.max_seconds = parse_duration(v);
       }},
      SIZE_KEY("output.queue_events",
               "events waiting for the output thread; beyond, events are dropped and counted",
               queue.max_events, 1, 1u << 24),
      SIZE_KEY(
          "output.queue_bytes",
          "bytes of events waiting for the output thread; beyond, events are dropped and counted",
          queue.max_bytes, 1u << 16, uint64_t{1} << 40),
      TEXT_KEY("output.grpc",
               "mirador-collector to stream events to over gRPC, host:port (empty: no gRPC sink)",
               grpc.address),
      {"output.grpc_tls", "TLS to the collector (verified against output.grpc_ca)",
       [](const SensorConfig& c) { return std::string(c.grpc.tls ? "true" : "false"); },
       [](SensorConfig& c, const std::string& v) { c.grpc.tls = parse_bool(v); }},
      TEXT_KEY("output.grpc_ca",
               "PEM file of the CA(s) that sign the collector (empty: system roots)", grpc.ca_file),
      TEXT_KEY("output.grpc_cert", "PEM client certificate for mutual TLS (with output.grpc_key)",
               grpc.cert_file),
      TEXT_KEY("output.grpc_key", "PEM private key of output.grpc_cert", grpc.key_file),
      TEXT_KEY("output.grpc_server_name",
               "name expected in the collector's certificate (default: the host of output.grpc)",
               grpc.server_name),
      TEXT_KEY("output.grpc_token_file",
               "file holding a bearer token sent as 'authorization: Bearer' (never logged)",
               grpc.token_file),
      MS_KEY("output.grpc_connect_timeout", "a connection attempt fails after this long",
             grpc.connect_timeout),
      TEXT_KEY("output.kafka_brokers",
               "Kafka bootstrap servers host:port[,host:port] (empty: no Kafka sink)",
               kafka.brokers),
      TEXT_KEY("output.kafka_topic_http", "Kafka topic of HTTP transaction events",
               kafka.topic_http),
      TEXT_KEY("output.kafka_topic_finding", "Kafka topic of finding events", kafka.topic_finding),
      TEXT_KEY("output.kafka_topic_endpoint", "Kafka topic of API endpoint events",
               kafka.topic_endpoint),
      TEXT_KEY("output.kafka_topic_stats", "Kafka topic of sensor stats events", kafka.topic_stats),
      TEXT_KEY("output.kafka_topic_tls", "Kafka topic of TLS handshake events", kafka.topic_tls),
      MS_KEY("output.kafka_message_timeout",
             "a message not delivered within this long breaks the connection (re-sent from the "
             "window or spool)",
             kafka.message_timeout),
      SIZE_KEY("output.kafka_max_in_flight", "events awaiting their delivery report at most",
               kafka.max_in_flight, 1, 1u << 24),
      {"output.kafka_config",
       "more librdkafka settings, key=value (security.protocol, sasl.*, ssl.*, ...)",
       [](const SensorConfig& c) { return join(c.kafka.extra); },
       [](SensorConfig& c, const std::string& v) { c.kafka.extra = parse_list(v); }},
      TEXT_KEY("output.spool_dir",
               "with a remote sink: its disk spool is DIR/<sink>, the sequence reservation "
               "DIR/sequence",
               spool_dir),
      SIZE_KEY("output.spool_max_bytes",
               "disk spool cap per remote sink; beyond, events are dropped and counted (0: no "
               "spool)",
               remote.spool_max_bytes, 0, uint64_t{1} << 50),
      SIZE_KEY("output.spool_segment_bytes", "size of one spool segment file",
               remote.spool_segment_bytes, 1u << 12, uint64_t{1} << 40),
      SIZE_KEY("output.spool_fsync_every",
               "fdatasync the spool every N events (0: when a segment closes)",
               remote.spool_fsync_every, 0, 1u << 30),
      SIZE_KEY("output.remote_window_events",
               "unacknowledged events a remote sink keeps in memory; beyond, it spools",
               remote.window_events, 1, 1u << 24),
      SIZE_KEY("output.remote_window_bytes",
               "unacknowledged bytes a remote sink keeps in memory; beyond, it spools",
               remote.window_bytes, 1u << 12, uint64_t{1} << 36),
      SIZE_KEY("output.remote_batch_events", "events per batch sent to a remote destination",
               remote.batch_events, 1, 1u << 20),
      SIZE_KEY("output.remote_batch_bytes", "bytes per batch sent to a remote destination",
               remote.batch_bytes, 1u << 10, 1u << 30),
      MS_KEY("output.remote_backoff_min", "first reconnect delay after a break (doubles, jittered)",
             remote.backoff_min),
      MS_KEY("output.remote_backoff_max", "longest reconnect delay", remote.backoff_max),
      MS_KEY("output.remote_drain_timeout",
             "at stop, how long a remote sink tries to deliver before spooling the rest",
             remote.drain_timeout),
      {"output.mask_sensitive",
       "mask credentials (query values of sensitive parameters) in records and sensitive "
       "values in the samples of findings",
       [](const SensorConfig& c) { return std::string(c.masking.enabled ? "true" : "false"); },
       [](SensorConfig& c, const std::string& v) {
         c.masking.enabled = c.worker.detect.mask_samples = parse_bool(v);
       }},
      {"output.sensitive_params", "query parameter names whose values are masked",
       [](const SensorConfig& c) { return join(c.masking.names); },
       [](SensorConfig& c, const std::string& v) { c.masking.names = parse_list(v); }},
      {"output.sensitive_param_fragments",
       "a parameter whose name contains one of these is masked too",
       [](const SensorConfig& c) { return join(c.masking.name_fragments); },
       [](SensorConfig& c, const std::string& v) { c.masking.name_fragments = parse_list(v); }},
      {"stats.events",
       "each stats line (and the final one) is also a stats event in the event outputs",
       [](const SensorConfig& c) { return std::string(c.stats_events ? "true" : "false"); },
       [](SensorConfig& c, const std::string& v) { c.stats_events = parse_bool(v); }},
      {"stats.interval", "seconds between stats lines on stderr (0: only at the end)",
       [](const SensorConfig& c) { return std::to_string(c.stats_interval_s) + "s"; },
       [](SensorConfig& c, const std::string& v) { c.stats_interval_s = parse_duration(v); }},
      {"stats.progress", "progress line while reading a file, when stderr is a terminal",
       [](const SensorConfig& c) { return std::string(c.progress ? "true" : "false"); },
       [](SensorConfig& c, const std::string& v) { c.progress = parse_bool(v); }},
      {"capture.duration", "live capture stops after this long (0: until signalled)",
       [](const SensorConfig& c) { return std::to_string(c.duration_s) + "s"; },
       [](SensorConfig& c, const std::string& v) { c.duration_s = parse_duration(v); }},
      // Least privilege (sensor/security).
      TEXT_KEY("security.user",
               "drop to this user once the capture is open (same as --user; empty: stay)",
               security.user),
      TEXT_KEY("security.group", "group to drop to (empty: the user's primary group)",
               security.group),
      {"security.strict_file_modes",
       "refuse config, rules, key log, spec and credential files writable by group or others or "
       "owned by another user",
       [](const SensorConfig& c) {
         return std::string(c.security.strict_file_modes ? "true" : "false");
       },
       [](SensorConfig& c, const std::string& v) { c.security.strict_file_modes = parse_bool(v); }},
      {"security.seccomp", "allow only the system calls the running sensor needs (seccomp)",
       [](const SensorConfig& c) { return std::string(c.security.seccomp ? "true" : "false"); },
       [](SensorConfig& c, const std::string& v) { c.security.seccomp = parse_bool(v); }},
      {"security.seccomp_action",
       "what another system call gets: kill (the process), log (allowed, logged), errno (EPERM)",
       [](const SensorConfig& c) {
         return std::string(security::seccomp_action_name(c.security.seccomp_action));
       },
       [](SensorConfig& c, const std::string& v) {
         if (!security::parse_seccomp_action(v, c.security.seccomp_action)) {
           throw std::runtime_error("not kill, log or errno: '" + v + "'");
         }
       }},
  };
  return k;
}

const Key* find_key(const std::string& name) {
  for (const Key& k : keys()) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

void set_key(SensorConfig& cfg, const std::string& name, const std::string& value,
             const std::string& where) {
  const Key* k = find_key(name);
  if (!k) throw std::runtime_error(where + ": unknown config key '" + name + "'");
  try {
    k->set(cfg, value);
  } catch (const std::exception& e) {
    throw std::runtime_error(where + ": " + name + ": " + e.what());
  }
}

void walk(SensorConfig& cfg, const YAML::Node& node, const std::string& prefix,
          const std::string& origin) {
  for (const auto& kv : node) {
    const std::string name = prefix + kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    const std::string where = origin + ":" + std::to_string(kv.first.Mark().line + 1);
    if (v.IsMap()) {
      walk(cfg, v, name + ".", origin);
    } else if (v.IsSequence()) {
      std::string joined;
      for (const auto& item : v) {
        if (!joined.empty()) joined += ',';
        joined += item.as<std::string>();
      }
      set_key(cfg, name, joined, where);
    } else if (v.IsNull()) {
      set_key(cfg, name, "", where);
    } else {
      set_key(cfg, name, v.as<std::string>(), where);
    }
  }
}

}  // namespace

std::string default_sensor_id() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "mirador";
  return name;
}

uint64_t parse_size(const std::string& text) {
  std::string t = trim(text);
  size_t i = 0;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
  if (i == 0) throw std::runtime_error("not a size: '" + text + "'");
  uint64_t v = parse_uint(t.substr(0, i));
  std::string unit = trim(t.substr(i));
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  uint64_t mul = 1;
  if (unit.empty() || unit == "b")
    mul = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib")
    mul = uint64_t{1} << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib")
    mul = uint64_t{1} << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib")
    mul = uint64_t{1} << 30;
  else
    throw std::runtime_error("unknown size unit in '" + text + "'");
  if (v > UINT64_MAX / mul) throw std::runtime_error("size too large: '" + text + "'");
  return v * mul;
}

double parse_duration(const std::string& text) {
  std::string t = trim(text);
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || v < 0 || !std::isfinite(v)) {
    throw std::runtime_error("not a duration: '" + text + "'");
  }
  std::string unit = trim(t.substr(static_cast<size_t>(p - t.data())));
  if (unit.empty() || unit == "s") return v;
  if (unit == "ms") return v / 1e3;
  if (unit == "us") return v / 1e6;
  if (unit == "m") return v * 60;
  if (unit == "h") return v * 3600;
  throw std::runtime_error("unknown duration unit in '" + text + "'");
}

void apply_config_yaml(SensorConfig& cfg, const std::string& yaml_text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(origin + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) throw std::runtime_error(origin + ": the configuration must be a YAML map");
  walk(cfg, root, "", origin);
}

void load_config_file(SensorConfig& cfg, const std::string& path) {
  YAML::Node root;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read config file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  apply_config_yaml(cfg, ss.str(), path);
}

void apply_config_override(SensorConfig& cfg, const std::string& assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string::npos) {
    throw std::runtime_error("--set expects key=value, got '" + assignment + "'");
  }
  set_key(cfg, trim(assignment.substr(0, eq)), assignment.substr(eq + 1), "--set");
}

namespace {

// A tree of the dotted key names, so the dump can be written as nested YAML maps. Names and
// nodes in two vectors: std::pair<std::string, DumpNode> would need DumpNode complete inside
// its own definition (clang's libstdc++ checks refuse it).
struct DumpNode {
  std::vector<std::string> names;  // in table order
  std::vector<DumpNode> children;  // children[i] is named names[i]
  std::string value;
  bool leaf = false;
  DumpNode& child(const std::string& name) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return children[i];
    }
    names.push_back(name);
    return children.emplace_back();
  }
};

void emit(YAML::Emitter& out, const DumpNode& node) {
  out << YAML::BeginMap;
  for (size_t i = 0; i < node.names.size(); ++i) {
    const DumpNode& c = node.children[i];
    out << YAML::Key << node.names[i] << YAML::Value;
    if (c.leaf)
      out << YAML::DoubleQuoted << c.value;
    else
      emit(out, c);
  }
  out << YAML::EndMap;
}

}  // namespace

std::string dump_config(const SensorConfig& cfg) {
  DumpNode root;
  for (const Key& k : keys()) {
    std::stringstream ss(k.name);
    DumpNode* node = &root;
    for (std::string part; std::getline(ss, part, '.');) node = &node->child(part);
    node->leaf = true;
    node->value = k.get(cfg);
  }
  YAML::Emitter out;
  emit(out, root);
  return std::string(out.c_str()) + "\n";
}

std::vector<std::string> changed_config_keys(const SensorConfig& a, const SensorConfig& b) {
  std::vector<std::string> out;
  for (const Key& k : keys()) {
    if (k.get(a) != k.get(b)) out.emplace_back(k.name);
  }
  return out;
}

std::string describe_config_keys() {
  std::string out;
  for (const Key& k : keys()) {
    out += "  ";
    out += k.name;
    out.append(k.name ? 32 - std::min<size_t>(31, std::string(k.name).size()) : 1, ' ');
    out += k.help;
    out += '\n';
  }
  return out;
}

}  // namespace mirador

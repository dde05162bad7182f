// KeyLog: the secrets of the NSS key log format (SSLKEYLOGFILE, written by curl, browsers,
// OpenSSL's SSL_CTX_set_keylog_callback and many servers): one "LABEL <client_random hex>
// <secret hex>" per line. TLS 1.2 uses CLIENT_RANDOM (the master secret); TLS 1.3 the
// CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET and CLIENT/SERVER_TRAFFIC_SECRET_0 lines. Comments and
// unknown labels are skipped; malformed lines are counted. A live sensor refreshes it: the file
// is appended while clients run, so a lookup that misses re-reads what was added since.
// One KeyLog is shared by every worker: lookups take a shared lock, reading the file an
// exclusive one (a refresh already under way elsewhere is not repeated), and a secret once known
// is never replaced, so the vector find() points to stays as it is.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mirador::tls {

enum class SecretLabel : uint8_t {
  client_random,  // TLS 1.2 master secret (48 bytes)
  client_handshake_traffic_secret,
  server_handshake_traffic_secret,
  client_traffic_secret_0,
  server_traffic_secret_0,
  count_,
};

using ClientRandom = std::array<uint8_t, 32>;

struct KeyLogCounters {
  uint64_t lines = 0;
  uint64_t secrets = 0;
  uint64_t malformed = 0;
  uint64_t reloads = 0;
  uint64_t dropped = 0;  // over max_entries
};

class KeyLog {
 public:
  explicit KeyLog(size_t max_entries = 1u << 20) : max_entries_(max_entries) {}

  // Reads `path` from the start; false with `error` set when it cannot be opened.
  bool load(const std::string& path, std::string& error);
  // Reads what was appended to the file since the last read (no-op without a path or when the
  // file did not grow). Rate-limited by the caller.
  void refresh();
  // Adds one line of the format (also used by tests).
  void add_line(std::string_view line);

  // The secret for `label` and `random`, or nullptr.
  const std::vector<uint8_t>* find(SecretLabel label, const ClientRandom& random) const;

  size_t size() const;
  KeyLogCounters counters() const;

 private:
  struct Hash {
    size_t operator()(const ClientRandom& r) const;
  };
  void add_line_locked(std::string_view line);
  mutable std::shared_mutex mu_;
  using Secrets = std::array<std::vector<uint8_t>, static_cast<size_t>(SecretLabel::count_)>;
  std::unordered_map<ClientRandom, Secrets, Hash> entries_;
  size_t max_entries_;
  std::string path_;
  uint64_t offset_ = 0;
  std::string partial_;  // a last line without its newline yet
  KeyLogCounters counters_;
};

}  // namespace mirador::tls

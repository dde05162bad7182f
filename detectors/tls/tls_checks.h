// TLS checks (issue 6): risks visible in a TLS handshake, and the link between the TLS and the
// cleartext services of one host. Kind RuleKind::tls, risk_class "weak_transport" unless noted,
// OWASP API8:2023 (Security Misconfiguration).
//
//   tls.legacy_version        the server negotiated SSLv3, TLS 1.0 or TLS 1.1          high
//   tls.weak_cipher           a negotiated suite with NULL, EXPORT, anon, RC4, DES/3DES, MD5
//                             MAC, or CBC without ECDHE/DHE forward secrecy (RSA kx)    high/medium
//   tls.expired_certificate   the leaf's notAfter is before the handshake time (or its
//                             notBefore after it)                                       high
//   tls.self_signed_certificate  the leaf is self-signed                                medium
//   tls.weak_certificate_key  RSA under 2048 bits, EC under 224                         medium
//   tls.certificate_changed   a host (SNI) presents a leaf whose fingerprint differs from the
//                             one it presented before, within the window: possible interception
//                             (risk_class "interception")                              high
//   tls.cleartext_to_tls_host credentials (a Basic, Bearer, API key or session cookie) or
//                             sensitive data sent over cleartext HTTP to a host that also
//                             serves TLS (risk_class "broken_authentication", API2:2023)  high
// Per-connection facts are reported once per server host and fact in a window (ReportOnce), so a
// busy legacy server is one finding an hour, not one per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "decoders/http1/http_transaction.h"
#include "decoders/tls/tls_info.h"
#include "detectors/auth/identity.h"
#include "detectors/auth/report_once.h"
#include "detectors/finding.h"

namespace mirador::detect {

struct TlsCheckConfig {
  bool enabled = true;                  // tls.checks
  uint32_t min_rsa_bits = 2048;         // tls.min_rsa_bits
  uint32_t min_ec_bits = 224;           // tls.min_ec_bits
  size_t max_hosts = 16384;             // tls.max_hosts: hosts remembered (LRU)
  int64_t cert_window_s = 86400;        // tls.cert_change_window
  size_t report_once_slots = 4096;      // tls.report_once_slots
  int64_t report_once_window_s = 3600;  // tls.report_once_window
};

struct TlsCheckCounters {
  uint64_t handshakes = 0;
  uint64_t findings = 0;
  uint64_t suppressed = 0;
  uint64_t hosts_evicted = 0;
};

class TlsChecker {
 public:
  explicit TlsChecker(const TlsCheckConfig& cfg);
  ~TlsChecker();

  // One handshake, seen at `time_us`, to the server at `server_ip` (text) and port. Appends its
  // findings to `out`; remembers the host (SNI, else the address) as serving TLS.
  void check_handshake(const tls::TlsInfo& info, std::string_view server_ip, uint16_t server_port,
                       int64_t time_us, std::vector<Finding>& out);
  // One cleartext HTTP transaction to `host` (the endpoint's host, lower case) / `server_ip`:
  // tls.cleartext_to_tls_host when it carries a credential (`id`) or sensitive data (`found`)
  // and the host is known to serve TLS.
  void check_cleartext(const HttpTransaction& t, std::string_view host, std::string_view server_ip,
                       const Identity& id, std::span<const Finding> found, int64_t time_us,
                       std::vector<Finding>& out);

  const TlsCheckCounters& counters() const { return counters_; }
  size_t memory_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  TlsCheckCounters counters_;
};

}  // namespace mirador::detect

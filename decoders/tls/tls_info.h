// TlsInfo: what a passive observer learns from a TLS connection's handshake — the ClientHello and
// ServerHello (versions, cipher suites, extensions, SNI, ALPN), the JA3/JA3S and JA4 fingerprints,
// the certificate chain when it travels in clear (TLS <= 1.2) or was decrypted (TLS 1.3 with a key
// log), and how much encrypted data went each way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mirador::tls {

// Protocol versions as on the wire: 0x0300 SSL 3.0, 0x0301 TLS 1.0 ... 0x0304 TLS 1.3.
std::string version_name(uint16_t v);  // "TLSv1.2", "SSLv3", "0x7f1c"
// IANA name of a cipher suite ("TLS_AES_128_GCM_SHA256"); "0x1301"-style hex when unknown.
std::string cipher_suite_name(uint16_t suite);
// Alert description name ("handshake_failure", "bad_certificate"); the number when unknown.
std::string alert_name(uint8_t description);
// True for GREASE values (RFC 8701): excluded from fingerprints.
bool is_grease(uint16_t v);

struct TlsCertificate {
  std::string subject;  // RFC 2253 one-line form
  std::string issuer;
  int64_t not_before_s = 0;  // Unix seconds
  int64_t not_after_s = 0;
  std::string key_type;  // "RSA", "EC", "Ed25519", ...
  uint32_t key_bits = 0;
  std::string signature_algorithm;     // "sha256WithRSAEncryption"
  bool self_signed = false;            // issuer == subject and the signature verifies with its key
  std::string sha256;                  // hex fingerprint of the DER
  std::vector<std::string> dns_names;  // subjectAltName DNS entries
  std::string serial;                  // hex
};

struct TlsInfo {
  // ClientHello
  bool client_hello = false;
  uint16_t client_legacy_version = 0;
  std::vector<uint16_t> client_versions;  // supported_versions extension (GREASE removed)
  std::vector<uint16_t> cipher_suites;    // as offered, GREASE removed
  std::vector<uint16_t> extensions;       // types in order, GREASE removed
  std::vector<uint16_t> groups;           // supported_groups
  std::vector<uint8_t> ec_point_formats;
  std::vector<uint16_t> signature_algorithms;
  std::vector<std::string> alpn_offered;
  std::string sni;
  std::string ja3;  // the JA3 string; ja3_md5 its MD5, hex
  std::string ja3_md5;
  std::string ja4;  // "t13d1516h2_8daaf6152771_b186095e22b6"

  // ServerHello
  bool server_hello = false;
  uint16_t version = 0;  // negotiated (supported_versions, else the legacy field)
  uint16_t cipher_suite = 0;
  std::string alpn;  // selected protocol ("h2", "http/1.1"), empty when none
  std::string ja3s;
  std::string ja3s_md5;
  bool resumed = false;  // TLS <= 1.2 session id echoed / ticket; 1.3 pre_shared_key accepted

  std::vector<TlsCertificate> certificates;  // as sent, leaf first (max TlsLimits::max_certs)

  // Decryption (a key log entry for this connection was found and the suite is supported).
  bool decrypted = false;
  std::string decrypt_error;  // why not, when a key log was configured: "no key", "cipher ..."

  uint64_t records[2] = {0, 0};            // records seen, [0] client→server, [1] server→client
  uint64_t application_bytes[2] = {0, 0};  // encrypted application data bytes
  uint32_t alerts = 0;
  uint8_t last_alert = 0;  // description of the last alert seen in clear or decrypted
};

}  // namespace mirador::tls

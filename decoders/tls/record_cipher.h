// Record protection for passive decryption: key derivation from key-log secrets and AEAD record
// decryption (OpenSSL libcrypto for HMAC/HKDF and the ciphers). Supported: TLS 1.2 AEAD suites
// (AES-128/256-GCM and ChaCha20-Poly1305 with ECDHE/DHE/RSA key exchange; PRF with SHA-256 or
// SHA-384 per suite) and TLS 1.3 (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
// TLS_CHACHA20_POLY1305_SHA256). CBC and stream suites are not decrypted (reported as such).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mirador::tls {

// Whether `suite` can be decrypted in `version` (0x0303 or 0x0304).
bool decryptable_suite(uint16_t version, uint16_t suite);

struct TrafficKeys {
  std::vector<uint8_t> key;
  std::vector<uint8_t> iv;  // 12 bytes (TLS 1.3, ChaCha20) or the 4-byte GCM salt (TLS 1.2 GCM)
};

// TLS 1.2: key_block = PRF(master_secret, "key expansion", server_random + client_random);
// returns false for a suite decryptable_suite() rejects.
bool tls12_keys(uint16_t suite, const std::vector<uint8_t>& master_secret,
                const uint8_t client_random[32], const uint8_t server_random[32],
                TrafficKeys& client, TrafficKeys& server);
// TLS 1.3: key and iv from a traffic secret (HKDF-Expand-Label "key" / "iv").
bool tls13_keys(uint16_t suite, const std::vector<uint8_t>& secret, TrafficKeys& out);
// TLS 1.3 KeyUpdate: the next application traffic secret ("traffic upd").
bool tls13_next_secret(uint16_t suite, const std::vector<uint8_t>& secret,
                       std::vector<uint8_t>& next);

// Decrypts the records of one direction, counting their sequence numbers from 0.
class RecordCipher {
 public:
  RecordCipher(uint16_t version, uint16_t suite, const TrafficKeys& keys);
  ~RecordCipher();
  RecordCipher(const RecordCipher&) = delete;
  RecordCipher& operator=(const RecordCipher&) = delete;

  // `header` is the 5-byte record header (the additional data's source), `payload` the record's
  // fragment. On success `out` holds the plaintext (TLS 1.3: the inner content type removed and
  // returned in `content_type`; TLS 1.2: `content_type` is the header's). False when the record
  // does not authenticate (wrong key, corruption): the caller stops decrypting this direction.
  bool decrypt(const uint8_t header[5], const uint8_t* payload, size_t len, std::string& out,
               uint8_t& content_type);

  uint64_t sequence() const { return seq_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t seq_ = 0;
};

}  // namespace mirador::tls

// Record protection: TLS 1.2 PRF and TLS 1.3 HKDF-Expand-Label key derivation (OpenSSL EVP_KDF)
// and AEAD record decryption (EVP AES-GCM / ChaCha20-Poly1305, one context per direction).
#include "decoders/tls/record_cipher.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstring>

namespace mirador::tls {

namespace {

enum class Aead : uint8_t { aes128gcm, aes256gcm, chacha20 };

struct SuiteInfo {
  Aead aead;
  bool sha384;  // the PRF / HKDF hash; SHA-256 otherwise
};

constexpr size_t kTagLen = 16;
constexpr size_t kExplicitNonceLen = 8;  // TLS 1.2 GCM

bool lookup(uint16_t version, uint16_t suite, SuiteInfo& info) {
  if (version == 0x0304) {
    switch (suite) {
      case 0x1301:
        info = {Aead::aes128gcm, false};
        return true;  // TLS_AES_128_GCM_SHA256
      case 0x1302:
        info = {Aead::aes256gcm, true};
        return true;  // TLS_AES_256_GCM_SHA384
      case 0x1303:
        info = {Aead::chacha20, false};
        return true;  // TLS_CHACHA20_POLY1305_SHA256
      default:
        return false;
    }
  }
  if (version != 0x0303) return false;
  switch (suite) {
    case 0x009C:  // RSA_WITH_AES_128_GCM_SHA256
    case 0x009E:  // DHE_RSA_WITH_AES_128_GCM_SHA256
    case 0xC02B:  // ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    case 0xC02F:  // ECDHE_RSA_WITH_AES_128_GCM_SHA256
      info = {Aead::aes128gcm, false};
      return true;
    case 0x009D:  // RSA_WITH_AES_256_GCM_SHA384
    case 0x009F:  // DHE_RSA_WITH_AES_256_GCM_SHA384
    case 0xC02C:  // ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    case 0xC030:  // ECDHE_RSA_WITH_AES_256_GCM_SHA384
      info = {Aead::aes256gcm, true};
      return true;
    case 0xCCA8:  // ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
    case 0xCCA9:  // ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
    case 0xCCAA:  // DHE_RSA_WITH_CHACHA20_POLY1305_SHA256
      info = {Aead::chacha20, false};
      return true;
    default:
      return false;
  }
}

size_t key_len(Aead a) {
  return a == Aead::aes128gcm ? 16 : 32;
}

const EVP_CIPHER* cipher_of(Aead a) {
  switch (a) {
    case Aead::aes128gcm:
      return EVP_aes_128_gcm();
    case Aead::aes256gcm:
      return EVP_aes_256_gcm();
    case Aead::chacha20:
      return EVP_chacha20_poly1305();
  }
  return nullptr;
}

const char* digest_name(const SuiteInfo& info) {
  return info.sha384 ? "SHA384" : "SHA256";
}

// Runs one EVP_KDF (fetched by name) with `params`, writing `out_len` bytes.
bool run_kdf(const char* kdf_name, OSSL_PARAM* params, uint8_t* out, size_t out_len) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, kdf_name, nullptr);
  if (kdf == nullptr) return false;
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return false;
  bool ok = EVP_KDF_derive(ctx, out, out_len, params) > 0;
  EVP_KDF_CTX_free(ctx);
  return ok;
}

// RFC 8446 §7.1: HKDF-Expand(secret, HkdfLabel, length) with an empty context.
bool expand_label(const SuiteInfo& info, const std::vector<uint8_t>& secret, std::string_view label,
                  size_t length, std::vector<uint8_t>& out) {
  std::vector<uint8_t> hkdf_label;
  std::string full = "tls13 ";
  full.append(label);
  hkdf_label.push_back(static_cast<uint8_t>(length >> 8));
  hkdf_label.push_back(static_cast<uint8_t>(length));
  hkdf_label.push_back(static_cast<uint8_t>(full.size()));
  // Byte by byte: GCC 12 at -O3 mistakes the range insert for an overflow (-Wstringop-overflow).
  for (const char ch : full) hkdf_label.push_back(static_cast<uint8_t>(ch));
  hkdf_label.push_back(0);  // context: empty

  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest_name(info)),
                                       0),
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, hkdf_label.data(), hkdf_label.size()),
      OSSL_PARAM_construct_end(),
  };
  out.assign(length, 0);
  return !secret.empty() && run_kdf("HKDF", params, out.data(), out.size());
}

}  // namespace

bool decryptable_suite(uint16_t version, uint16_t suite) {
  SuiteInfo info;
  return lookup(version, suite, info);
}

bool tls12_keys(uint16_t suite, const std::vector<uint8_t>& master_secret,
                const uint8_t client_random[32], const uint8_t server_random[32],
                TrafficKeys& client, TrafficKeys& server) {
  SuiteInfo info;
  if (!lookup(0x0303, suite, info) || master_secret.size() != 48) return false;
  // RFC 5246 §6.3: AEAD suites have no MAC keys; the "IV" is the 4-byte GCM salt (RFC 5288)
  // or the 12-byte ChaCha20 nonce mask (RFC 7905).
  size_t klen = key_len(info.aead);
  size_t ivlen = info.aead == Aead::chacha20 ? 12 : 4;
  std::vector<uint8_t> block(2 * klen + 2 * ivlen);
  uint8_t seed[13 + 64];
  std::memcpy(seed, "key expansion", 13);
  std::memcpy(seed + 13, server_random, 32);
  std::memcpy(seed + 45, client_random, 32);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest_name(info)),
                                       0),
      OSSL_PARAM_construct_octet_string(
          OSSL_KDF_PARAM_SECRET, const_cast<uint8_t*>(master_secret.data()), master_secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof seed),
      OSSL_PARAM_construct_end(),
  };
  if (!run_kdf("TLS1-PRF", params, block.data(), block.size())) return false;
  const uint8_t* p = block.data();
  client.key.assign(p, p + klen);
  server.key.assign(p + klen, p + 2 * klen);
  client.iv.assign(p + 2 * klen, p + 2 * klen + ivlen);
  server.iv.assign(p + 2 * klen + ivlen, p + 2 * klen + 2 * ivlen);
  return true;
}

bool tls13_keys(uint16_t suite, const std::vector<uint8_t>& secret, TrafficKeys& out) {
  SuiteInfo info;
  if (!lookup(0x0304, suite, info)) return false;
  return expand_label(info, secret, "key", key_len(info.aead), out.key) &&
         expand_label(info, secret, "iv", 12, out.iv);
}

bool tls13_next_secret(uint16_t suite, const std::vector<uint8_t>& secret,
                       std::vector<uint8_t>& next) {
  SuiteInfo info;
  if (!lookup(0x0304, suite, info)) return false;
  return expand_label(info, secret, "traffic upd", info.sha384 ? 48 : 32, next);
}

struct RecordCipher::Impl {
  EVP_CIPHER_CTX* ctx = nullptr;
  bool usable = false;  // a known suite with keys of the right sizes
  bool tls13 = false;
  bool explicit_nonce = false;  // TLS 1.2 GCM
  uint8_t iv[12] = {};          // the nonce mask, or the salt in its first 4 bytes
  ~Impl() { EVP_CIPHER_CTX_free(ctx); }
};

RecordCipher::RecordCipher(uint16_t version, uint16_t suite, const TrafficKeys& keys)
    : impl_(std::make_unique<Impl>()) {
  SuiteInfo info;
  if (!lookup(version, suite, info)) return;
  Impl& m = *impl_;
  m.tls13 = version == 0x0304;
  m.explicit_nonce = !m.tls13 && info.aead != Aead::chacha20;
  size_t ivlen = m.explicit_nonce ? 4 : 12;
  if (keys.key.size() != key_len(info.aead) || keys.iv.size() != ivlen) return;
  std::memcpy(m.iv, keys.iv.data(), ivlen);
  m.ctx = EVP_CIPHER_CTX_new();
  // The key schedule is set once; each record only changes the nonce.
  if (m.ctx == nullptr ||
      EVP_DecryptInit_ex(m.ctx, cipher_of(info.aead), nullptr, keys.key.data(), nullptr) != 1) {
    return;
  }
  m.usable = true;
}

RecordCipher::~RecordCipher() = default;

bool RecordCipher::decrypt(const uint8_t header[5], const uint8_t* payload, size_t len,
                           std::string& out, uint8_t& content_type) {
  Impl& m = *impl_;
  out.clear();
  if (!m.usable) return false;
  size_t overhead = kTagLen + (m.explicit_nonce ? kExplicitNonceLen : 0);
  if (len < overhead || len > (1u << 24)) return false;
  size_t ct_len = len - overhead;

  uint8_t nonce[12];
  uint8_t seq_bytes[8];
  for (int i = 0; i < 8; ++i) seq_bytes[i] = static_cast<uint8_t>(seq_ >> (56 - 8 * i));
  const uint8_t* ciphertext = payload;
  if (m.explicit_nonce) {
    std::memcpy(nonce, m.iv, 4);
    std::memcpy(nonce + 4, payload, kExplicitNonceLen);
    ciphertext += kExplicitNonceLen;
  } else {
    std::memcpy(nonce, m.iv, 12);
    for (int i = 0; i < 8; ++i) nonce[4 + i] ^= seq_bytes[i];
  }

  // Additional data: TLS 1.3 the record header; TLS 1.2 seq + type + version + length.
  uint8_t aad[13];
  size_t aad_len;
  if (m.tls13) {
    std::memcpy(aad, header, 5);
    aad_len = 5;
  } else {
    std::memcpy(aad, seq_bytes, 8);
    std::memcpy(aad + 8, header, 3);
    aad[11] = static_cast<uint8_t>(ct_len >> 8);
    aad[12] = static_cast<uint8_t>(ct_len);
    aad_len = 13;
  }

  out.resize(ct_len);
  auto* plain = reinterpret_cast<uint8_t*>(out.data());
  int n = 0;
  int fin = 0;
  bool ok = EVP_DecryptInit_ex(m.ctx, nullptr, nullptr, nullptr, nonce) == 1 &&
            EVP_DecryptUpdate(m.ctx, nullptr, &n, aad, static_cast<int>(aad_len)) == 1 &&
            EVP_DecryptUpdate(m.ctx, plain, &n, ciphertext, static_cast<int>(ct_len)) == 1 &&
            EVP_CIPHER_CTX_ctrl(m.ctx, EVP_CTRL_AEAD_SET_TAG, kTagLen,
                                const_cast<uint8_t*>(ciphertext + ct_len)) == 1 &&
            EVP_DecryptFinal_ex(m.ctx, plain + n, &fin) == 1;
  if (!ok) {
    out.clear();
    return false;
  }

  if (m.tls13) {
    // TLSInnerPlaintext: content, the real type, then zero padding (RFC 8446 §5.2).
    size_t end = out.size();
    while (end > 0 && out[end - 1] == '\0') --end;
    if (end == 0) {
      out.clear();
      return false;  // no content type: a protocol error, treated as a failure
    }
    content_type = static_cast<uint8_t>(out[end - 1]);
    out.resize(end - 1);
  } else {
    content_type = header[0];
  }
  ++seq_;
  return true;
}

}  // namespace mirador::tls

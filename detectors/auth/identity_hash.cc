#include "detectors/auth/identity_hash.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>

namespace mirador::detect {

namespace {

constexpr size_t kRandomKeyBytes = 32;  // the SHA-256 block is 64: a 32-byte key is full strength
constexpr size_t kHashBytes = 12;       // 24 hex digits: 96 bits, no collision in any fleet

}  // namespace

std::string random_identity_key() {
  std::string key(kRandomKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    throw std::runtime_error("identity hash: no random key (RAND_bytes failed)");
  }
  return key;
}

IdentityHasher::IdentityHasher(std::string key) : key_(std::move(key)) {
  if (key_.empty()) {
    key_ = random_identity_key();
    random_ = true;
  }
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  keyed_.reset(mac == nullptr ? nullptr : EVP_MAC_CTX_new(mac), EVP_MAC_CTX_free);
  EVP_MAC_free(mac);  // the context holds its own reference
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (!keyed_ || EVP_MAC_init(keyed_.get(), reinterpret_cast<const unsigned char*>(key_.data()),
                              key_.size(), params) != 1) {
    throw std::runtime_error("identity hash: HMAC-SHA256 not available");
  }
}

std::string IdentityHasher::hash(std::string_view material) const {
  unsigned char md[EVP_MAX_MD_SIZE];
  size_t md_len = 0;
  const std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_dup(keyed_.get()),
                                                                      EVP_MAC_CTX_free);
  if (!ctx ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(material.data()),
                     material.size()) != 1 ||
      EVP_MAC_final(ctx.get(), md, &md_len, sizeof md) != 1 || md_len < kHashBytes) {
    throw std::runtime_error("identity hash: HMAC-SHA256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "h:";
  out.reserve(2 + 2 * kHashBytes);
  for (size_t i = 0; i < kHashBytes; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xF];
  }
  return out;
}

}  // namespace mirador::detect

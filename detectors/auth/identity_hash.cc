#include "detectors/auth/identity_hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>
#include <stdexcept>

namespace mirador::detect {

namespace {

constexpr size_t kRandomKeyBytes = 32;  // the SHA-256 block is 64: a 32-byte key is full strength
constexpr size_t kHashBytes = 12;       // 24 hex digits: 96 bits, no collision in any fleet

}  // namespace

IdentityHasher::IdentityHasher(std::string key) : key_(std::move(key)) {
  if (key_.size() > static_cast<size_t>(INT_MAX)) {
    throw std::invalid_argument("identity.hash_key: too long");
  }
  if (!key_.empty()) return;
  key_.resize(kRandomKeyBytes);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), static_cast<int>(key_.size())) !=
      1) {
    throw std::runtime_error("identity hash: no random key (RAND_bytes failed)");
  }
  random_ = true;
}

std::string IdentityHasher::hash(std::string_view material) const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  // The empty string is a valid message; HMAC wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const unsigned char* data =
      material.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(material.data());
  if (HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), data, material.size(), md,
           &md_len) == nullptr ||
      md_len < kHashBytes) {
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

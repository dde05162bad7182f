// Identities in events: a keyed hash of the credential, so events can be joined by identity
// without carrying the credential. Part of the identity contract (identity.h includes it).
#pragma once

#include <string>
#include <string_view>

namespace mirador::detect {

// A keyed hash for identities in events: "h:" + 24 hex digits of HMAC-SHA256(key, material).
// The same key gives the same hash across restarts and sensors (so a SIEM can join them); without
// the key the hash says nothing about the credential.
class IdentityHasher {
 public:
  // `key`: identity.hash_key. Empty: a random key for this process (hashes then change at
  // restart; the sensor warns). Throws std::runtime_error when no random key can be made.
  explicit IdentityHasher(std::string key);
  std::string hash(std::string_view material) const;
  bool random_key() const { return random_; }

 private:
  std::string key_;
  bool random_ = false;
};

}  // namespace mirador::detect

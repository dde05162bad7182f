// The generator's users: `count` identities (up to 2,000,000), each a person with a fixed user
// id, a home client address, a session cookie, a login name and password, a few friends whose
// records it reads, and an HS256 JWT (sub "user-<index>", roles ["user"], valid from before the
// capture's start for a day).
//
// Nothing is stored per identity: every property is derived from (seed, index) when a
// connection needs it, so a million identities cost no memory and the same seed gives the same
// people. Connections take identities in a fixed pseudo-random cycle (a stride coprime with the
// count), so every identity is used once before any is used twice: a capture with at least
// `count` connections shows all of them, and each identity's requests are spread evenly in time.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace mirador::gen {

class Identities {
 public:
  static constexpr uint64_t kMaxCount = 2000000;
  static constexpr uint64_t kFirstUserId = 100000;  // identity i is user kFirstUserId + i
  static constexpr int kFriends = 4;

  Identities(uint64_t seed, uint64_t count, uint32_t clients, int64_t start_time);

  uint64_t count() const { return count_; }
  // The identity of the n-th connection (n counts from 0): a full cycle over [0, count).
  uint64_t for_connection(uint64_t n) const;

  // Identities at and above count() are not in the benign cycle: scenarios use them.
  uint32_t home_client(uint64_t id) const { return static_cast<uint32_t>(id % clients_); }
  static uint64_t user_id(uint64_t id) { return kFirstUserId + id; }
  // The user ids of the identity's friends (other benign identities; itself when it is alone).
  std::array<uint64_t, kFriends> friend_user_ids(uint64_t id) const;

  std::string token(uint64_t id) const;
  std::string cookie(uint64_t id) const;      // "session=<hex>; lang=…; _ga=…"
  std::string login_name(uint64_t id) const;  // "first.last.<id>@example.com"
  std::string password(uint64_t id) const;
  uint64_t user_agent_index(uint64_t id) const;

 private:
  uint64_t stream(uint64_t id, uint64_t what) const;

  uint64_t seed_;
  uint64_t count_;
  uint32_t clients_;
  int64_t start_time_;
  uint64_t offset_ = 0, stride_ = 1;
};

}  // namespace mirador::gen

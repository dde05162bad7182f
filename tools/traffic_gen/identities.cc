#include "tools/traffic_gen/identities.h"

#include <numeric>

#include "tools/traffic_gen/fake_data.h"
#include "tools/traffic_gen/rng.h"

namespace mirador::gen {
namespace {

// Seed streams of per-identity properties: far from the generator's other streams (1, 0x900d,
// 0x10000 + client, 0x100000000 + connection).
constexpr uint64_t kIdentityStream = 0x7d0000000000ULL;
enum What : uint64_t { kName = 1, kToken, kCookie, kPassword, kFriend, kAgent };

// "James Smith" → "james.smith".
std::string lower_dotted(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == ' ') {
      out.push_back('.');
    } else {
      out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
    }
  }
  return out;
}

}  // namespace

Identities::Identities(uint64_t seed, uint64_t count, uint32_t clients, int64_t start_time)
    : seed_(seed),
      count_(count == 0 ? 1 : count),
      clients_(clients == 0 ? 1 : clients),
      start_time_(start_time) {
  Rng rng(derive_seed(seed, kIdentityStream));
  offset_ = rng.below(count_);
  if (count_ > 2) {
    // A stride near the golden ratio of the count scatters neighbours; coprime → full cycle.
    stride_ = count_ * 618 / 1000 + rng.below(count_ / 8 + 1);
    stride_ = stride_ % count_ == 0 ? 1 : stride_ % count_;
    while (std::gcd(stride_, count_) != 1) stride_ = stride_ + 1 == count_ ? 1 : stride_ + 1;
  }
}

uint64_t Identities::for_connection(uint64_t n) const {
  // (offset + n * stride) mod count without overflow: n mod count first, then 128-bit product.
  const unsigned __int128 p = static_cast<unsigned __int128>(n % count_) * stride_;
  return static_cast<uint64_t>((p + offset_) % count_);
}

uint64_t Identities::stream(uint64_t id, uint64_t what) const {
  return derive_seed(seed_, kIdentityStream + id * 8 + what);
}

std::array<uint64_t, Identities::kFriends> Identities::friend_user_ids(uint64_t id) const {
  std::array<uint64_t, kFriends> out{};
  Rng rng(stream(id, kFriend));
  for (auto& f : out) {
    // Another benign identity (never itself unless it is the only one).
    const uint64_t other = count_ > 1 ? (id + 1 + rng.below(count_ - 1)) % count_ : id;
    f = user_id(other);
  }
  return out;
}

std::string Identities::token(uint64_t id) const {
  Rng rng(stream(id, kName));
  std::string name;
  append_person_name(name, rng);
  Rng trng(stream(id, kToken));
  // Issued in the half hour before the capture, valid for a day: never expired in a capture.
  return make_user_jwt(id, name, start_time_ - static_cast<int64_t>(trng.below(1800)), 86400);
}

std::string Identities::cookie(uint64_t id) const {
  Rng rng(stream(id, kCookie));
  std::string c = "session=";
  append_hex(c, rng, 16);
  c += "; lang=en-US; _ga=GA1.2.";
  c += std::to_string(rng.range(100000000, 999999999));
  return c;
}

std::string Identities::login_name(uint64_t id) const {
  Rng rng(stream(id, kName));
  std::string name;
  append_person_name(name, rng);
  return lower_dotted(name) + "." + std::to_string(id) + "@example.com";
}

std::string Identities::password(uint64_t id) const {
  Rng rng(stream(id, kPassword));
  std::string p = "Pw-";
  append_hex(p, rng, 6);
  return p + "!";
}

uint64_t Identities::user_agent_index(uint64_t id) const {
  return derive_seed(seed_, kIdentityStream + id * 8 + kAgent);
}

}  // namespace mirador::gen

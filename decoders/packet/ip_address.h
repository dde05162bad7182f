// An IPv4 or IPv6 address held by value in 16 bytes (IPv4 in the first four), so flow keys
// compare and hash the same way for both families.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

namespace mirador {

struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  uint8_t family = 0;  // 4 or 6; 0 = unset

  static IpAddress v4(const uint8_t* p) {
    IpAddress a;
    std::memcpy(a.bytes.data(), p, 4);
    a.family = 4;
    return a;
  }
  static IpAddress v6(const uint8_t* p) {
    IpAddress a;
    std::memcpy(a.bytes.data(), p, 16);
    a.family = 6;
    return a;
  }
  size_t size() const { return family == 4 ? 4 : 16; }
  std::string to_string() const;  // dotted quad or RFC 5952 text

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

}  // namespace mirador

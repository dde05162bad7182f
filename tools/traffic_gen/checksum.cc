#include "tools/traffic_gen/checksum.h"

#include <bit>
#include <cstring>

// The word-at-a-time sum below reads host-order words and swaps once at the end.
static_assert(std::endian::native == std::endian::little, "checksum code assumes little-endian");

namespace mirador::gen {

uint64_t checksum_add(uint64_t acc, const uint8_t* data, size_t len) {
  // Callers always start at even offsets of the checksummed area, so each chunk adds whole
  // 16-bit words; 32-bit halves summed into 64 bits cannot overflow before folding.
  while (len >= 8) {
    uint64_t w;
    std::memcpy(&w, data, 8);
    acc += (w & 0xffffffffULL) + (w >> 32);
    data += 8;
    len -= 8;
  }
  while (len >= 2) {
    uint16_t w;
    std::memcpy(&w, data, 2);
    acc += w;
    data += 2;
    len -= 2;
  }
  if (len == 1) acc += data[0];  // odd tail padded with a zero byte on its right (network order)
  return acc;
}

uint16_t checksum_finish(uint64_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  const uint16_t sum_le = static_cast<uint16_t>(acc);
  const uint16_t sum_be = static_cast<uint16_t>((sum_le >> 8) | (sum_le << 8));
  return static_cast<uint16_t>(~sum_be);
}

}  // namespace mirador::gen

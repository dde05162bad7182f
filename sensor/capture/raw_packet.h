// RawPacket: one captured frame as a capture source hands it over — a view of bytes the source
// owns (libpcap's buffer, a DPDK mbuf) until the source's next read or release.
#pragma once

#include <cstdint>

namespace mirador {

struct RawPacket {
  const uint8_t* data = nullptr;
  uint32_t cap_len = 0;
  uint32_t wire_len = 0;
  int64_t ts_us = 0;
};

}  // namespace mirador

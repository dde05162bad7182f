// Fuzz target: IpDefragmenter fed a sequence of fragments carved from the input, so state
// carries across fragments: overlaps, holes, duplicates, the 65535 limit, the caps and expiry.
// Each fragment: a key byte (which of 4 datagrams, IPv4 or IPv6), a 2-byte offset in 8-byte units
// (as the IP headers carry it) with the MF flag in its low bit, a length byte (x 8, plus the low
// bits of the key byte), a time step byte, then the bytes. Small caps make them reachable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "decoders/packet/ip_defrag.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

constexpr size_t kMaxFragments = 128;

mirador::FragKey key_for(uint8_t sel) {
  mirador::FragKey k;
  const uint8_t a[16] = {198, 18, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, sel};
  const uint8_t b[16] = {198, 18, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const bool v6 = (sel & 4) != 0;
  k.src = v6 ? mirador::IpAddress::v6(a) : mirador::IpAddress::v4(a);
  k.dst = v6 ? mirador::IpAddress::v6(b) : mirador::IpAddress::v4(b);
  k.id = sel & 3;
  k.proto = 6;
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mirador::fuzz::FuzzInput in(data, size);
  mirador::PacketDecoderConfig cfg;
  cfg.defrag_memcap = 16u << 10;
  cfg.defrag_max_datagrams = 4;
  cfg.defrag_timeout_us = 50'000;
  mirador::IpDefragmenter defrag(cfg);
  int64_t now = 1'000'000;
  volatile uint32_t sink = 0;
  for (size_t n = 0; n < kMaxFragments && !in.empty(); ++n) {
    const uint8_t sel = in.u8();
    const uint16_t off_mf = in.u16();
    const uint32_t want = static_cast<uint32_t>(in.u8()) * 8 + (sel >> 5);
    now += static_cast<int64_t>(in.u8()) * 1000;
    size_t len = 0;
    const uint8_t* bytes = in.take(want, len);
    const uint32_t header_len = (sel & 4) ? 48 : 20;
    const auto r =
        defrag.add(key_for(sel & 7), static_cast<uint32_t>(off_mf >> 1) * 8, (off_mf & 1) != 0,
                   bytes, static_cast<uint32_t>(len), header_len, now);
    if (r.status == mirador::DefragStatus::complete) {
      // The datagram must be readable in full and within the IP limit.
      if (r.len + header_len > 65535) std::abort();
      uint32_t sum = 0;
      for (uint32_t i = 0; i < r.len; ++i) sum += r.data[i];
      sink = sink + sum;
    }
    if (defrag.datagrams() > cfg.defrag_max_datagrams) std::abort();
    if (defrag.bytes() > cfg.defrag_memcap) std::abort();
    if (sel & 0x10) defrag.expire(now);
  }
  return 0;
}

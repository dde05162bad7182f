// Fuzz target: PacketDecoder over every link type the sensor accepts.
// Input: byte 0 picks the link type (index into kLinkTypes), then frames, each a 2-byte
// big-endian length and its bytes. One decoder sees every frame of the input, so fragments of
// different frames meet in its defragmenter; time advances 1 ms a frame and expire() runs too.
#include <cstddef>
#include <cstdint>

#include "decoders/packet/packet_decoder.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

constexpr int kLinkTypes[] = {0, 1, 12, 101, 113, 228, 229, 276};
constexpr size_t kMaxFrames = 64;

// Reads every byte the view points at, so ASan sees a view that points outside the frame.
uint32_t touch(const uint8_t* p, uint32_t len) {
  uint32_t sum = 0;
  for (uint32_t i = 0; i < len; ++i) sum += p[i];
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mirador::fuzz::FuzzInput in(data, size);
  const int dlt = kLinkTypes[in.u8() % (sizeof kLinkTypes / sizeof kLinkTypes[0])];
  mirador::PacketDecoderConfig cfg;
  cfg.defrag_memcap = 64u << 10;  // small caps, so the fuzzer reaches them
  cfg.defrag_max_datagrams = 16;
  cfg.defrag_timeout_us = 20'000;
  mirador::PacketDecoder dec(cfg);
  int64_t ts = 1'000'000;
  volatile uint32_t sink = 0;
  for (size_t n = 0; n < kMaxFrames && !in.empty(); ++n) {
    size_t len = 0;
    const uint8_t* frame = in.take(in.u16(), len);
    mirador::PacketView view;
    const auto r =
        dec.decode(dlt, frame, static_cast<uint32_t>(len), static_cast<uint32_t>(len), ts, view);
    if (r == mirador::DecodeResult::ok) sink = sink + touch(view.payload, view.payload_len);
    ts += 1000;
    if (n % 8 == 7) dec.expire(ts);
  }
  return 0;
}

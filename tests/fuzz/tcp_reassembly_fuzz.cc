// Fuzz target: TcpStream, both directions of one connection sharing a ReassemblyMemory, fed
// SYNs, segments, FINs, peer ACKs and flushes carved from the input. Small caps make the gap,
// cap and compaction paths reachable. Checked after every step: the global counter equals the
// streams' held bytes, and neither stream holds more than its caps.
// Each step: an op byte (bit 0 direction, bits 1-3 what, bit 4 sequence near the next byte),
// a sequence (2 bytes near the next byte, else 4 absolute), a length byte, then the data.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "decoders/tcp/tcp_stream.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

constexpr size_t kMaxSteps = 256;

// Counts what it is given and reads every byte of it.
class CheckingSink : public mirador::StreamSink {
 public:
  void on_data(const uint8_t* data, size_t len, int64_t) override {
    uint32_t sum = 0;
    for (size_t i = 0; i < len; ++i) sum += data[i];
    sum_ = sum_ + sum;
  }
  void on_gap(size_t, int64_t) override {}

 private:
  volatile uint32_t sum_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mirador::fuzz::FuzzInput in(data, size);
  mirador::TcpStreamConfig cfg;
  cfg.max_held_bytes = 4096;
  cfg.max_held_segments = 16;
  cfg.max_window = 1u << 20;
  cfg.recent_bytes = 64;
  mirador::ReassemblyMemory mem;
  mem.cap = 6144;  // below two streams' caps: the global cap is hit too
  mirador::TcpStream streams[2] = {mirador::TcpStream(cfg, mem), mirador::TcpStream(cfg, mem)};
  CheckingSink sinks[2];
  int64_t ts = 1'000'000;
  for (size_t n = 0; n < kMaxSteps && !in.empty(); ++n) {
    const uint8_t op = in.u8();
    const int d = op & 1;
    mirador::TcpStream& s = streams[d];
    const uint32_t seq = (op & 0x10)
                             ? s.next_seq() + static_cast<uint32_t>(static_cast<int16_t>(in.u16()))
                             : in.u32();
    ts += 10;
    switch ((op >> 1) & 7) {
      case 0:
        s.on_syn(seq);
        break;
      case 1:
        s.on_fin(seq);
        break;
      case 2:
        streams[d ^ 1].on_peer_ack(seq, ts, sinks[d ^ 1]);
        break;
      case 3:
        if ((op & 0xe0) == 0xe0) s.flush(ts, sinks[d]);
        break;
      default: {
        size_t len = 0;
        const uint8_t* bytes = in.take(in.u8(), len);
        s.on_segment(seq, bytes, static_cast<uint32_t>(len), ts, sinks[d]);
        break;
      }
    }
    if (mem.used != streams[0].held_bytes() + streams[1].held_bytes()) std::abort();
    if (mem.used > mem.cap) std::abort();
    for (const auto& t : streams)
      if (t.held_bytes() > cfg.max_held_bytes) std::abort();
  }
  for (int d = 0; d < 2; ++d) streams[d].flush(ts, sinks[d]);
  if (mem.used != 0) std::abort();
  return 0;
}

// FuzzInput: carves a libFuzzer input into the values a target needs (integers, chunks), and
// the record format the stream targets share.
//
// Stream record (http1, http2, tls, and what tools/fuzz/make_seeds.py writes from captures):
//   op (1 byte): bit 0 = direction (0 to_server, 1 to_client), bits 1-2 = kind (0 data, 1 gap,
//   2 end of direction, 3 data too), then a 2-byte big-endian length, then that many bytes of data
//   (for a gap, the length is the gap's size and no bytes follow). A record cut by the end of the
//   input keeps what there is.
// Running out of input is never an error: integers read as 0 and chunks come back short.
#pragma once

#include <cstddef>
#include <cstdint>

#include "decoders/http1/http1_session.h"

namespace mirador::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : p_(data), left_(size) {}

  bool empty() const { return left_ == 0; }
  size_t left() const { return left_; }

  uint8_t u8() {
    if (left_ == 0) return 0;
    --left_;
    return *p_++;
  }
  uint16_t u16() { return static_cast<uint16_t>(u8() << 8 | u8()); }
  uint32_t u32() { return static_cast<uint32_t>(u16()) << 16 | u16(); }

  // Up to `n` bytes; `len` gets how many there were.
  const uint8_t* take(size_t n, size_t& len) {
    len = n < left_ ? n : left_;
    const uint8_t* at = p_;
    p_ += len;
    left_ -= len;
    return at;
  }
  // Everything left.
  const uint8_t* rest(size_t& len) { return take(left_, len); }

 private:
  const uint8_t* p_;
  size_t left_;
};

enum class RecordKind : uint8_t { data, gap, end };

struct Record {
  uint8_t dir = 0;  // 0 to_server, 1 to_client
  RecordKind kind = RecordKind::data;
  const uint8_t* data = nullptr;
  size_t len = 0;
};

// Reads the next stream record; false at the end of the input.
inline bool next_record(FuzzInput& in, Record& r) {
  if (in.empty()) return false;
  const uint8_t op = in.u8();
  r.dir = op & 1;
  const uint8_t kind = (op >> 1) & 3;
  r.kind = kind == 1 ? RecordKind::gap : kind == 2 ? RecordKind::end : RecordKind::data;
  const size_t n = in.u16();
  if (r.kind == RecordKind::gap) {
    r.data = nullptr;
    r.len = n;
  } else if (r.kind == RecordKind::data) {
    r.data = in.take(n, r.len);
  } else {
    r.data = nullptr;
    r.len = 0;
  }
  return true;
}

// Feeds at most `max_records` stream records of `in` to `session` (an Http1Session, Http2Session
// or TlsSession: on_data, on_gap, on_end), 100 us apart after `ts`, which ends at the last
// record's time. `before_data(r)` runs before each data record is delivered (the sniffers),
// `after()` after each record.
template <class Session, class BeforeData, class After>
void feed_stream(FuzzInput& in, Session& session, size_t max_records, int64_t& ts,
                 BeforeData before_data, After after) {
  Record r;
  for (size_t n = 0; n < max_records && next_record(in, r); ++n) {
    const auto dir = r.dir ? Direction::to_client : Direction::to_server;
    ts += 100;
    switch (r.kind) {
      case RecordKind::data:
        before_data(r);
        session.on_data(dir, r.data, r.len, ts);
        break;
      case RecordKind::gap:
        session.on_gap(dir, r.len, ts);
        break;
      case RecordKind::end:
        session.on_end(dir, ts);
        break;
    }
    after();
  }
}

// A cheap deterministic generator (xorshift) for chunk boundaries chosen by a seed byte.
class SplitRng {
 public:
  explicit SplitRng(uint32_t seed) : s_(seed * 2654435761u + 1) {}
  uint32_t next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 17;
    s_ ^= s_ << 5;
    return s_;
  }

 private:
  uint32_t s_;
};

}  // namespace mirador::fuzz

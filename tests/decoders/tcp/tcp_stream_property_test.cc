// Property tests: whatever the order, duplication or re-segmentation of a stream's segments, the
// sink sees the original bytes; with caps and loss, every byte it sees is at its right place.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "decoders/tcp/tcp_stream.h"

namespace mirador {
namespace {

using Rng = std::mt19937_64;

size_t uniform(Rng& rng, size_t lo, size_t hi) {  // inclusive
  return std::uniform_int_distribution<size_t>(lo, hi)(rng);
}

std::vector<uint8_t> random_bytes(Rng& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

struct Piece {
  size_t off;  // into the original stream
  size_t len;
};

// The original segmentation, some duplicates, and some overlapping re-segmentations of the same
// bytes, shuffled.
std::vector<Piece> transmissions(Rng& rng, size_t n) {
  const size_t max_len = uniform(rng, 1, std::min<size_t>(n, 1500));
  std::vector<Piece> out;
  for (size_t off = 0; off < n;) {
    const size_t len = std::min(n - off, uniform(rng, 1, max_len));
    out.push_back({off, len});
    off += len;
  }
  const size_t originals = out.size();
  const size_t dups = uniform(rng, 0, originals);
  for (size_t i = 0; i < dups; ++i) out.push_back(out[uniform(rng, 0, originals - 1)]);
  const size_t resegs = uniform(rng, 0, originals);
  for (size_t i = 0; i < resegs; ++i) {
    const size_t off = uniform(rng, 0, n - 1);
    out.push_back({off, std::min(n - off, uniform(rng, 1, 2 * max_len))});
  }
  std::shuffle(out.begin(), out.end(), rng);
  return out;
}

size_t random_size(Rng& rng) {
  static constexpr size_t kSizes[] = {1, 2, 3, 17, 100, 600, 1500, 4000, 20000};
  // Small streams most of the time: they exercise the corners and keep the run short.
  const size_t i = uniform(rng, 0, 99);
  if (i < 80) return kSizes[i % 7];
  return kSizes[7 + i % 2];
}

uint32_t random_isn(Rng& rng, size_t n, unsigned kind) {
  switch (kind % 3) {
    case 0:  // the stream crosses 2^32
      return static_cast<uint32_t>(0xFFFFFFFFu - uniform(rng, 0, 2 * n + 2));
    case 1:
      return static_cast<uint32_t>(rng());
    default:  // first data byte at sequence 0
      return 0xFFFFFFFFu;
  }
}

class CollectSink : public StreamSink {
 public:
  void on_data(const uint8_t* data, size_t len, int64_t) override {
    out.insert(out.end(), data, data + len);
  }
  void on_gap(size_t len, int64_t) override { gap_bytes += len; }
  std::vector<uint8_t> out;
  uint64_t gap_bytes = 0;
};

TEST_CASE("any order, duplication and re-segmentation yields the original bytes",
          "[tcp][property]") {
  constexpr unsigned kTrials = 4000;
  static constexpr uint32_t kRecent[] = {0, 1, 7, 1024, 65536};
  unsigned failures = 0;
  for (unsigned trial = 0; trial < kTrials; ++trial) {
    Rng rng(0x5eed0000u + trial);
    const size_t n = random_size(rng);
    const std::vector<uint8_t> original = random_bytes(rng, n);
    const uint32_t isn = random_isn(rng, n, trial);
    const uint32_t first = isn + 1;
    TcpStreamConfig cfg;
    cfg.max_held_segments = 1u << 20;  // caps are tested elsewhere; here nothing may be lost
    cfg.recent_bytes = kRecent[trial % 5];
    ReassemblyMemory mem;
    CollectSink sink;
    bool ok = true;
    {
      TcpStream s(cfg, mem);
      s.on_syn(isn);
      const auto tx = transmissions(rng, n);
      const size_t fin_at = uniform(rng, 0, tx.size());
      for (size_t i = 0; i < tx.size(); ++i) {
        if (i == fin_at) s.on_fin(static_cast<uint32_t>(first + n));
        const Piece p = tx[i];
        s.on_segment(static_cast<uint32_t>(first + p.off), original.data() + p.off,
                     static_cast<uint32_t>(p.len), 0, sink);
        // The receiver acknowledges only what it has, so an ACK never makes a gap.
        if (rng() % 4 == 0) {
          s.on_peer_ack(static_cast<uint32_t>(first + uniform(rng, 0, sink.out.size())), 0, sink);
        }
        ok = ok && mem.used == s.held_bytes();
      }
      if (fin_at == tx.size()) s.on_fin(static_cast<uint32_t>(first + n));
      ok = ok && s.finished() && s.held_bytes() == 0 && mem.used == 0 &&
           s.counters().overlap_conflicts == 0 && s.counters().gaps == 0 &&
           s.counters().bytes_delivered == n && s.counters().out_of_window == 0;
    }
    ok = ok && sink.out == original && sink.gap_bytes == 0 && mem.used == 0;
    if (!ok && ++failures <= 5) {
      UNSCOPED_INFO("trial " << trial << " n=" << n << " isn=" << isn << " failed");
    }
  }
  REQUIRE(failures == 0);
}

// Checks each delivered byte against the original at the position it lands on.
class PositionSink : public StreamSink {
 public:
  explicit PositionSink(const std::vector<uint8_t>& original) : original_(&original) {}
  void on_data(const uint8_t* data, size_t len, int64_t) override {
    if (pos + len > original_->size() ||
        !std::equal(data, data + len, original_->begin() + static_cast<std::ptrdiff_t>(pos))) {
      misplaced = true;
    }
    pos += len;
  }
  void on_gap(size_t len, int64_t) override { pos += len; }
  size_t pos = 0;
  bool misplaced = false;

 private:
  const std::vector<uint8_t>* original_;
};

struct Side {
  std::vector<uint8_t> original;
  uint32_t first = 0;
  std::vector<Piece> tx;
  size_t next = 0;
  size_t fin_at = 0;
};

TEST_CASE("with caps, loss and ACKs every delivered byte is in its place", "[tcp][property]") {
  constexpr unsigned kTrials = 1500;
  unsigned failures = 0;
  for (unsigned trial = 0; trial < kTrials; ++trial) {
    Rng rng(0xcafe0000u + trial);
    TcpStreamConfig cfg;
    cfg.max_held_segments = static_cast<uint32_t>(uniform(rng, 1, 8));
    cfg.recent_bytes = static_cast<uint32_t>(uniform(rng, 0, 64));
    ReassemblyMemory mem;
    Side sides[2];
    for (unsigned k = 0; k < 2; ++k) {
      Side& side = sides[k];
      const size_t n = random_size(rng);
      side.original = random_bytes(rng, n);
      side.first = random_isn(rng, n, trial + k) + 1;
      side.tx = transmissions(rng, n);
      // Lose some on the mirror path.
      std::erase_if(side.tx, [&rng](const Piece&) { return rng() % 8 == 0; });
      side.fin_at = uniform(rng, 0, side.tx.size());
    }
    cfg.max_held_bytes = uniform(rng, 1, sides[0].original.size() + 1);
    mem.cap = uniform(rng, 1, 2 * cfg.max_held_bytes);
    PositionSink sink0(sides[0].original);
    PositionSink sink1(sides[1].original);
    PositionSink* sinks[2] = {&sink0, &sink1};
    bool ok = true;
    {
      TcpStream s0(cfg, mem);
      TcpStream s1(cfg, mem);
      TcpStream* streams[2] = {&s0, &s1};
      for (unsigned k = 0; k < 2; ++k) streams[k]->on_syn(sides[k].first - 1);
      while (sides[0].next < sides[0].tx.size() || sides[1].next < sides[1].tx.size()) {
        const unsigned k = sides[0].next == sides[0].tx.size()   ? 1
                           : sides[1].next == sides[1].tx.size() ? 0
                                                                 : static_cast<unsigned>(rng() % 2);
        Side& side = sides[k];
        TcpStream& s = *streams[k];
        const size_t n = side.original.size();
        if (side.next == side.fin_at) s.on_fin(static_cast<uint32_t>(side.first + n));
        const Piece p = side.tx[side.next++];
        s.on_segment(static_cast<uint32_t>(side.first + p.off), side.original.data() + p.off,
                     static_cast<uint32_t>(p.len), 0, *sinks[k]);
        if (rng() % 8 == 0) {  // may acknowledge bytes the mirror lost
          s.on_peer_ack(static_cast<uint32_t>(side.first + uniform(rng, 0, n)), 0, *sinks[k]);
        }
        ok = ok && mem.used == s0.held_bytes() + s1.held_bytes() && mem.used <= mem.cap &&
             s.held_bytes() <= cfg.max_held_bytes && s.held_segments() <= cfg.max_held_segments;
      }
      for (unsigned k = 0; k < 2; ++k) {
        TcpStream& s = *streams[k];
        const size_t n = sides[k].original.size();
        if (sides[k].fin_at == sides[k].tx.size())
          s.on_fin(static_cast<uint32_t>(sides[k].first + n));
        s.flush(0, *sinks[k]);
        const auto& c = s.counters();
        ok = ok && s.finished() && sinks[k]->pos == n && !sinks[k]->misplaced &&
             c.bytes_delivered + c.gap_bytes == n && c.overlap_conflicts == 0;
      }
      ok = ok && mem.used == 0;
    }
    if (!ok && ++failures <= 5) UNSCOPED_INFO("trial " << trial << " failed");
  }
  REQUIRE(failures == 0);
}

}  // namespace
}  // namespace mirador

// TcpStream: in-order delivery of one direction of a TCP connection, as the receiver would
// assemble it. Passive: it sees both directions' segments but never acknowledges anything.
//
// - In-order data is handed to the sink straight from the packet (zero copy); only segments that
//   arrive ahead of the next expected byte are copied and held.
// - Overlap policy: FIRST WINS. Bytes already delivered or already held are kept; a later segment
//   only fills holes. Overlaps whose bytes differ from what was kept are counted
//   (`overlap_conflicts`): they are the classic insertion/evasion signal. Held bytes are always
//   compared; delivered bytes are compared only within the last `cfg.recent_bytes` delivered
//   (older ones are gone, so a retransmission of them is counted but cannot be checked).
// - Loss: when the peer acknowledges bytes this stream never saw, or when held data exceeds the
//   per-stream or global cap, or at close, the missing range is delivered as an explicit gap
//   (`on_gap(len)`) and delivery resumes after it. The parser above decides how to resync.
// - Midstream pickup: a stream whose SYN was not seen starts at the first segment seen.
// - Sequence numbers are modulo 2^32; the stream unwraps them to 64 bits around the next expected
//   byte. Segments (and FINs, ACKs) more than `cfg.max_window` away from it are bogus: counted
//   and dropped, never held.
//
// Caller conventions: the data of a SYN segment (TCP Fast Open) starts at isn + 1, so call
// on_syn(isn) then on_segment(isn + 1, ...). A FIN segment with data: on_segment(seq, data, len)
// then on_fin(seq + len). Calling on_peer_ack() with ACKs of the other direction makes a lost
// byte a gap as soon as the receiver acknowledged it; because a mirror may reorder the two
// directions, a segment arriving after the ACK that covered it is then counted as a
// retransmission instead of being delivered. A sink must not call back into its stream.
//
// Memory: held bytes live in one arena per stream; `ReassemblyMemory::used` counts held bytes
// (not the arena's capacity, which may reach a few times the held bytes before compaction).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mirador {

class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual void on_data(const uint8_t* data, size_t len, int64_t ts_us) = 0;
  virtual void on_gap(size_t len, int64_t ts_us) = 0;
};

// Shared by every stream of one worker: the global cap on held out-of-order bytes.
struct ReassemblyMemory {
  size_t cap = 64u << 20;
  size_t used = 0;        // always the sum of held_bytes() over the streams sharing it
  uint64_t cap_hits = 0;  // times a segment could not be held because of the global cap
};

struct TcpStreamConfig {
  size_t max_held_bytes = 1u << 20;   // per-stream cap on out-of-order bytes held
  uint32_t max_held_segments = 1024;  // per-stream cap on held pieces (counted before merging)
  uint32_t max_window = 1u << 30;     // farther than this from the next byte = bogus, dropped
  // Last delivered bytes kept to check overlaps against; 0 = none. It costs this much per stream
  // that carried data, so it stays small: retransmissions of older bytes are not compared.
  uint32_t recent_bytes = 256;
};

struct TcpStreamCounters {
  uint64_t segments = 0;  // segments carrying data
  uint64_t bytes_delivered = 0;
  uint64_t out_of_order = 0;       // segments that arrived ahead of the next expected byte
  uint64_t retransmissions = 0;    // segments wholly inside already-delivered data
  uint64_t overlaps = 0;           // other segments partly or wholly overlapping kept data
  uint64_t overlap_conflicts = 0;  // overlaps (or retransmissions) whose bytes differ
  uint64_t gaps = 0;
  uint64_t gap_bytes = 0;
  uint64_t stream_cap_hits = 0;  // per-stream cap forced a gap
  uint64_t out_of_window = 0;    // segments/FINs/ACKs beyond max_window, dropped
  uint64_t after_fin = 0;        // segments with data past the FIN (that data is dropped)
  uint64_t syn_ignored = 0;      // SYNs with another ISN once data had been seen
  uint64_t fin_ignored = 0;      // FINs behind delivered data or beyond max_window
};

class TcpStream {
 public:
  TcpStream(const TcpStreamConfig& cfg, ReassemblyMemory& mem) : cfg_(&cfg), mem_(&mem) {}
  ~TcpStream();
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;

  // A SYN (or SYN-ACK) from this direction: the first data byte is isn + 1. A SYN with another
  // ISN replaces the first one as long as no data has been seen.
  void on_syn(uint32_t isn);

  // A segment carrying `len` bytes at sequence `seq` (FIN/RST handled by the caller via
  // on_fin/close). Delivers whatever becomes contiguous.
  void on_segment(uint32_t seq, const uint8_t* data, uint32_t len, int64_t ts_us, StreamSink& sink);

  // The FIN of this direction at sequence `seq` (the byte after the last data byte). The first
  // FIN wins; held data past it is dropped.
  void on_fin(uint32_t seq);

  // The peer acknowledged up to `ack`: bytes below it that this stream never received were lost
  // on the mirror path; they are delivered as a gap (and held data after them released).
  void on_peer_ack(uint32_t ack, int64_t ts_us, StreamSink& sink);

  // End of the connection (RST, both FINs, timeout, eviction): everything held is delivered,
  // holes as gaps (up to the FIN if one was seen). Releases all memory.
  void flush(int64_t ts_us, StreamSink& sink);

  bool started() const { return started_; }
  bool syn_seen() const { return syn_seen_; }  // false after a midstream pickup
  bool fin_seen() const { return fin_seen_; }
  // True once every byte up to the FIN has been delivered.
  bool finished() const { return fin_seen_ && started_ && base_ == fin_abs_; }
  size_t held_bytes() const { return held_bytes_; }
  size_t held_segments() const { return held_.size() - head_; }
  uint32_t next_seq() const { return static_cast<uint32_t>(base_); }
  const TcpStreamCounters& counters() const { return counters_; }

 private:
  // One held piece: bytes [start, start + len) (unwrapped) stored at arena_[off, off + len).
  // Pieces are disjoint, sorted by start, and all begin after base_.
  struct Held {
    uint64_t start;
    size_t off;
    size_t len;
    uint64_t end() const { return start + len; }
  };

  void start_at(uint32_t seq);
  bool in_window(uint64_t abs) const;
  uint64_t unwrap(uint32_t seq) const;
  // Delivers [start, end) of an in-order segment (start <= base_ < end), held bytes first.
  void deliver_in_order(uint64_t start, uint64_t end, const uint8_t* data, int64_t ts_us,
                        StreamSink& sink);
  // Holds the parts of an out-of-order segment not already held. False when a cap refused it.
  bool hold(uint64_t start, uint64_t end, const uint8_t* data);
  void deliver_held(int64_t ts_us, StreamSink& sink);           // held pieces contiguous with base_
  void skip_to(uint64_t abs, int64_t ts_us, StreamSink& sink);  // declares a gap
  void emit(const uint8_t* data, size_t len, int64_t ts_us, StreamSink& sink);
  void remember(const uint8_t* data, size_t len);  // into the recent_ ring
  bool differs_from_recent(uint64_t start, uint64_t end, const uint8_t* data) const;
  void drop_held_from(uint64_t abs);  // releases held bytes at or after abs
  void pop_front_held();
  void release_held(size_t len);  // keeps held_bytes_ and mem_->used in step
  void on_held_empty();
  void compact_arena();
  void release_all();

  const TcpStreamConfig* cfg_;
  ReassemblyMemory* mem_;
  bool started_ = false;
  bool syn_seen_ = false;
  bool fin_seen_ = false;
  // Unwrapped sequence of the next byte to deliver. Starts at 2^32 + seq so that unwrapping
  // anything within 2^31 behind it stays positive.
  uint64_t base_ = 0;
  uint64_t fin_abs_ = 0;
  uint32_t isn_ = 0;  // of the SYN accepted, to tell its retransmissions from a new ISN
  // Out-of-order storage: one growable arena per stream instead of one buffer per segment; its
  // capacity is kept across out-of-order episodes (up to a limit), so the steady state does not
  // allocate. Pieces already delivered leave dead space, reclaimed by compaction.
  std::vector<uint8_t> arena_;
  std::vector<Held> held_;  // live pieces are held_[head_..]; the prefix is already delivered
  size_t head_ = 0;
  size_t held_bytes_ = 0;
  // Ring of the last recent_bytes delivered bytes: byte at unwrapped seq p is recent_[p % size].
  // Valid for [max(recent_start_, base_ - size), base_); a gap restarts it.
  std::vector<uint8_t> recent_;
  uint64_t recent_start_ = 0;
  TcpStreamCounters counters_;
};

}  // namespace mirador

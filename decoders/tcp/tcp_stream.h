// TcpStream: in-order delivery of one direction of a TCP connection, as the receiver would
// assemble it. Passive: it sees both directions' segments but never acknowledges anything.
//
// - In-order data is handed to the sink straight from the packet (zero copy); only segments that
//   arrive ahead of the next expected byte are copied and held.
// - Overlap policy: FIRST WINS. Bytes already delivered or already held are kept; a later segment
//   only fills holes. Overlaps whose bytes differ from what was kept are counted
//   (`overlap_conflicts`): they are the classic insertion/evasion signal.
// - Loss: when the peer acknowledges bytes this stream never saw, or when held data exceeds the
//   per-stream or global cap, or at close, the missing range is delivered as an explicit gap
//   (`on_gap(len)`) and delivery resumes after it. The parser above decides how to resync.
// - Midstream pickup: a stream whose SYN was not seen starts at the first segment seen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
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
  size_t used = 0;
  uint64_t cap_hits = 0;  // times a segment could not be held because of the global cap
};

struct TcpStreamConfig {
  size_t max_held_bytes = 1u << 20;  // per-stream cap on out-of-order bytes held
  uint32_t max_held_segments = 1024; // per-stream cap on held segments
};

struct TcpStreamCounters {
  uint64_t segments = 0;
  uint64_t bytes_delivered = 0;
  uint64_t out_of_order = 0;       // segments that arrived ahead of the next expected byte
  uint64_t retransmissions = 0;    // segments wholly inside already-delivered data
  uint64_t overlaps = 0;           // segments partly overlapping kept data
  uint64_t overlap_conflicts = 0;  // overlaps whose bytes differ from the kept ones
  uint64_t gaps = 0;
  uint64_t gap_bytes = 0;
  uint64_t stream_cap_hits = 0;    // per-stream cap forced a gap
};

class TcpStream {
 public:
  TcpStream(const TcpStreamConfig& cfg, ReassemblyMemory& mem) : cfg_(&cfg), mem_(&mem) {}
  ~TcpStream();
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;

  // A SYN (or SYN-ACK) from this direction: the first data byte is isn + 1.
  void on_syn(uint32_t isn);

  // A segment carrying `len` bytes at sequence `seq` (FIN/RST handled by the caller via
  // on_fin/close). Delivers whatever becomes contiguous.
  void on_segment(uint32_t seq, const uint8_t* data, uint32_t len, int64_t ts_us, StreamSink& sink);

  // The FIN of this direction at sequence `seq` (the byte after the last data byte).
  void on_fin(uint32_t seq);

  // The peer acknowledged up to `ack`: bytes below it that this stream never received were lost
  // on the mirror path; they are delivered as a gap (and held data after them released).
  void on_peer_ack(uint32_t ack, int64_t ts_us, StreamSink& sink);

  // End of the connection (RST, both FINs, timeout, eviction): everything held is delivered,
  // holes as gaps. Releases all memory.
  void flush(int64_t ts_us, StreamSink& sink);

  bool started() const { return started_; }
  bool fin_seen() const { return fin_seen_; }
  // True once every byte up to the FIN has been delivered.
  bool finished() const { return fin_seen_ && started_ && next_seq_ == fin_seq_; }
  size_t held_bytes() const { return held_bytes_; }
  uint32_t next_seq() const { return next_seq_; }
  const TcpStreamCounters& counters() const { return counters_; }

 private:
  void deliver_held(int64_t ts_us, StreamSink& sink);
  void hold(uint32_t seq, const uint8_t* data, uint32_t len);
  void skip_to(uint32_t seq, int64_t ts_us, StreamSink& sink);  // declares a gap
  void release_all();

  const TcpStreamConfig* cfg_;
  ReassemblyMemory* mem_;
  bool started_ = false;
  bool fin_seen_ = false;
  uint32_t next_seq_ = 0;  // next byte to deliver
  uint32_t fin_seq_ = 0;
  // Held out-of-order segments keyed by their offset from next_seq_'s base; see .cc.
  std::map<uint64_t, std::vector<uint8_t>> held_;
  uint64_t base_ = 0;  // 64-bit unwrapped sequence of next_seq_
  size_t held_bytes_ = 0;
  TcpStreamCounters counters_;
};

}  // namespace mirador

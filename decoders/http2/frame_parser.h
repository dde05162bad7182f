// Http2FrameParser: one direction of an HTTP/2 connection cut into frames (RFC 9113 §4, §6).
// It checks the client preface, reads 9-byte frame headers, removes padding and the priority
// fields, joins HEADERS / PUSH_PROMISE with their CONTINUATION frames into one header block
// (up to a cap) and streams DATA payloads without buffering them. Every frame is reported to a
// sink; malformed frames are reported as protocol errors and skipped, never trusted.
//
// After a gap (or when entered midstream) the parser drops the partial frame and scans for a
// plausible frame header: a known type with a length, flags and stream id that fit it, followed
// by another plausible header. The decision depends only on the bytes, never on how they were
// split into calls, so resynchronisation gives the same frames whatever the segmentation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mirador {

struct Http2Counters;

enum class Http2FrameType : uint8_t {
  data = 0,
  headers = 1,
  priority = 2,
  rst_stream = 3,
  settings = 4,
  push_promise = 5,
  ping = 6,
  goaway = 7,
  window_update = 8,
  continuation = 9,
};

inline constexpr uint8_t kH2FlagEndStream = 0x1;
inline constexpr uint8_t kH2FlagAck = 0x1;
inline constexpr uint8_t kH2FlagEndHeaders = 0x4;
inline constexpr uint8_t kH2FlagPadded = 0x8;
inline constexpr uint8_t kH2FlagPriority = 0x20;
inline constexpr uint32_t kH2DefaultMaxFrame = 16384;

struct Http2FrameHeader {
  uint32_t length = 0;
  uint8_t type = 0;
  uint8_t flags = 0;
  uint32_t stream_id = 0;
};

// A complete header block: HEADERS (or PUSH_PROMISE) and its CONTINUATION frames, padding and
// priority fields removed. `too_large`: over the cap, `data` is empty and the block was not
// kept (the HPACK state it would have changed is lost). `interrupted`: another frame came
// before END_HEADERS; `data` holds what was joined so far and must not be decoded.
struct Http2HeaderBlock {
  uint32_t stream_id = 0;
  uint32_t promised_id = 0;  // PUSH_PROMISE only
  bool push = false;
  bool end_stream = false;
  bool too_large = false;
  bool interrupted = false;
  const uint8_t* data = nullptr;
  size_t len = 0;
  int64_t begin_ts = 0;  // the first frame's
  int64_t end_ts = 0;    // the last frame's
};

class Http2FrameSink {
 public:
  virtual ~Http2FrameSink() = default;
  virtual void on_header_block(const Http2HeaderBlock& b) = 0;
  // DATA payload bytes (padding removed), in order, possibly in several calls per frame.
  virtual void on_data(uint32_t stream_id, const uint8_t* p, size_t n, int64_t ts) = 0;
  virtual void on_data_end(uint32_t stream_id, bool end_stream, int64_t ts) = 0;
  virtual void on_rst_stream(uint32_t stream_id, uint32_t code, int64_t ts) = 0;
  // SETTINGS: `p` holds `n` bytes of 6-byte parameters (n % 6 == 0; n == 0 for an ACK).
  virtual void on_settings(bool ack, const uint8_t* p, size_t n, int64_t ts) = 0;
  virtual void on_goaway(uint32_t last_stream_id, uint32_t code, int64_t ts) = 0;
  // A frame broke the protocol (bad length, padding, stream id...): it was skipped.
  virtual void on_protocol_error(uint32_t stream_id) = 0;
};

class Http2FrameParser {
 public:
  // `max_header_block`: compressed bytes kept per joined header block.
  Http2FrameParser(Http2FrameSink& sink, Http2Counters& counters, size_t max_header_block);

  // The client direction from the connection's start: the 24-byte preface comes first.
  void expect_preface();
  // Look for a plausible frame header from the next byte on (midstream pickup).
  void start_resync();
  // The peer's acknowledged SETTINGS_MAX_FRAME_SIZE: longer frames are protocol errors.
  void set_max_frame_size(uint32_t v) { max_frame_ = v; }

  void feed(const uint8_t* p, size_t n, int64_t ts);
  // The direction has gone quiet (the other one spoke, FIN, close): a resync candidate waiting
  // for its successor's header is taken when its frame ends exactly where the bytes end, as a
  // request sent before the peer answers does.
  void flush(int64_t ts);
  // Bytes were lost: the partial frame (and a header block in progress) is dropped.
  void gap();

 private:
  enum class State : uint8_t { preface, resync, header, payload, data_padlen, data, skip };

  size_t feed_frames(const uint8_t* p, size_t n, int64_t ts);
  void feed_resync(const uint8_t* p, size_t n, int64_t ts, bool quiet);
  void begin_frame(int64_t ts);
  void end_payload(int64_t ts);
  void end_data(int64_t ts);
  void on_block_fragment(const uint8_t* p, size_t n, bool end_headers, int64_t ts);
  void deliver_block(bool interrupted, int64_t ts);
  void protocol_error(uint32_t stream_id);

  Http2FrameSink& sink_;
  Http2Counters& counters_;
  const size_t max_block_;
  uint32_t max_frame_ = kH2DefaultMaxFrame;

  State state_ = State::header;
  size_t preface_got_ = 0;
  uint8_t hdr_[9] = {};
  size_t hdr_got_ = 0;
  Http2FrameHeader cur_;
  int64_t frame_ts_ = 0;
  std::string payload_;      // non-DATA payload, reused
  size_t payload_want_ = 0;  // bytes of the frame still to read
  bool payload_oversized_ = false;
  uint32_t data_left_ = 0;  // DATA bytes still to pass on before the padding
  uint32_t skip_left_ = 0;  // padding / oversized / unknown bytes to drop

  // Header block being joined.
  bool in_block_ = false;
  std::string block_;
  Http2HeaderBlock blk_;

  std::string rbuf_;  // resync window
};

// A plausible frame header at `p` (9 bytes) for a peer bounded by `max_len`. `first`: the frame
// starts a resynchronised stream, so CONTINUATION (which needs its HEADERS) does not qualify.
bool http2_plausible_frame_header(const uint8_t* p, uint32_t max_len, bool first);

}  // namespace mirador

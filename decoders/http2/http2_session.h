// Http2Session: the HTTP/2 conversation on one TCP connection (RFC 9113), in cleartext (prior
// knowledge or an h2c upgrade) or decrypted from TLS. It is fed each direction's reassembled bytes
// (and gaps) and emits one HttpTransaction per stream: request headers, DATA, trailers, response
// headers (1xx interim ones in info_codes), DATA and trailers, with version "2", :authority and
// :scheme in their own fields and the stream id. Interleaved streams become separate transactions,
// emitted when both halves are complete (END_STREAM each way), or reset, or at close.
//
// Framing: every frame type is understood (DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS,
// PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION; unknown types are skipped as the RFC
// says), padding is removed, HEADERS + CONTINUATION are joined before decoding, SETTINGS are
// applied when acknowledged (SETTINGS_HEADER_TABLE_SIZE bounds the peer's HPACK encoder,
// SETTINGS_MAX_FRAME_SIZE the frames). Header blocks go through nghttp2's HPACK inflater, one per
// direction. Bodies are content-decoded (Content-Encoding) up to the inspection cap as on
// HTTP/1.x; gRPC bodies are kept as sent (the length-prefixed messages; detectors/fields walks
// them).
//
// Loss and midstream pickup: a gap in a direction drops that direction's partial frame, makes the
// parser look for the next plausible frame header, and resets its HPACK inflater. Decoding then
// goes on with a fresh table: an index the fresh table does not hold fails the block (the stream
// is flagged h2_headers_unknown, counted) instead of inventing a header. A connection entered
// without its preface (start_midstream) is handled the same way from its first byte.
//
// Caps (Http2Limits): streams tracked per connection, header block and decoded header list bytes,
// DATA bytes buffered per connection; each hit is counted and flagged on the transaction. A
// stream over max_streams is emitted at once with its request headers (h2_stream_refused) and
// nothing more of it is tracked.
//
// Emission: when both halves ended (END_STREAM each way), at RST_STREAM or a GOAWAY that excludes
// the stream (flagged h2_stream_reset), or at on_close; in completion order.
// trans_depth is the stream's 1-based order of appearance on the connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "decoders/http1/http1_session.h"  // Direction, Http1Pool, TransactionFn's shape
#include "decoders/http1/http_transaction.h"

namespace mirador {

struct Http2Limits {
  uint32_t max_streams = 128;          // open streams tracked per connection; more: refused
  size_t max_header_block = 65536;     // compressed HEADERS + CONTINUATION bytes joined
  size_t max_header_list = 65536;      // decoded fields (name + value + 32 each), per block
  uint32_t max_headers = 256;          // fields per block
  size_t max_body_inspect = 1u << 20;  // decoded body bytes kept per message
  uint32_t max_decompress_ratio = 200;
  uint64_t max_decoded_body = 256ull << 20;
  // Body bytes kept over all open streams of one connection; past it bodies are truncated.
  size_t max_buffered_data = 8u << 20;
  // The largest HPACK dynamic table the decoder agrees to track (SETTINGS may ask for more).
  uint32_t max_header_table = 65536;
};

struct Http2Counters {
  uint64_t connections = 0;
  uint64_t upgrades = 0;   // started by an h2c upgrade
  uint64_t midstream = 0;  // entered without the preface
  uint64_t frames = 0;
  uint64_t frames_by_type[10] = {};  // DATA .. CONTINUATION
  uint64_t unknown_frames = 0;
  uint64_t streams = 0;
  uint64_t transactions = 0;
  uint64_t pushes = 0;  // PUSH_PROMISE: a pushed response becomes a transaction
  uint64_t resets = 0;  // RST_STREAM frames
  uint64_t goaways = 0;
  uint64_t protocol_errors = 0;  // frames that break the RFC (counted, skipped)
  uint64_t header_errors = 0;    // HPACK blocks that failed to decode while the state was known
  uint64_t headers_unknown = 0;  // blocks failed because the HPACK state was not seen (disjoint)
  uint64_t streams_refused = 0;  // over max_streams
  uint64_t header_block_too_large = 0;
  uint64_t header_list_too_large = 0;
  uint64_t too_many_headers = 0;  // blocks with more than max_headers fields (extra not kept)
  uint64_t data_cap_hits = 0;     // max_buffered_data reached
  uint64_t body_truncated = 0;
  uint64_t decompression_bombs = 0;
  uint64_t decompression_errors = 0;
  uint64_t gaps = 0;
  uint64_t resyncs = 0;        // frame boundary found again after a gap
  uint64_t bytes_skipped = 0;  // bytes discarded while resynchronising
};

class Http2Session {
 public:
  using TransactionFn = std::function<void(HttpTransaction&&)>;

  // `pool` (the worker's, outliving the session) recycles per-message state; null: a private one.
  Http2Session(const Http2Limits& limits, Http2Counters& counters, TransactionFn on_transaction,
               Http1Pool* pool = nullptr);
  ~Http2Session();
  Http2Session(const Http2Session&) = delete;
  Http2Session& operator=(const Http2Session&) = delete;

  // The connection switched from HTTP/1.1 by "Upgrade: h2c" (RFC 7540 §3.2): `upgrade` is the
  // request that asked, complete; it becomes stream 1's request, answered in HTTP/2 (its
  // HTTP2-Settings header is applied as the client's SETTINGS). Call before any on_data.
  void start_upgraded(HttpTransaction&& upgrade);
  // The connection is HTTP/2 but its start was not seen: no preface is expected and each
  // direction first looks for a plausible frame header; HPACK state is unknown. Call before any
  // on_data.
  void start_midstream();

  void on_data(Direction dir, const uint8_t* data, size_t len, int64_t ts_us);
  void on_gap(Direction dir, size_t len, int64_t ts_us);
  // The direction ended (FIN). No HTTP/2 message ends with a FIN; a resync waiting for more
  // bytes of that direction takes a last frame that ends exactly at the FIN. (The same happens
  // to a direction when the other one sends: its peer is waiting for an answer.)
  void on_end(Direction dir, int64_t ts_us);
  // The connection is gone: every open stream is emitted, flagged request_truncated /
  // response_truncated / no_response as appropriate.
  void on_close(int64_t ts_us);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The client connection preface, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (24 bytes).
inline constexpr size_t kHttp2PrefaceLen = 24;
// True when `data` is a prefix of the preface (len < 24) or starts with it (len >= 24). Callers
// wanting certainty wait for min(len, 24) bytes.
bool http2_preface_prefix(const uint8_t* data, size_t len);
// True when the first bytes look like HTTP/2 frames (a plausible 9-byte frame header of a known
// type, and the next one too when it is within `len`): used to recognise a connection picked up
// midstream. Never true on HTTP/1.x or TLS records.
bool http2_looks_like_frames(const uint8_t* data, size_t len);

}  // namespace mirador

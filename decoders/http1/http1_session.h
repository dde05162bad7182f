// Http1Session: the HTTP/1.x conversation on one TCP connection. It is fed each direction's
// reassembled bytes (and gaps) and emits one HttpTransaction per request/response pair, in order,
// through pipelining and keep-alive.
//
// Framing follows RFC 9112: Content-Length, chunked (with trailers), close-delimited responses,
// HEAD / 1xx / 204 / 304 without bodies, 100-continue, CONNECT and Upgrade (101) after which the
// session stops parsing and records the upgrade. After a gap the parser drops the message in
// progress and resynchronises at the next request (or status) line. Every violation is an
// HttpAnomaly flag on the transaction, and every cap is in Http1Limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "decoders/body/content_decoder.h"
#include "decoders/http1/http_transaction.h"

namespace mirador {

enum class Direction : uint8_t { to_server = 0, to_client = 1 };

struct Http1Limits {
  size_t max_line = 16384;          // request/status line and each header line
  size_t max_header_bytes = 65536;  // whole header section
  uint32_t max_headers = 256;
  size_t max_body_inspect =
      1u << 20;  // decoded body bytes kept per message (BodyLimits.max_output)
  uint32_t max_decompress_ratio = 200;
  uint32_t max_pending = 64;  // pipelined requests awaiting a response
  // Decoded bytes counted per body before decoding stops as a bomb (BodyLimits.max_decoded).
  uint64_t max_decoded_body = 256ull << 20;
  // Bytes a request direction may hold while waiting to learn whether CONNECT / Upgrade switched
  // the protocol; past it the excess is dropped as a gap.
  size_t max_hold = 65536;
};

struct Http1Counters {
  uint64_t requests = 0;
  uint64_t responses = 0;
  uint64_t transactions = 0;
  uint64_t gaps = 0;
  uint64_t resyncs = 0;
  uint64_t bytes_skipped = 0;     // bytes discarded while resynchronising
  uint64_t pending_overflow = 0;  // requests dropped because max_pending was reached
  uint64_t body_truncated = 0;
  uint64_t decompression_bombs = 0;
  uint64_t decompression_errors = 0;
  uint64_t line_too_long = 0;
  uint64_t headers_too_large = 0;
  uint64_t too_many_headers = 0;
  uint64_t upgrades = 0;
};

// Spare per-message state shared by the sessions of one worker (one thread): transactions keep
// their strings' and vectors' capacity, headers their strings', body decoders their zlib state,
// so the steady state allocates nothing per message. Each kind is bounded.
class Http1Pool {
 public:
  Http1Pool() = default;
  Http1Pool(const Http1Pool&) = delete;
  Http1Pool& operator=(const Http1Pool&) = delete;

  // An empty transaction (as default-constructed), with a spare's capacity when there is one.
  HttpTransaction take_transaction();
  void give(HttpTransaction&& t);
  // Gives `h` (a moved-from header) a spare header's buffers, contents unspecified, if any.
  void take_header(HttpHeader& h);
  void give_headers(std::vector<HttpHeader>& headers);  // moves them in and clears `headers`
  std::unique_ptr<ContentDecoder> take_decoder(ContentEncoding enc, const BodyLimits& limits);
  void give(std::unique_ptr<ContentDecoder> d);

 private:
  std::vector<HttpTransaction> txs_;
  std::vector<HttpHeader> headers_;
  std::vector<std::unique_ptr<ContentDecoder>> decoders_;
};

class Http1Session {
 public:
  using TransactionFn = std::function<void(HttpTransaction&&)>;

  // `pool` (the worker's, outliving the session) recycles per-message state; null: a private one.
  Http1Session(const Http1Limits& limits, Http1Counters& counters, TransactionFn on_transaction,
               Http1Pool* pool = nullptr);
  ~Http1Session();
  Http1Session(const Http1Session&) = delete;
  Http1Session& operator=(const Http1Session&) = delete;

  void on_data(Direction dir, const uint8_t* data, size_t len, int64_t ts_us);
  void on_gap(Direction dir, size_t len, int64_t ts_us);
  // The direction ended (FIN): completes a close-delimited body.
  void on_end(Direction dir, int64_t ts_us);
  // The connection is gone (RST, timeout, eviction, end of capture): emits everything pending,
  // flagged truncated / no_response as appropriate.
  void on_close(int64_t ts_us);

  // Evasion signs seen below HTTP in `dir` (HttpEvasion bits: TCP overlap conflicts, IP fragment
  // overlaps), laid on the message that carried the bytes: the one in progress; else, when the
  // bytes are still `ahead` (held out of order), the next one; else the request just completed.
  void mark_evasion(Direction dir, uint32_t bits, bool ahead);

  // True once the connection switched protocol (101 or CONNECT 2xx); data is then ignored.
  bool upgraded() const;

  // Protocol switches the caller decodes itself (e.g. "h2c"): when a 101 switches to `protocol`,
  // the upgrading transaction is not emitted but kept for take_switch(), and the bytes that follow
  // the switch in each direction (up to max_hold each) are kept for take_after_switch().
  void set_takeover(std::string_view protocol);
  // True after a switch to the takeover protocol, until take_switch() is called.
  bool switch_pending() const;
  // The request that asked for the switch (its response is the 101, in the transaction too).
  HttpTransaction take_switch();
  // The bytes that followed the switch in `dir` (moved out; the session keeps no more).
  std::string take_after_switch(Direction dir);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Content sniffing used to find the server side of a connection regardless of port.
// `looks_like_request`: starts with a known or token method followed by SP and a target.
// `looks_like_response`: starts with "HTTP/1." and a 3-digit status.
bool http1_looks_like_request(const uint8_t* data, size_t len);
bool http1_looks_like_response(const uint8_t* data, size_t len);

}  // namespace mirador

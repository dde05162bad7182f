// StreamBody: where one HTTP/2 message's DATA goes. Bytes are counted as they arrive (wire
// length), content-decoded per Content-Encoding through a pooled ContentDecoder (or kept as sent
// for gRPC and identity), and kept up to the per-message inspection cap and the connection's
// remaining DATA budget (Http2Limits::max_buffered_data). A hole (gap) stops decoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "decoders/body/content_decoder.h"
#include "decoders/http1/http1_session.h"
#include "decoders/http2/http2_session.h"

namespace mirador {

class StreamBody {
 public:
  explicit StreamBody(Http1Pool& pool) : pool_(pool) {}
  ~StreamBody();
  StreamBody(const StreamBody&) = delete;
  StreamBody& operator=(const StreamBody&) = delete;

  // `raw`: keep the bytes as sent whatever `encoding` says (gRPC: per-message compression).
  void start(std::string* out, uint64_t* wire_len, uint64_t* len, std::string_view encoding,
             bool raw, const Http2Limits& limits, HttpTransaction& tx);
  bool active() const { return out_ != nullptr; }

  // Returns the bytes added to the kept body; `budget` is what the connection may still keep.
  // `capped` is set when this call hit the budget (the body is truncated from now on).
  size_t data(const uint8_t* p, size_t n, size_t budget, bool& capped);
  void hole() { holed_ = true; }
  // Sets the decoded length and the body flags; the body is inactive afterwards.
  void finish(HttpTransaction& tx, Http2Counters& counters);
  // Drops the decoder without touching a transaction (the stream is being recycled).
  void abandon();

 private:
  Http1Pool& pool_;
  std::string* out_ = nullptr;
  uint64_t* wire_ = nullptr;
  uint64_t* len_ = nullptr;
  size_t cap_ = 0;
  bool holed_ = false;
  bool capped_ = false;
  std::unique_ptr<ContentDecoder> dec_;
};

}  // namespace mirador

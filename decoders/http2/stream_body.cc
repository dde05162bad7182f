#include "decoders/http2/stream_body.h"

#include <algorithm>

#include "decoders/http1/body_coding.h"

namespace mirador {

StreamBody::~StreamBody() {
  abandon();
}

void StreamBody::abandon() {
  out_ = nullptr;
  if (dec_) pool_.give(std::move(dec_));
}

void StreamBody::start(std::string* out, uint64_t* wire_len, uint64_t* len,
                       std::string_view encoding, bool raw, const Http2Limits& limits,
                       HttpTransaction& tx) {
  abandon();
  out_ = out;
  wire_ = wire_len;
  len_ = len;
  holed_ = false;
  capped_ = false;
  cap_ = limits.max_body_inspect;
  if (raw) return;
  dec_ = take_body_decoder(pool_, encoding, limits.max_body_inspect, limits.max_decompress_ratio,
                           limits.max_decoded_body, tx);
}

size_t StreamBody::data(const uint8_t* p, size_t n, size_t budget, bool& capped) {
  if (!out_) return 0;
  *wire_ += n;
  if (capped_ || holed_) return 0;
  const size_t before = out_->size();
  if (dec_) {
    dec_->feed(p, n, *out_);
  } else if (before < cap_) {
    out_->append(reinterpret_cast<const char*>(p), std::min(n, cap_ - before));
  }
  size_t added = out_->size() - before;
  if (added > budget) {
    // The connection's DATA budget is spent: keep what fits, nothing more for this body.
    out_->resize(before + budget);
    added = budget;
    capped_ = true;
    capped = true;
  }
  return added;
}

void StreamBody::finish(HttpTransaction& tx, Http2Counters& counters) {
  if (!out_) return;
  *len_ = finish_body(tx, dec_.get(), holed_, capped_, *wire_, cap_, counters);
  abandon();
}

}  // namespace mirador

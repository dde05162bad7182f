#include "decoders/http2/stream_body.h"

#include <algorithm>

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
  ContentEncoding enc = parse_content_encoding(encoding);
  if (enc == ContentEncoding::unknown) tx.flag(HttpAnomaly::unknown_content_encoding);
  if (enc == ContentEncoding::gzip || enc == ContentEncoding::deflate ||
      enc == ContentEncoding::br) {
    BodyLimits bl;
    bl.max_output = limits.max_body_inspect;
    bl.max_ratio = limits.max_decompress_ratio;
    bl.max_decoded = limits.max_decoded_body;
    dec_ = pool_.take_decoder(enc, bl);
  }
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
  uint64_t len = *wire_;
  if (dec_) {
    DecodeStatus st = dec_->status();
    if (st == DecodeStatus::error || holed_) {
      tx.flag(HttpAnomaly::decompression_failed);
      ++counters.decompression_errors;
    } else if (st == DecodeStatus::bomb) {
      tx.flag(HttpAnomaly::decompression_bomb);
      ++counters.decompression_bombs;
      len = dec_->output_bytes();
    } else {
      len = dec_->output_bytes();
    }
  }
  *len_ = len;
  if (capped_ || len > cap_) {
    tx.flag(HttpAnomaly::body_truncated);
    ++counters.body_truncated;
  }
  abandon();
}

}  // namespace mirador

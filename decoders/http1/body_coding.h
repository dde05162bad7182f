// What HTTP/1.x message bodies and HTTP/2 stream bodies share: the content decoder a
// Content-Encoding calls for, and what a finished body records on its transaction (decoded
// length, decompression failure or bomb, truncation past the inspection cap).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "decoders/body/content_decoder.h"
#include "decoders/http1/http1_session.h"
#include "decoders/http1/http_transaction.h"

namespace mirador {

// A pooled decoder for gzip, deflate or br; null for identity (and for an unknown coding, which
// is flagged on `tx`: its bytes are kept as sent).
inline std::unique_ptr<ContentDecoder> take_body_decoder(Http1Pool& pool, std::string_view encoding,
                                                         size_t max_inspect, uint32_t max_ratio,
                                                         uint64_t max_decoded,
                                                         HttpTransaction& tx) {
  const ContentEncoding enc = parse_content_encoding(encoding);
  if (enc == ContentEncoding::unknown) tx.flag(HttpAnomaly::unknown_content_encoding);
  if (enc != ContentEncoding::gzip && enc != ContentEncoding::deflate && enc != ContentEncoding::br)
    return nullptr;
  BodyLimits bl;
  bl.max_output = max_inspect;
  bl.max_ratio = max_ratio;
  bl.max_decoded = max_decoded;
  return pool.take_decoder(enc, bl);
}

// The body's length after content decoding (the wire length without a decoder), with its
// anomalies flagged and counted. `holed`: bytes were lost inside it; `cut`: the caller stopped
// keeping it for another reason (a connection-wide budget).
template <typename Counters>
uint64_t finish_body(HttpTransaction& tx, const ContentDecoder* dec, bool holed, bool cut,
                     uint64_t wire_len, size_t cap, Counters& counters) {
  uint64_t len = wire_len;
  if (dec) {
    const DecodeStatus st = dec->status();
    if (st == DecodeStatus::error || holed) {
      tx.flag(HttpAnomaly::decompression_failed);
      ++counters.decompression_errors;
    } else if (st == DecodeStatus::bomb) {
      tx.flag(HttpAnomaly::decompression_bomb);
      ++counters.decompression_bombs;
      len = dec->output_bytes();  // decoded before the stop: the real size is unknowable
    } else {
      len = dec->output_bytes();
    }
  }
  if (cut || len > cap) {
    tx.flag(HttpAnomaly::body_truncated);
    ++counters.body_truncated;
  }
  return len;
}

}  // namespace mirador

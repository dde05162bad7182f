// Fuzz target: ContentDecoder (gzip, deflate zlib-wrapped or raw, br, identity, unknown) fed in
// chunks whose boundaries come from the input, then reset() and the same bytes decoded again with
// other chunk boundaries, as the sessions' decoder pool reuses decoders.
// Byte 0 picks the encoding, byte 1 seeds the chunk sizes; the rest is the encoded body.
// Checked: what is kept never passes max_output plus one block, and a final status stays final.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "decoders/body/content_decoder.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using mirador::ContentEncoding;
using mirador::DecodeStatus;

constexpr ContentEncoding kEncodings[] = {ContentEncoding::gzip, ContentEncoding::deflate,
                                          ContentEncoding::br, ContentEncoding::identity,
                                          ContentEncoding::unknown};

bool final_status(DecodeStatus s) {
  return s == DecodeStatus::done || s == DecodeStatus::bomb || s == DecodeStatus::error;
}

void decode(mirador::ContentDecoder& dec, const uint8_t* p, size_t len, uint8_t seed,
            const mirador::BodyLimits& limits) {
  mirador::fuzz::SplitRng rng(seed);
  std::string out;
  DecodeStatus last = DecodeStatus::ok;
  size_t at = 0;
  while (at < len) {
    const size_t n = std::min<size_t>(len - at, 1 + rng.next() % 512);
    const DecodeStatus s = dec.feed(p + at, n, out);
    if (final_status(last) && s != last) std::abort();
    last = s;
    at += n;
    // 64 KiB is a generous bound on one output block.
    if (out.size() > limits.max_output + (64u << 10)) std::abort();
  }
  if (dec.output_bytes() < out.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mirador::fuzz::FuzzInput in(data, size);
  const ContentEncoding enc = kEncodings[in.u8() % 5];
  const uint8_t seed = in.u8();
  size_t len = 0;
  const uint8_t* body = in.rest(len);
  mirador::BodyLimits limits;
  limits.max_output = 64u << 10;
  limits.max_ratio = 200;
  limits.max_decoded = 4u << 20;
  mirador::ContentDecoder dec(enc, limits);
  decode(dec, body, len, seed, limits);
  dec.reset(enc, limits);
  decode(dec, body, len, static_cast<uint8_t>(seed + 1), limits);
  return 0;
}

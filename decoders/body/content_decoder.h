// ContentDecoder: streaming Content-Encoding decoding (gzip, x-gzip, deflate — zlib-wrapped or
// raw, as servers send both — and br) with hard caps. Output beyond `max_output` is dropped and
// counted; output/input beyond `max_ratio` marks a decompression bomb and stops decoding, so a
// small hostile body can never expand into memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mirador {

enum class ContentEncoding : uint8_t { identity, gzip, deflate, br, unknown };
// Parses a Content-Encoding value ("gzip", "x-gzip", "deflate", "br", "identity",
// case-insensitive). Several codings ("gzip, br") → unknown (rare in practice; counted by the
// caller).
ContentEncoding parse_content_encoding(std::string_view value);
std::string_view content_encoding_name(ContentEncoding e);

struct BodyLimits {
  size_t max_output = 1u << 20;  // decoded bytes kept per body
  uint32_t max_ratio = 200;      // decoded/encoded above this (after 64 KiB of output) = bomb
  // Hard ceiling on decoded bytes counted (kept or not) per body: past it the body is a bomb too.
  // Bounds the CPU a single body can cost even when its ratio looks benign.
  uint64_t max_decoded = 256ull << 20;
};

// ok and truncated are transient; done, bomb and error are final (later feeds are no-ops that
// only count input). A stream that ends after max_output was reached reports done: compare
// output_bytes() with what was kept to see the truncation.
enum class DecodeStatus : uint8_t {
  ok,         // keep feeding
  done,       // the compressed stream ended (trailing bytes ignored)
  truncated,  // max_output reached: further output is counted, not kept
  bomb,       // ratio or max_decoded cap hit: decoding stopped
  error,      // corrupt stream: decoding stopped
};

class ContentDecoder {
 public:
  ContentDecoder(ContentEncoding enc, const BodyLimits& limits);
  ~ContentDecoder();
  ContentDecoder(const ContentDecoder&) = delete;
  ContentDecoder& operator=(const ContentDecoder&) = delete;

  // Starts a new body, as a fresh decoder would, but keeps the zlib state and window allocated:
  // inflateInit and its allocations cost more than a small body's inflate.
  void reset(ContentEncoding enc, const BodyLimits& limits);

  // Decodes `len` more encoded bytes, appending to `out` while out.size() < max_output. Output is
  // produced in bounded blocks, so memory never exceeds max_output plus one block whatever the
  // input. identity copies; unknown keeps nothing and only counts.
  DecodeStatus feed(const uint8_t* data, size_t len, std::string& out);

  ContentEncoding encoding() const { return enc_; }
  DecodeStatus status() const { return status_; }
  uint64_t input_bytes() const { return in_; }
  uint64_t output_bytes() const { return produced_; }  // including bytes not kept

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ContentEncoding enc_;
  BodyLimits limits_;
  DecodeStatus status_ = DecodeStatus::ok;
  uint64_t in_ = 0;
  uint64_t produced_ = 0;
};

}  // namespace mirador

#include "decoders/body/content_decoder.h"

#include "decoders/ascii.h"

#include <brotli/decode.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace mirador {

namespace {

// Output block: decoders never write more than this at once, which is what keeps a bomb bounded.
constexpr size_t kBlock = 16384;
// The ratio test only starts after this much output: tiny bodies compress very well legitimately.
constexpr uint64_t kRatioFloor = 64 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return ascii_iequals(a, b);
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// RFC 1950: CMF says deflate (CM=8, window <= 32K) and CMF*256+FLG is a multiple of 31.
bool is_zlib_header(uint8_t cmf, uint8_t flg) {
  return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
}

}  // namespace

ContentEncoding parse_content_encoding(std::string_view value) {
  value = trim(value);
  if (value.empty() || iequals(value, "identity")) return ContentEncoding::identity;
  if (iequals(value, "gzip") || iequals(value, "x-gzip")) return ContentEncoding::gzip;
  if (iequals(value, "deflate")) return ContentEncoding::deflate;
  if (iequals(value, "br")) return ContentEncoding::br;
  return ContentEncoding::unknown;
}

std::string_view content_encoding_name(ContentEncoding e) {
  switch (e) {
    case ContentEncoding::identity:
      return "identity";
    case ContentEncoding::gzip:
      return "gzip";
    case ContentEncoding::deflate:
      return "deflate";
    case ContentEncoding::br:
      return "br";
    case ContentEncoding::unknown:
      break;
  }
  return "unknown";
}

struct ContentDecoder::Impl {
  z_stream zs{};
  int z_bits = 0;        // window bits zs was initialised with; 0 = no zlib state yet
  bool z_ready = false;  // zs is set up for the current body
  BrotliDecoderState* br = nullptr;
  // deflate: the first two bytes decide zlib-wrapped or raw; a 1-byte first feed waits here.
  uint8_t head[2] = {0, 0};
  size_t head_len = 0;
  std::array<uint8_t, kBlock> block;

  ~Impl() {
    if (z_bits != 0) inflateEnd(&zs);
    if (br) BrotliDecoderDestroyInstance(br);
  }

  // Same state as a fresh inflateInit2(bits); an existing state is reset, not reallocated.
  bool z_start(int bits) {
    if (z_bits != 0) {
      if (inflateReset2(&zs, bits) == Z_OK) {
        z_bits = bits;
        return true;
      }
      inflateEnd(&zs);
      z_bits = 0;
    }
    zs = z_stream{};
    if (inflateInit2(&zs, bits) != Z_OK) return false;
    z_bits = bits;
    return true;
  }
};

// for_overwrite: the output block needs no zeroing (it showed as memset in profiles).
ContentDecoder::ContentDecoder(ContentEncoding enc, const BodyLimits& limits)
    : impl_(std::make_unique_for_overwrite<Impl>()) {
  reset(enc, limits);
}

void ContentDecoder::reset(ContentEncoding enc, const BodyLimits& limits) {
  enc_ = enc;
  limits_ = limits;
  status_ = DecodeStatus::ok;
  in_ = 0;
  produced_ = 0;
  Impl& im = *impl_;
  im.z_ready = false;
  im.head_len = 0;
  if (im.br) {
    BrotliDecoderDestroyInstance(im.br);  // brotli has no reset
    im.br = nullptr;
  }
  if (enc_ == ContentEncoding::gzip) {
    // 16 + 15: gzip wrapper only, largest window.
    im.z_ready = im.z_start(16 + 15);
    if (!im.z_ready) status_ = DecodeStatus::error;
  } else if (enc_ == ContentEncoding::br) {
    im.br = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    if (!im.br) status_ = DecodeStatus::error;
  }
}

ContentDecoder::~ContentDecoder() = default;

DecodeStatus ContentDecoder::feed(const uint8_t* data, size_t len, std::string& out) {
  const uint64_t base = in_;  // encoded bytes consumed before this call
  in_ += len;
  if (status_ == DecodeStatus::done || status_ == DecodeStatus::bomb ||
      status_ == DecodeStatus::error)
    return status_;

  // Keeps what fits under max_output, counts everything, and applies the bomb tests.
  // `consumed` is the encoded input used so far (the ratio's denominator).
  auto emit = [&](const uint8_t* p, size_t n, uint64_t consumed) {
    produced_ += n;
    if (n > 0) {
      size_t keep =
          out.size() < limits_.max_output ? std::min(n, limits_.max_output - out.size()) : 0;
      out.append(reinterpret_cast<const char*>(p), keep);
      if (keep < n) status_ = DecodeStatus::truncated;
    }
    if (produced_ > limits_.max_decoded ||
        (enc_ != ContentEncoding::identity && produced_ > kRatioFloor &&
         produced_ > uint64_t{limits_.max_ratio} * consumed))
      status_ = DecodeStatus::bomb;
  };

  // Inflates [p, p+n) in kBlock-sized output steps; `at` = input consumed before p.
  auto inflate_some = [&](const uint8_t* p, size_t n, uint64_t at) {
    z_stream& zs = impl_->zs;
    zs.next_in = const_cast<Bytef*>(p);
    zs.avail_in = 0;
    size_t left = n;  // zlib's avail_in is 32-bit: huge inputs go in slices
    while (true) {
      if (zs.avail_in == 0 && left > 0) {
        uInt slice = static_cast<uInt>(std::min<size_t>(left, 1u << 30));
        zs.avail_in = slice;
        left -= slice;
      }
      zs.next_out = impl_->block.data();
      zs.avail_out = kBlock;
      int rc = inflate(&zs, Z_NO_FLUSH);
      emit(impl_->block.data(), kBlock - zs.avail_out, at + (n - left - zs.avail_in));
      if (status_ == DecodeStatus::bomb) return;
      if (rc == Z_STREAM_END) {
        status_ = DecodeStatus::done;
        return;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        status_ = DecodeStatus::error;
        return;
      }
      // Output space left over means zlib wants more input.
      if (zs.avail_in == 0 && left == 0 && (zs.avail_out != 0 || rc == Z_BUF_ERROR)) return;
    }
  };

  switch (enc_) {
    case ContentEncoding::identity:
      emit(data, len, in_);
      return status_;
    case ContentEncoding::unknown:
      produced_ += len;  // nothing can be decoded: count the wire bytes, keep none
      return status_;
    case ContentEncoding::deflate:
      if (!impl_->z_ready) {
        uint64_t at = base;
        while (impl_->head_len < 2 && len > 0) {
          impl_->head[impl_->head_len++] = *data++;
          --len;
        }
        if (impl_->head_len < 2) return status_;
        // Servers send both zlib-wrapped (RFC 9110) and raw deflate; the header tells which.
        int bits = is_zlib_header(impl_->head[0], impl_->head[1]) ? 15 : -15;
        if (!impl_->z_start(bits)) return status_ = DecodeStatus::error;
        impl_->z_ready = true;
        at = in_ - len - 2;
        inflate_some(impl_->head, 2, at);
        if (status_ == DecodeStatus::done || status_ == DecodeStatus::bomb ||
            status_ == DecodeStatus::error || len == 0)
          return status_;
        inflate_some(data, len, at + 2);
        return status_;
      }
      inflate_some(data, len, base);
      return status_;
    case ContentEncoding::gzip:
      inflate_some(data, len, base);
      return status_;
    case ContentEncoding::br: {
      const uint8_t* next_in = data;
      size_t avail_in = len;
      while (true) {
        uint8_t* next_out = impl_->block.data();
        size_t avail_out = kBlock;
        BrotliDecoderResult rc = BrotliDecoderDecompressStream(impl_->br, &avail_in, &next_in,
                                                               &avail_out, &next_out, nullptr);
        emit(impl_->block.data(), kBlock - avail_out, base + (len - avail_in));
        if (status_ == DecodeStatus::bomb) return status_;
        if (rc == BROTLI_DECODER_RESULT_SUCCESS) return status_ = DecodeStatus::done;
        if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) return status_;
        if (rc != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) return status_ = DecodeStatus::error;
      }
    }
  }
  return status_;
}

}  // namespace mirador

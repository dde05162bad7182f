#include "decoders/http2/hpack_decoder.h"

#include <nghttp2/nghttp2.h>

#include <new>

namespace mirador {

namespace {

// The leading dynamic table size updates of a block (RFC 7541 §4.2: only there), largest value.
// Returns false when none; a truncated or overflowing integer stops the scan (nghttp2 then
// reports the block as broken).
bool largest_size_update(const uint8_t* p, size_t len, uint64_t& out) {
  bool any = false;
  size_t i = 0;
  while (i < len && (p[i] & 0xe0) == 0x20) {
    uint64_t v = p[i] & 0x1f;
    ++i;
    if (v == 0x1f) {
      unsigned shift = 0;
      bool done = false;
      while (i < len && shift <= 28) {
        uint8_t b = p[i++];
        v += uint64_t{b & 0x7fu} << shift;
        shift += 7;
        if ((b & 0x80) == 0) {
          done = true;
          break;
        }
      }
      if (!done) return any;
    }
    if (!any || v > out) out = v;
    any = true;
  }
  return any;
}

}  // namespace

HpackDecoder::HpackDecoder(uint32_t max_table) : max_table_(max_table) {
  make();
}

HpackDecoder::~HpackDecoder() {
  if (inf_) nghttp2_hd_inflate_del(inf_);
}

void HpackDecoder::make() {
  if (nghttp2_hd_inflate_new2(&inf_, nullptr) != 0) throw std::bad_alloc();
  // Let the peer's encoder grow its table up to our cap whatever its SETTINGS said: a larger
  // table on our side only keeps older entries the encoder no longer references.
  nghttp2_hd_inflate_change_table_size(inf_, max_table_);
}

void HpackDecoder::reset() {
  if (inf_) nghttp2_hd_inflate_del(inf_);
  inf_ = nullptr;
  make();
  known_ = false;
}

HpackResult HpackDecoder::decode(const uint8_t* block, size_t len, uint32_t acked_limit,
                                 size_t max_list, uint32_t max_fields, HpackFieldSink& sink) {
  HpackResult r;
  uint64_t update = 0;
  if (largest_size_update(block, len, update) && update > acked_limit) r.size_update_over = true;
  size_t list = 0;
  uint32_t fields = 0;
  const uint8_t* in = block;
  size_t left = len;
  for (;;) {
    nghttp2_nv nv;
    int flags = 0;
    ssize_t rv = nghttp2_hd_inflate_hd2(inf_, &nv, &flags, in, left, 1);
    if (rv < 0) {
      r.state_unknown = !known_;
      reset();
      return r;
    }
    in += rv;
    left -= static_cast<size_t>(rv);
    if (flags & NGHTTP2_HD_INFLATE_EMIT) {
      list += nv.namelen + nv.valuelen + 32;
      if (list > max_list) {
        r.list_too_large = true;
      } else if (fields >= max_fields) {
        r.too_many = true;
      } else {
        ++fields;
        sink.on_field(std::string_view(reinterpret_cast<const char*>(nv.name), nv.namelen),
                      std::string_view(reinterpret_cast<const char*>(nv.value), nv.valuelen));
      }
    }
    if (flags & NGHTTP2_HD_INFLATE_FINAL) {
      nghttp2_hd_inflate_end_headers(inf_);
      r.ok = true;
      return r;
    }
    if ((flags & NGHTTP2_HD_INFLATE_EMIT) == 0 && left == 0) {
      // All input consumed without FINAL: cannot happen with in_final set; treat as broken.
      r.state_unknown = !known_;
      reset();
      return r;
    }
  }
}

}  // namespace mirador

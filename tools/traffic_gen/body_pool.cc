#include "tools/traffic_gen/body_pool.h"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>

#include "tools/traffic_gen/fake_data.h"

namespace mirador::gen {
namespace {

constexpr int kMaxListRecords = 45;

}  // namespace

std::string gzip_compress(const std::string& in) {
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper; the header's mtime stays 0, so output is
  // deterministic.
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  return out;
}

GzipCompressor::GzipCompressor() : stream_(new z_stream{}) {
  if (deflateInit2(static_cast<z_stream*>(stream_), 6, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    delete static_cast<z_stream*>(stream_);
    throw std::runtime_error("deflateInit2 failed");
  }
}

GzipCompressor::~GzipCompressor() {
  deflateEnd(static_cast<z_stream*>(stream_));
  delete static_cast<z_stream*>(stream_);
}

void GzipCompressor::compress(const std::string& in, std::string& out) {
  z_stream& zs = *static_cast<z_stream*>(stream_);
  deflateReset(&zs);  // same output as a fresh stream: deterministic
  out.resize(deflateBound(&zs, static_cast<uLong>(in.size())));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
}

BodyPool::BodyPool(uint64_t seed, int variants, int64_t start_time) {
  Rng rng(derive_seed(seed, 0x900d));
  for (int i = 0; i < 64; ++i) {
    tokens_.push_back(
        make_jwt(rng, rng.range(1000, 999999), start_time - int64_t(rng.below(1800)), 86400));
  }
  for (size_t k = 0; k < bodies_.size(); ++k) {
    const auto kind = static_cast<BodyKind>(k);
    const bool list = kind == BodyKind::kUserList || kind == BodyKind::kOrderList;
    const int n = list ? variants * 2 : variants;
    for (int i = 0; i < n; ++i) {
      Body b;
      b.id = rng.range(1000, 999999);
      b.page = static_cast<int>(rng.range(1, 40));
      // Page sizes skew small (most API pages are short) but reach ~25 KiB. A page stays within
      // its limit=50 and under 200 personal values (4 per user or order: names, e-mail,
      // street), the abuse detectors' bulk-exposure threshold: benign pages never trip it.
      const int records = 1 + static_cast<int>(rng.below(rng.below(list ? 120 : 1) + 1));
      switch (kind) {
        case BodyKind::kUser:
          append_user_json(b.plain, rng, b.id);
          break;
        case BodyKind::kUserList:
          append_user_list_json(b.plain, rng, b.id, std::min(kMaxListRecords, records));
          break;
        case BodyKind::kOrder:
          append_order_json(b.plain, rng, b.id);
          break;
        case BodyKind::kOrderList:
          append_order_list_json(b.plain, rng, b.id, std::min(kMaxListRecords, records / 2 + 1),
                                 b.page);
          break;
        case BodyKind::kLoginRequest:
          append_login_request_json(b.plain, rng);
          break;
        case BodyKind::kLoginOk:
          append_login_response_json(b.plain, tokens_[i % 64]);
          break;
        case BodyKind::kUserUpdate:
          append_user_update_json(b.plain, rng);
          break;
        case BodyKind::kOrderCreate:
          append_order_create_json(b.plain, rng);
          break;
        case BodyKind::kError401:
          append_error_json(b.plain, 401, rng);
          break;
        case BodyKind::kError404:
          append_error_json(b.plain, 404, rng);
          break;
        case BodyKind::kError500:
          append_error_json(b.plain, 500, rng);
          break;
        case BodyKind::kCount:
          break;
      }
      b.gzip = gzip_compress(b.plain);
      bodies_[k].push_back(std::move(b));
    }
  }
}

const Body& BodyPool::pick(BodyKind kind, Rng& rng) const {
  const auto& v = bodies_[static_cast<size_t>(kind)];
  return v[rng.below(v.size())];
}

}  // namespace mirador::gen

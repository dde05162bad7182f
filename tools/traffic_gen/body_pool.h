// A pool of pre-built HTTP bodies, each kept both plain and gzip-compressed.
//
// Building JSON and running zlib per transaction would dominate the generator's run time; a pool
// built once from the seed keeps output varied and deterministic while the hot loop only copies
// bytes.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/traffic_gen/rng.h"

namespace mirador::gen {

enum class BodyKind : uint8_t {
  kUser,          // one user record (GET/PUT /api/v1/users/{id})
  kUserList,      // page of users (GET /api/v1/users?page=N&limit=50)
  kOrder,         // one order (POST /api/v1/orders → 201)
  kOrderList,     // page of orders (GET /api/v1/orders?page=N&limit=50)
  kLoginRequest,  // POST /api/v1/login request
  kLoginOk,       // 200 response to a login: a JWT
  kUserUpdate,    // PUT /api/v1/users/{id} request
  kOrderCreate,   // POST /api/v1/orders request
  kError401,
  kError404,
  kError500,
  kCount
};

struct Body {
  std::string plain;
  std::string gzip;  // gzip member (RFC 1952) of `plain`, for Content-Encoding: gzip
  uint64_t id = 0;   // resource id inside the document, so request paths can match it
  int page = 0;      // page number of list documents
};

class BodyPool {
 public:
  // `variants` bodies per kind; lists get twice as many so their sizes spread well. Tokens are
  // issued in the half hour before `start_time` and valid for a day: benign traffic presents
  // no expired token (the sensor reports expired tokens that are accepted).
  BodyPool(uint64_t seed, int variants, int64_t start_time);

  const Body& pick(BodyKind kind, Rng& rng) const;
  // A token that appears in the pool's login responses. Requests carry their identity's own
  // token (identities.h); these remain for tests of the pool.
  const std::string& token(uint64_t index) const { return tokens_[index % tokens_.size()]; }

 private:
  std::array<std::vector<Body>, static_cast<size_t>(BodyKind::kCount)> bodies_;
  std::vector<std::string> tokens_;
};

// gzip-compresses `in` with zlib (level 6, the gzip default). Throws std::runtime_error on a
// zlib failure, which only happens when memory is exhausted.
std::string gzip_compress(const std::string& in);

// The same for bodies made per request: one deflate state (~270 KiB) kept and reset, instead
// of allocating and freeing it (an mmap and munmap) for every body.
class GzipCompressor {
 public:
  GzipCompressor();
  ~GzipCompressor();
  GzipCompressor(const GzipCompressor&) = delete;
  GzipCompressor& operator=(const GzipCompressor&) = delete;
  void compress(const std::string& in, std::string& out);

 private:
  void* stream_;  // z_stream, kept out of this header
};

}  // namespace mirador::gen

// Builds the bytes of HTTP/1.1 REST API requests and their responses.
//
// One call appends a matching request/response pair, so a connection can batch (pipeline)
// several requests and send all responses afterwards in the same order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tools/traffic_gen/body_pool.h"
#include "tools/traffic_gen/rng.h"

namespace mirador::gen {

enum class Method : uint8_t { kGet, kPost, kPut, kDelete, kCount };
std::string_view method_name(Method m);

// Per-connection identity of the client, fixed for the connection's lifetime.
struct ClientContext {
  std::string host;             // Host header
  std::string_view user_agent;  // one of a few real-world User-Agent strings
  const std::string* token = nullptr;
  std::string cookie;  // Cookie header value
};

struct HttpMix {
  double chunked_ratio = 0;  // fraction of responses with a body sent chunked
  double gzip_ratio = 0;     // fraction of responses with a body sent gzip-encoded
};

struct ExchangeInfo {
  Method method = Method::kGet;
  int status = 0;
  bool chunked = false;
  bool gzip = false;
};

class HttpBuilder {
 public:
  HttpBuilder(const BodyPool& pool, HttpMix mix) : pool_(pool), mix_(mix) {}

  // Appends one request to `request` and its response to `response`. `unix_seconds` feeds the
  // Date header.
  ExchangeInfo append_exchange(std::string& request, std::string& response, Rng& rng,
                               const ClientContext& ctx, int64_t unix_seconds);

  static std::string_view pick_user_agent(uint64_t index);

 private:
  void append_response(std::string& out, Rng& rng, int status, const Body* body,
                       std::string_view location, ExchangeInfo& info, int64_t unix_seconds);
  void append_date(std::string& out, int64_t unix_seconds);

  const BodyPool& pool_;
  HttpMix mix_;
  int64_t date_second_ = -1;  // Date header cache: formatting once per second is enough
  std::string date_;
};

}  // namespace mirador::gen

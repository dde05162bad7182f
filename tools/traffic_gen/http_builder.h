// Builds the bytes of HTTP/1.1 REST API requests and their responses.
//
// One call appends a matching request/response pair, so a connection can batch (pipeline)
// several requests and send all responses afterwards in the same order.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "tools/traffic_gen/body_pool.h"
#include "tools/traffic_gen/identities.h"
#include "tools/traffic_gen/rng.h"
#include "tools/traffic_gen/scenario.h"

namespace mirador::gen {

enum class Method : uint8_t { kGet, kPost, kPut, kDelete, kCount };
std::string_view method_name(Method m);

// Per-connection identity of the client (one of Identities), fixed for the connection's
// lifetime; a scenario connection also carries its script position.
struct ClientContext {
  std::string host;             // Host header
  std::string_view user_agent;  // one of a few real-world User-Agent strings
  std::string token;            // Bearer JWT; empty: no Authorization header
  std::string cookie;           // Cookie header value; empty: no Cookie header
  uint64_t user_id = 0;         // the identity's own user record
  std::array<uint64_t, Identities::kFriends> friends{};  // user ids it also reads
  std::string login_name, password;
  // Scenario script (scenario.h): kNone is benign traffic. `step` numbers the scenario's
  // requests across its connections and advances with each exchange.
  ScenarioKind scenario = ScenarioKind::kNone;
  uint64_t step = 0;
  uint64_t scrape_first_id = 0;
  std::string victim_login;  // brute_force: the account tried
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
  // Date header. A scenario context gets its script's next request (and its step advances).
  ExchangeInfo append_exchange(std::string& request, std::string& response, Rng& rng,
                               ClientContext& ctx, int64_t unix_seconds);

  static std::string_view pick_user_agent(uint64_t index);

 private:
  void append_response(std::string& out, Rng& rng, int status, const Body* body,
                       std::string_view location, ExchangeInfo& info, int64_t unix_seconds);
  void append_date(std::string& out, int64_t unix_seconds);
  ExchangeInfo append_scenario_exchange(std::string& request, std::string& response, Rng& rng,
                                        ClientContext& ctx, int64_t unix_seconds);
  // Bodies made for one exchange (a given user's record, a login's token, a bulk page) in
  // scratch_, gzip-compressed only when the response is sent gzip.
  const Body* scratch_user(uint64_t id);
  const Body* scratch_user_list(uint64_t first_id, int count);
  const Body* scratch_login_ok(const std::string& token);

  const BodyPool& pool_;
  HttpMix mix_;
  int64_t date_second_ = -1;  // Date header cache: formatting once per second is enough
  std::string date_;
  Body scratch_;
  GzipCompressor gzip_;
  std::string scratch_request_;  // login request bodies made for one identity
};

}  // namespace mirador::gen

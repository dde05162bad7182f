#include "tools/traffic_gen/http_builder.h"

#include <charconv>
#include <cstdio>
#include <ctime>

#include "tools/traffic_gen/fake_data.h"

namespace mirador::gen {
namespace {

constexpr std::string_view kUserAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "okhttp/4.12.0",
    "python-requests/2.31.0",
    "axios/1.6.8",
    "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UD1A.230803.041)",
    "ShopApp/5.3.1 (iPhone; iOS 17.4; Scale/3.00)",
};

std::string_view reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    default:
      return "Internal Server Error";
  }
}

void append_num(std::string& out, uint64_t v, int base = 10) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v, base);
  out.append(buf, res.ptr);
}

// Request line + common headers; `body` may be null.
void append_request(std::string& out, Rng& rng, std::string_view method, std::string_view path,
                    const ClientContext& ctx, bool authorized, const std::string* body) {
  out.append(method);
  out.push_back(' ');
  out.append(path);
  out.append(" HTTP/1.1\r\nHost: ");
  out.append(ctx.host);
  out.append("\r\nUser-Agent: ");
  out.append(ctx.user_agent);
  out.append("\r\nAccept: application/json\r\nAccept-Encoding: gzip, deflate, br\r\n");
  if (authorized && !ctx.token.empty()) {
    out.append("Authorization: Bearer ");
    out.append(ctx.token);
    out.append("\r\n");
  }
  if (!ctx.cookie.empty()) {
    out.append("Cookie: ");
    out.append(ctx.cookie);
    out.append("\r\n");
  }
  out.append("X-Request-Id: ");
  append_hex(out, rng, 8);
  out.append("\r\nConnection: keep-alive\r\n");
  if (body) {
    out.append("Content-Type: application/json\r\nContent-Length: ");
    append_num(out, body->size());
    out.append("\r\n\r\n");
    out.append(*body);
  } else {
    out.append("\r\n");
  }
}

}  // namespace

std::string_view method_name(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kDelete:
      return "DELETE";
    case Method::kCount:
      break;
  }
  return "?";
}

std::string_view HttpBuilder::pick_user_agent(uint64_t index) {
  return kUserAgents[index % std::size(kUserAgents)];
}

const Body* HttpBuilder::scratch_user(uint64_t id) {
  scratch_.plain.clear();
  scratch_.gzip.clear();
  scratch_.id = id;
  // Seeded by the id: a user's record reads the same every time it is fetched.
  Rng rng(derive_seed(id, 0x05e7));
  append_user_json(scratch_.plain, rng, id);
  return &scratch_;
}

const Body* HttpBuilder::scratch_user_list(uint64_t first_id, int count) {
  scratch_.plain.clear();
  scratch_.gzip.clear();
  scratch_.id = first_id;
  Rng rng(derive_seed(first_id, 0x1157));
  append_user_list_json(scratch_.plain, rng, first_id, count);
  return &scratch_;
}

const Body* HttpBuilder::scratch_login_ok(const std::string& token) {
  scratch_.plain.clear();
  scratch_.gzip.clear();
  append_login_response_json(scratch_.plain, token);
  return &scratch_;
}

ExchangeInfo HttpBuilder::append_exchange(std::string& request, std::string& response, Rng& rng,
                                          ClientContext& ctx, int64_t unix_seconds) {
  if (ctx.scenario != ScenarioKind::kNone) {
    return append_scenario_exchange(request, response, rng, ctx, unix_seconds);
  }
  ExchangeInfo info;
  char path[96];
  char location[64] = "";
  const Body* resp_body = nullptr;
  int status = 200;
  const uint64_t r = rng.below(100);
  const uint64_t outcome = rng.below(100);

  if (r < 25) {  // GET one user: mostly the caller's own record, sometimes a friend's
    const uint64_t id = rng.below(100) < 85 ? ctx.user_id : ctx.friends[rng.below(4)];
    std::snprintf(path, sizeof path, "/api/v1/users/%llu", static_cast<unsigned long long>(id));
    info.method = Method::kGet;
    append_request(request, rng, "GET", path, ctx, true, nullptr);
    status = outcome < 92 ? 200 : outcome < 95 ? 404 : outcome < 98 ? 401 : 500;
    if (status == 200) resp_body = scratch_user(id);
  } else if (r < 35) {  // GET a page of users
    const Body& list = pool_.pick(BodyKind::kUserList, rng);
    std::snprintf(path, sizeof path, "/api/v1/users?page=%d&limit=50", list.page);
    info.method = Method::kGet;
    append_request(request, rng, "GET", path, ctx, true, nullptr);
    status = outcome < 95 ? 200 : outcome < 98 ? 401 : 500;
    if (status == 200) resp_body = &list;
  } else if (r < 60) {  // GET a page of orders
    const Body& list = pool_.pick(BodyKind::kOrderList, rng);
    std::snprintf(path, sizeof path, "/api/v1/orders?page=%d&limit=50", list.page);
    info.method = Method::kGet;
    append_request(request, rng, "GET", path, ctx, true, nullptr);
    status = outcome < 96 ? 200 : outcome < 98 ? 401 : 500;
    if (status == 200) resp_body = &list;
  } else if (r < 72) {  // login with the identity's account; a failure is a mistyped password
    info.method = Method::kPost;
    status = outcome < 95 ? 200 : outcome < 99 ? 401 : 500;
    scratch_request_.clear();
    const std::string typo = ctx.password + (status == 401 ? "1" : "");
    append_login_request_json(scratch_request_, ctx.login_name, typo, rng.chance(0.5));
    append_request(request, rng, "POST", "/api/v1/login", ctx, false, &scratch_request_);
    if (status == 200) resp_body = scratch_login_ok(ctx.token);
  } else if (r < 82) {  // create an order
    info.method = Method::kPost;
    append_request(request, rng, "POST", "/api/v1/orders", ctx, true,
                   &pool_.pick(BodyKind::kOrderCreate, rng).plain);
    status = outcome < 95 ? 201 : outcome < 98 ? 401 : 500;
    if (status == 201) {
      resp_body = &pool_.pick(BodyKind::kOrder, rng);
      std::snprintf(location, sizeof location, "/api/v1/orders/%llu",
                    static_cast<unsigned long long>(resp_body->id));
    }
  } else if (r < 92) {  // update the caller's own user record
    std::snprintf(path, sizeof path, "/api/v1/users/%llu",
                  static_cast<unsigned long long>(ctx.user_id));
    info.method = Method::kPut;
    append_request(request, rng, "PUT", path, ctx, true,
                   &pool_.pick(BodyKind::kUserUpdate, rng).plain);
    status = outcome < 93 ? 200 : outcome < 96 ? 404 : 500;
    if (status == 200) resp_body = scratch_user(ctx.user_id);
  } else {  // delete an order
    std::snprintf(path, sizeof path, "/api/v1/orders/%llu",
                  static_cast<unsigned long long>(rng.range(1000, 999999)));
    info.method = Method::kDelete;
    append_request(request, rng, "DELETE", path, ctx, true, nullptr);
    status = outcome < 85 ? 204 : outcome < 97 ? 404 : 500;
  }
  if (status == 401) resp_body = &pool_.pick(BodyKind::kError401, rng);
  if (status == 404) resp_body = &pool_.pick(BodyKind::kError404, rng);
  if (status == 500) resp_body = &pool_.pick(BodyKind::kError500, rng);

  append_response(response, rng, status, resp_body, location, info, unix_seconds);
  return info;
}

ExchangeInfo HttpBuilder::append_scenario_exchange(std::string& request, std::string& response,
                                                   Rng& rng, ClientContext& ctx,
                                                   int64_t unix_seconds) {
  ExchangeInfo info;
  char path[96];
  const Body* resp_body = nullptr;
  int status = 200;
  const uint64_t step = ctx.step++;
  switch (ctx.scenario) {
    case ScenarioKind::kScrape: {  // the next id, with the odd miss
      const uint64_t id = ctx.scrape_first_id + step;
      std::snprintf(path, sizeof path, "/api/v1/users/%llu", static_cast<unsigned long long>(id));
      info.method = Method::kGet;
      append_request(request, rng, "GET", path, ctx, true, nullptr);
      status = (step + 1) % kScrapeMissEvery == 0 ? 404 : 200;
      if (status == 200) resp_body = scratch_user(id);
      break;
    }
    case ScenarioKind::kBulkExposure: {  // pages far larger than any benign one
      std::snprintf(path, sizeof path, "/api/v1/users?page=%llu&limit=%d",
                    static_cast<unsigned long long>(step + 1), kBulkRecords);
      info.method = Method::kGet;
      append_request(request, rng, "GET", path, ctx, true, nullptr);
      resp_body = scratch_user_list(ctx.scrape_first_id + step * kBulkRecords, kBulkRecords);
      break;
    }
    case ScenarioKind::kTokenShared: {  // ordinary reads; only the addresses are wrong
      info.method = Method::kGet;
      if (step % 2 == 0) {
        std::snprintf(path, sizeof path, "/api/v1/users/%llu",
                      static_cast<unsigned long long>(ctx.user_id));
        append_request(request, rng, "GET", path, ctx, true, nullptr);
        resp_body = scratch_user(ctx.user_id);
      } else {
        const Body& list = pool_.pick(BodyKind::kOrderList, rng);
        std::snprintf(path, sizeof path, "/api/v1/orders?page=%d&limit=50", list.page);
        append_request(request, rng, "GET", path, ctx, true, nullptr);
        resp_body = &list;
      }
      break;
    }
    case ScenarioKind::kBruteForce: {  // one account, a new password each time, all refused
      info.method = Method::kPost;
      scratch_request_.clear();
      const std::string guess = "Guess" + std::to_string(step) + "!";
      append_login_request_json(scratch_request_, ctx.victim_login, guess, false);
      append_request(request, rng, "POST", "/api/v1/login", ctx, false, &scratch_request_);
      status = 401;
      break;
    }
    case ScenarioKind::kNone:
      break;
  }
  if (status == 401) resp_body = &pool_.pick(BodyKind::kError401, rng);
  if (status == 404) resp_body = &pool_.pick(BodyKind::kError404, rng);
  append_response(response, rng, status, resp_body, "", info, unix_seconds);
  return info;
}

void HttpBuilder::append_date(std::string& out, int64_t unix_seconds) {
  if (unix_seconds != date_second_) {
    date_second_ = unix_seconds;
    const std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    const size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    date_.assign(buf, n);
  }
  out.append(date_);
}

void HttpBuilder::append_response(std::string& out, Rng& rng, int status, const Body* body,
                                  std::string_view location, ExchangeInfo& info,
                                  int64_t unix_seconds) {
  info.status = status;
  out.append("HTTP/1.1 ");
  append_num(out, static_cast<uint64_t>(status));
  out.push_back(' ');
  out.append(reason(status));
  out.append("\r\nDate: ");
  append_date(out, unix_seconds);
  out.append("\r\nServer: nginx/1.22.1\r\n");
  if (status == 401) out.append("WWW-Authenticate: Bearer error=\"invalid_token\"\r\n");
  if (!location.empty()) {
    out.append("Location: ");
    out.append(location);
    out.append("\r\n");
  }
  if (status == 200 && body && body->plain.starts_with("{\"access_token\"")) {
    out.append("Set-Cookie: session=");
    append_hex(out, rng, 16);
    out.append("; Path=/; HttpOnly; Secure; SameSite=Lax\r\n");
  }
  out.append("Cache-Control: no-store\r\nConnection: keep-alive\r\n");
  if (!body) {  // 204: no body and no framing headers
    out.append("\r\n");
    return;
  }
  out.append("Content-Type: application/json; charset=utf-8\r\n");
  info.gzip = rng.chance(mix_.gzip_ratio);
  info.chunked = rng.chance(mix_.chunked_ratio);
  if (info.gzip && body == &scratch_ && scratch_.gzip.empty()) {
    gzip_.compress(scratch_.plain, scratch_.gzip);
  }
  const std::string& payload = info.gzip ? body->gzip : body->plain;
  if (info.gzip) out.append("Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n");
  if (!info.chunked) {
    out.append("Content-Length: ");
    append_num(out, payload.size());
    out.append("\r\n\r\n");
    out.append(payload);
    return;
  }
  out.append("Transfer-Encoding: chunked\r\n\r\n");
  // Chunk sizes vary like a server flushing its output buffer at irregular points.
  size_t pos = 0;
  while (pos < payload.size()) {
    const size_t n = std::min<size_t>(payload.size() - pos, rng.range(256, 8192));
    append_num(out, n, 16);
    out.append("\r\n");
    out.append(payload, pos, n);
    out.append("\r\n");
    pos += n;
  }
  out.append("0\r\n\r\n");
}

}  // namespace mirador::gen

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
                    const ClientContext& ctx, bool authorized, const Body* body) {
  out.append(method);
  out.push_back(' ');
  out.append(path);
  out.append(" HTTP/1.1\r\nHost: ");
  out.append(ctx.host);
  out.append("\r\nUser-Agent: ");
  out.append(ctx.user_agent);
  out.append("\r\nAccept: application/json\r\nAccept-Encoding: gzip, deflate, br\r\n");
  if (authorized && ctx.token) {
    out.append("Authorization: Bearer ");
    out.append(*ctx.token);
    out.append("\r\n");
  }
  out.append("Cookie: ");
  out.append(ctx.cookie);
  out.append("\r\nX-Request-Id: ");
  append_hex(out, rng, 8);
  out.append("\r\nConnection: keep-alive\r\n");
  if (body) {
    out.append("Content-Type: application/json\r\nContent-Length: ");
    append_num(out, body->plain.size());
    out.append("\r\n\r\n");
    out.append(body->plain);
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

ExchangeInfo HttpBuilder::append_exchange(std::string& request, std::string& response, Rng& rng,
                                          const ClientContext& ctx, int64_t unix_seconds) {
  ExchangeInfo info;
  char path[96];
  char location[64] = "";
  const Body* resp_body = nullptr;
  int status = 200;
  const uint64_t r = rng.below(100);
  const uint64_t outcome = rng.below(100);

  if (r < 25) {  // GET one user
    const Body& user = pool_.pick(BodyKind::kUser, rng);
    std::snprintf(path, sizeof path, "/api/v1/users/%llu",
                  static_cast<unsigned long long>(user.id));
    info.method = Method::kGet;
    append_request(request, rng, "GET", path, ctx, true, nullptr);
    status = outcome < 85 ? 200 : outcome < 95 ? 404 : outcome < 98 ? 401 : 500;
    if (status == 200) resp_body = &user;
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
  } else if (r < 72) {  // login
    info.method = Method::kPost;
    append_request(request, rng, "POST", "/api/v1/login", ctx, false,
                   &pool_.pick(BodyKind::kLoginRequest, rng));
    status = outcome < 80 ? 200 : outcome < 99 ? 401 : 500;
    if (status == 200) resp_body = &pool_.pick(BodyKind::kLoginOk, rng);
  } else if (r < 82) {  // create an order
    info.method = Method::kPost;
    append_request(request, rng, "POST", "/api/v1/orders", ctx, true,
                   &pool_.pick(BodyKind::kOrderCreate, rng));
    status = outcome < 95 ? 201 : outcome < 98 ? 401 : 500;
    if (status == 201) {
      resp_body = &pool_.pick(BodyKind::kOrder, rng);
      std::snprintf(location, sizeof location, "/api/v1/orders/%llu",
                    static_cast<unsigned long long>(resp_body->id));
    }
  } else if (r < 92) {  // update a user
    const Body& user = pool_.pick(BodyKind::kUser, rng);
    std::snprintf(path, sizeof path, "/api/v1/users/%llu",
                  static_cast<unsigned long long>(user.id));
    info.method = Method::kPut;
    append_request(request, rng, "PUT", path, ctx, true, &pool_.pick(BodyKind::kUserUpdate, rng));
    status = outcome < 90 ? 200 : outcome < 97 ? 404 : 500;
    if (status == 200) resp_body = &user;
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

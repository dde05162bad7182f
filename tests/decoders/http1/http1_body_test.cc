// Content-Encoding through the session, bombs, and robustness against random input.
#include <zlib.h>

#include "tests/decoders/body/compress.h"

#include "tests/decoders/http1/http1_harness.h"

using namespace mirador;
using namespace mirador::test;

namespace {

std::string json_body() {
  std::string s = "[";
  for (int i = 0; i < 200; ++i) s += "{\"id\":" + std::to_string(i) + ",\"email\":\"u@x.io\"},";
  s += "{}]";
  return s;
}

std::string response_with(const std::string& coding, const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Encoding: " + coding +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string chunked(const std::string& body, size_t chunk) {
  std::string out;
  for (size_t i = 0; i < body.size(); i += chunk) {
    std::string part = body.substr(i, chunk);
    char hex[32];
    snprintf(hex, sizeof hex, "%zx", part.size());
    out += std::string(hex) + "\r\n" + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

}  // namespace

TEST_CASE("compressed response bodies are decoded") {
  const std::string plain = json_body();
  struct Case {
    const char* name;
    std::string coding;
    std::string data;
  };
  std::vector<Case> cases = {
      {"gzip", "gzip", zcompress(plain, 16 + 15)},
      {"x-gzip", "x-gzip", zcompress(plain, 16 + 15)},
      {"deflate zlib-wrapped", "deflate", zcompress(plain, 15)},
      {"deflate raw", "deflate", zcompress(plain, -15)},
      {"br", "br", brcompress(plain)},
  };
  for (auto& c : cases) {
    SECTION(c.name) {
      auto r = run_all_splits(
          {req("GET / HTTP/1.1\r\n\r\n"), resp(response_with(c.coding, c.data))}, {}, 600);
      REQUIRE(r.txs.size() == 1);
      CHECK(r.txs[0].response_body == plain);
      CHECK(r.txs[0].response_body_len == plain.size());
      CHECK(r.txs[0].response_body_wire_len == c.data.size());
      CHECK(r.txs[0].anomalies == 0);
    }
  }
}

TEST_CASE("chunked gzip response and gzip request body") {
  const std::string plain = json_body();
  const std::string gz = zcompress(plain, 16 + 15);
  auto r = run_all_splits(
      {req("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: " +
           std::to_string(gz.size()) + "\r\n\r\n" + gz),
       resp("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" +
            chunked(gz, 100))},
      {}, 600);
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].request_body == plain);
  CHECK(r.txs[0].response_body == plain);
  CHECK(r.txs[0].response_body_wire_len == gz.size());
}

TEST_CASE("gzip bomb: flagged, truncated, never expanded") {
  const std::string zeros(50u << 20, '\0');
  const std::string bomb = zcompress(zeros, 16 + 15);
  Http1Limits lim;
  auto r = run_whole(
      {req("GET / HTTP/1.1\r\n\r\n"), resp(response_with("gzip", bomb)), close_conn()}, lim);
  REQUIRE(r.txs.size() == 1);
  const auto& t = r.txs[0];
  CHECK(t.has(HttpAnomaly::decompression_bomb));
  CHECK(t.response_body.size() <= lim.max_body_inspect);
  CHECK(t.response_body_len < (4u << 20));  // stopped early, far from 50 MB
  CHECK(t.response_body_wire_len == bomb.size());
  CHECK(r.counters.decompression_bombs == 1);
  // Fed in segments as a capture would deliver it.
  auto r2 = run({req("GET / HTTP/1.1\r\n\r\n"), resp(response_with("gzip", bomb)), close_conn()},
                [](size_t, size_t n) {
                  std::vector<size_t> c;
                  for (size_t k = 1460; k < n; k += 1460) c.push_back(k);
                  return c;
                });
  REQUIRE(r2.txs.size() == 1);
  CHECK(r2.txs[0].has(HttpAnomaly::decompression_bomb));
  CHECK(r2.txs[0].response_body.size() <= lim.max_body_inspect);
}

TEST_CASE("corrupt gzip: decompression_failed, wire length reported") {
  std::string gz = zcompress(json_body(), 16 + 15);
  for (size_t i = 30; i < 80; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x33);
  auto r =
      run_all_splits({req("GET / HTTP/1.1\r\n\r\n"), resp(response_with("gzip", gz))}, {}, 300);
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].has(HttpAnomaly::decompression_failed));
  CHECK(r.txs[0].response_body_len == gz.size());
  CHECK(r.counters.decompression_errors == 1);
}

TEST_CASE("unknown content coding: kept raw and flagged") {
  auto r = run_all_splits({req("GET / HTTP/1.1\r\n\r\n"), resp(response_with("zstd", "RAWBYTES"))});
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].has(HttpAnomaly::unknown_content_encoding));
  CHECK(r.txs[0].response_body == "RAWBYTES");
  CHECK(r.txs[0].response_body_len == 8);
}

TEST_CASE("decoded body past the inspection cap is counted in full") {
  const std::string plain = json_body();
  Http1Limits lim;
  lim.max_body_inspect = 100;
  auto r = run_all_splits(
      {req("GET / HTTP/1.1\r\n\r\n"), resp(response_with("br", brcompress(plain)))}, lim, 300);
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].response_body == plain.substr(0, 100));
  CHECK(r.txs[0].response_body_len == plain.size());
  CHECK(r.txs[0].has(HttpAnomaly::body_truncated));
}

TEST_CASE("gap inside a compressed body stops decoding") {
  std::string gz = zcompress(json_body(), 16 + 15);
  std::string head =
      "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(gz.size()) +
      "\r\n\r\n";
  auto r = run_all_splits({req("GET / HTTP/1.1\r\n\r\n"), resp(head + gz.substr(0, 50)),
                           gap(Direction::to_client, 20), resp(gz.substr(70))},
                          {}, 300);
  REQUIRE(r.txs.size() == 1);
  CHECK(r.txs[0].has(HttpAnomaly::gap_response));
  CHECK(r.txs[0].has(HttpAnomaly::decompression_failed));
  CHECK(r.txs[0].response_body_wire_len == gz.size());
}

namespace {

const std::vector<std::string> kValidRequests = {
    "GET /a?x=1 HTTP/1.1\r\nHost: h\r\nCookie: a=b\r\n\r\n",
    "POST /p HTTP/1.1\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
    "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: v\r\n\r\n",
    "HEAD / HTTP/1.0\r\n\r\n",
    "CONNECT h:443 HTTP/1.1\r\n\r\n",
    "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n",
    "GET /09\r\n",
};
const std::vector<std::string> kValidResponses = {
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    "HTTP/1.1 100 Continue\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
    "HTTP/1.1 204 No Content\r\n\r\n",
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
    "HTTP/1.0 200 OK\r\n\r\nclose delimited",
    "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n\x1f\x8b\x08\x00",
};

std::string mutate(std::string s, std::mt19937& rng) {
  int n = 1 + static_cast<int>(rng() % 6);
  for (int i = 0; i < n && !s.empty(); ++i) {
    size_t pos = rng() % s.size();
    switch (rng() % 5) {
      case 0:
        s[pos] = static_cast<char>(rng());
        break;
      case 1:
        s.erase(pos, 1 + rng() % 4);
        break;
      case 2:
        s.insert(pos, 1, "\r\n: ;0x\t"[rng() % 8]);
        break;
      case 3:
        s.insert(pos, s.substr(rng() % s.size(), rng() % 16));
        break;
      case 4:
        s.insert(pos, "\r\nContent-Length: 99999999999999999999\r\n");
        break;
    }
  }
  return s;
}

}  // namespace

TEST_CASE("robustness: random bytes and mutated messages in random splits never crash") {
  std::mt19937 rng(20240601);
  Http1Limits lim;
  lim.max_line = 256;
  lim.max_header_bytes = 1024;
  lim.max_headers = 16;
  lim.max_pending = 8;
  lim.max_body_inspect = 512;
  uint64_t total_tx = 0;
  for (int iter = 0; iter < 400; ++iter) {
    std::vector<Step> steps;
    int nsteps = 1 + static_cast<int>(rng() % 10);
    for (int i = 0; i < nsteps; ++i) {
      Direction d = (rng() & 1) ? Direction::to_server : Direction::to_client;
      std::string b;
      switch (rng() % 4) {
        case 0:
          b.resize(rng() % 300);
          for (auto& c : b) c = static_cast<char>(rng());
          break;
        case 1:
        case 2: {
          const auto& pool = d == Direction::to_server ? kValidRequests : kValidResponses;
          b = mutate(pool[rng() % pool.size()], rng);
          break;
        }
        case 3: {
          const auto& pool = d == Direction::to_server ? kValidRequests : kValidResponses;
          b = pool[rng() % pool.size()];
          break;
        }
      }
      int64_t ts = i;
      if (rng() % 8 == 0) {
        steps.push_back(gap(d, rng() % 100));
      } else if (rng() % 16 == 0) {
        steps.push_back(end(d));
      } else {
        Step st = d == Direction::to_server ? req(b, ts) : resp(b, ts);
        steps.push_back(st);
      }
    }
    if (rng() % 2) steps.push_back(close_conn());
    std::mt19937 split_rng(static_cast<uint32_t>(iter));
    Result r = run(
        steps,
        [&](size_t, size_t n) {
          std::vector<size_t> c;
          if (n < 2) return c;
          for (size_t k = 0, m = split_rng() % 6; k < m; ++k)
            c.push_back(1 + split_rng() % (n - 1));
          std::sort(c.begin(), c.end());
          return c;
        },
        lim);
    for (auto& t : r.txs) {
      CHECK(t.request_body.size() <= lim.max_body_inspect);
      CHECK(t.response_body.size() <= lim.max_body_inspect);
      CHECK(t.request_headers.size() <= lim.max_headers + 4u);
    }
    total_tx += r.txs.size();
  }
  CHECK(total_tx > 0);
}

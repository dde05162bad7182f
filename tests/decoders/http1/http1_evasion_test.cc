// Evasion signs the HTTP/1.x decoder lays on a transaction (HttpEvasion): a standard method in
// another case, a disguised Transfer-Encoding, and the TCP/IP signs the worker hands over with
// Http1Session::mark_evasion (on the message that carried the bytes).
#include "tests/decoders/http1/http1_harness.h"

using namespace mirador;
using namespace mirador::test;

namespace {
constexpr auto S = Direction::to_server;
const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

HttpTransaction one(const std::string& request) {
  auto r = run_all_splits({req(request), resp(kOk)});
  REQUIRE(r.txs.size() >= 1);
  return std::move(r.txs[0]);
}

std::string post_with(const std::string& te_lines) {
  return "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n" + te_lines + "\r\n0\r\n\r\n";
}
}  // namespace

TEST_CASE("a standard method in another case is flagged, others are not") {
  CHECK(one("gEt /a HTTP/1.1\r\nHost: h\r\n\r\n").has(HttpEvasion::method_case));
  CHECK(one("get /a HTTP/1.1\r\nHost: h\r\n\r\n").has(HttpEvasion::method_case));
  CHECK(one("Post /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
            .has(HttpEvasion::method_case));
  const HttpTransaction g = one("gEt /a HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(g.method == "gEt");  // recorded as sent
  CHECK_FALSE(one("GET /a HTTP/1.1\r\nHost: h\r\n\r\n").has(HttpEvasion::method_case));
  CHECK_FALSE(one("PROPFIND /a HTTP/1.1\r\nHost: h\r\n\r\n").has(HttpEvasion::method_case));
  CHECK_FALSE(one("mkcol /a HTTP/1.1\r\nHost: h\r\n\r\n").has(HttpEvasion::method_case));
}

TEST_CASE("a disguised Transfer-Encoding is flagged") {
  const char* disguised[] = {
      "Transfer-Encoding: chunked \r\n",                                // trailing space
      "Transfer-Encoding:\tchunked\r\n",                                // tab
      "Transfer-Encoding:  chunked\r\n",                                // two spaces
      "Transfer-Encoding: xchunked\r\n",                                // unknown coding
      "Transfer-Encoding: Chunked\r\n",                                 // case
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",  // repeated
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",   // repeated, same
      "Transfer-Encoding : chunked\r\n",                                // space before colon
      "Transfer-Encoding:\r\n chunked\r\n",                             // folded
  };
  for (const char* te : disguised) {
    CAPTURE(te);
    CHECK(one(post_with(te)).has(HttpEvasion::te_obfuscated));
  }
  for (const char* te : {"Transfer-Encoding: chunked\r\n", "Transfer-Encoding:chunked\r\n",
                         "transfer-encoding: gzip, chunked\r\n"}) {
    CAPTURE(te);
    CHECK_FALSE(one(post_with(te)).has(HttpEvasion::te_obfuscated));
  }
  // "Transfer-Encoding : chunked" is not a header (RFC 9112 §5.1): Content-Length frames the body.
  const HttpTransaction t = one(post_with("Transfer-Encoding : chunked\r\n"));
  CHECK(t.request_body == "0\r\n\r\n");
  CHECK_FALSE(t.has(HttpAnomaly::cl_and_te));
  // A trailer named Transfer-Encoding is not framing.
  const HttpTransaction tr =
      one("POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
          "0\r\nTransfer-Encoding:  x\r\n\r\n");
  CHECK_FALSE(tr.has(HttpEvasion::te_obfuscated));
}

TEST_CASE("mark_evasion lays the sign on the message that carried the bytes") {
  Http1Counters c;
  std::vector<HttpTransaction> txs;
  Http1Session s({}, c, [&](HttpTransaction&& t) { txs.push_back(std::move(t)); });
  auto feed = [&](Direction d, const std::string& b) {
    s.on_data(d, reinterpret_cast<const uint8_t*>(b.data()), b.size(), 0);
  };
  const auto tcp = static_cast<uint32_t>(HttpEvasion::tcp_overlap_conflict);
  const auto ip = static_cast<uint32_t>(HttpEvasion::ip_fragment_overlap);
  // Before any byte, bytes still ahead: the first request.
  s.mark_evasion(S, ip, true);
  feed(S, "GET /1 HTTP/1.1\r\nHo");
  // Request 1's head is in progress: request 1.
  s.mark_evasion(S, tcp, false);
  feed(S, "st: h\r\n\r\n");
  // Request 1 complete and unanswered, the bytes delivered: request 1 again.
  s.mark_evasion(S, tcp, false);
  feed(S, "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
  // Request 2 complete, bytes still ahead (held out of order): the next request, 3.
  s.mark_evasion(S, ip, true);
  feed(Direction::to_client, kOk + kOk);
  feed(S, "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
  feed(Direction::to_client, kOk);
  REQUIRE(txs.size() == 3);
  CHECK(txs[0].evasions == (tcp | ip));
  CHECK(txs[1].evasions == 0);
  CHECK(txs[2].evasions == ip);
}

TEST_CASE("evasion names are stable") {
  CHECK(http_evasion_name(HttpEvasion::tcp_overlap_conflict) == "tcp_overlap_conflict");
  CHECK(http_evasion_name(HttpEvasion::ip_fragment_overlap) == "ip_fragment_overlap");
  CHECK(http_evasion_name(HttpEvasion::method_case) == "method_case");
  CHECK(http_evasion_name(HttpEvasion::te_obfuscated) == "te_obfuscated");
}

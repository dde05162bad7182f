// Bad input: garbage, oversize records, truncated and corrupted handshakes, a handshake message
// over the cap, gaps. Always counted, never a crash, never unbounded buffering.
#include <catch2/catch.hpp>

#include <random>

#include "decoders/tls/tls_handshake.h"
#include "tls_capture.h"
#include "tls_hello_builder.h"

using namespace mirador;
using namespace mirador::tls;
using namespace mirador::tls::test;

namespace {

Run feed(const std::vector<std::pair<Direction, std::string>>& parts, TlsLimits limits = {}) {
  std::vector<Segment> segs;
  for (const auto& [d, s] : parts) segs.push_back({d, s, 0});
  return run_session(segs, nullptr, 0, limits);
}

}  // namespace

TEST_CASE("tls bad input: garbage is malformed and the direction is dropped") {
  Run r = feed({{Direction::to_server, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"},
                {Direction::to_server, std::string(100000, 'A')}});
  CHECK(r.counters.malformed == 1);
  CHECK(r.counters.records == 0);
  CHECK(!r.info.client_hello);
  CHECK(r.handshakes == 1);  // on_close reports what is known
}

TEST_CASE("tls bad input: oversize and unknown records") {
  CHECK(feed({{Direction::to_client, std::string("\x17\x03\x03\xff\xff", 5)}}).counters.malformed ==
        1);
  CHECK(
      feed({{Direction::to_client, std::string("\x19\x03\x03\x00\x01x", 6)}}).counters.malformed ==
      1);
  CHECK(
      feed({{Direction::to_client, std::string("\x17\x04\x03\x00\x01x", 6)}}).counters.malformed ==
      1);
  // The largest legal record is accepted (2^14 + 2048).
  std::string big("\x17\x03\x03\x48\x00", 5);
  big += std::string(0x4800, 'x');
  Run ok = feed({{Direction::to_client, big}});
  CHECK(ok.counters.malformed == 0);
  CHECK(ok.counters.application_bytes == 0x4800);
}

TEST_CASE("tls bad input: truncated ClientHello, at every length") {
  HelloSpec h;
  h.extensions = {{0, sni_ext("example.test")}, {16, alpn_ext({"h2"})}};
  std::string body = client_hello_body(h);
  for (size_t n = 0; n < body.size(); ++n) {
    TlsInfo t;
    ClientHelloExtra extra;
    // Cut inside a length-prefixed field: rejected; cut exactly before the extensions: accepted.
    bool ok = parse_client_hello(reinterpret_cast<const uint8_t*>(body.data()), n, t, extra);
    CHECK(ok == (n == 2 + 32 + 1 + 2 + 4 + 2));
    CHECK(t.client_hello == ok);
  }
  // A record that promises more than arrives, then the connection ends.
  std::string rec = handshake_record(1, body);
  Run r = feed({{Direction::to_server, rec.substr(0, rec.size() / 2)}});
  CHECK(!r.info.client_hello);
  CHECK(r.counters.malformed == 0);
}

TEST_CASE("tls bad input: a handshake message that lies about its length") {
  HelloSpec h;
  h.extensions = {{0, sni_ext("example.test")}};
  std::string body = client_hello_body(h);
  std::string bad = body;
  bad[bad.size() - 1 - 12 - 2 - 1] = '\x7f';  // the SNI list length (low byte)
  Run r = feed({{Direction::to_server, handshake_record(1, bad)}});
  CHECK(!r.info.client_hello);
  CHECK(r.counters.malformed == 1);
}

TEST_CASE("tls bad input: every byte of a real first flight corrupted") {
  auto segs = read_segments("tls12_ecdhe_rsa_aes256gcm");
  std::mt19937 rng(7);
  for (size_t which : {size_t{0}, size_t{1}}) {
    for (size_t i = 0; i < segs[which].bytes.size(); ++i) {
      auto bad = segs;
      bad[which].bytes[i] = static_cast<char>(bad[which].bytes[i] ^ (1 + rng() % 255));
      Run r = run_session(bad, nullptr);
      CHECK(r.handshakes == 1);
      CHECK(r.info.certificates.size() <= 2);
    }
  }
}

TEST_CASE("tls bad input: a handshake message over max_handshake is skipped and counted") {
  TlsLimits limits;
  limits.max_handshake = 1000;  // the Certificate message is about 1.6 kB
  KeyLog keys;
  load_keys(keys, "tls12_ecdhe_rsa_aes256gcm");
  Run r = run_session(read_segments("tls12_ecdhe_rsa_aes256gcm"), &keys, 0, limits);
  CHECK(r.counters.handshake_too_large == 1);
  CHECK(r.info.certificates.empty());
  CHECK(r.info.server_hello);
  CHECK(r.plain[0].rfind("GET / HTTP/1.1", 0) == 0);  // the rest of the connection still works

  TlsCounters c;
  TlsSession s(limits, c, nullptr, {});
  std::string huge("\x16\x03\x03\x40\x00\x0b\xff\xff\xff", 9);  // a 16 MB message announced
  huge += std::string(0x4000 - 4, 'z');
  for (int i = 0; i < 100; ++i) {
    s.on_data(Direction::to_client, reinterpret_cast<const uint8_t*>(huge.data()), huge.size(), 0);
    huge = std::string("\x16\x03\x03\x40\x00", 5) + std::string(0x4000, 'z');
  }
  CHECK(c.handshake_too_large == 1);
  CHECK(c.malformed == 0);
}

TEST_CASE("tls bad input: a gap stops the direction and reports lost plaintext") {
  auto segs = read_segments("tls13_aes128gcm");
  KeyLog keys;
  load_keys(keys, "tls13_aes128gcm");
  Run r;
  TlsCallbacks cb;
  cb.on_plaintext = [&](Direction d, const uint8_t* p, size_t n, int64_t) {
    r.plain[static_cast<int>(d)].append(reinterpret_cast<const char*>(p), n);
  };
  cb.on_plaintext_gap = [&](Direction d, size_t n, int64_t) {
    ++r.gaps[static_cast<int>(d)];
    r.gap_bytes[static_cast<int>(d)] += n;
  };
  TlsSession s({}, r.counters, &keys, cb);
  bool gapped = false;
  for (const Segment& seg : segs) {
    // The client's request segment is lost.
    if (!gapped && seg.dir == Direction::to_server && s.info().server_hello &&
        r.counters.decrypted_records >= 5) {
      s.on_gap(seg.dir, seg.bytes.size(), seg.ts_us);
      gapped = true;
      continue;
    }
    s.on_data(seg.dir, reinterpret_cast<const uint8_t*>(seg.bytes.data()), seg.bytes.size(),
              seg.ts_us);
  }
  CHECK(gapped);
  CHECK(r.counters.gaps == 1);
  CHECK(r.gaps[0] == 1);
  CHECK(r.plain[0].find("GET /") == std::string::npos);
  CHECK(r.plain[1].rfind("HTTP/1.1 200", 0) == 0);  // the other direction is unaffected
}

TEST_CASE("tls sniff") {
  auto sniff = [](const std::string& s) {
    return sniff_tls(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  CHECK(sniff(std::string("\x16\x03\x01\x02\x00\x01", 6)) == TlsSniff::client_hello);
  CHECK(sniff(std::string("\x16\x03\x03\x00\x5a\x02", 6)) == TlsSniff::server_hello);
  CHECK(sniff(std::string("\x16\x03\x01", 3)) == TlsSniff::need_more);
  CHECK(sniff("") == TlsSniff::need_more);
  CHECK(sniff("GET / HTTP/1.1\r\n") == TlsSniff::not_tls);
  CHECK(sniff(std::string("\x16\x03\x09", 3)) == TlsSniff::not_tls);
  CHECK(sniff(std::string("\x16\x03\x01\x02\x00\x0b", 6)) == TlsSniff::not_tls);
  CHECK(sniff("PRI * HTTP/2.0") == TlsSniff::not_tls);
}

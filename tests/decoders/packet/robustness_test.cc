// Every truncation and many random corruptions of valid frames: no crash, no sanitizer report,
// and every non-ok result is accounted for in the counters.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <memory>
#include <numeric>
#include <random>

#include "tests/decoders/packet/packet_builder.h"

using namespace mirador;
using namespace mirador::test;

namespace {

struct Sample {
  const char* name;
  int link;
  Bytes frame;
};

std::vector<Sample> samples() {
  const Bytes seg =
      tcp(40000, 80, 1, 2, tcp_flag::ack | tcp_flag::psh, 100,
          text("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2});
  const Bytes ip4 = ipv4("198.18.0.1", "198.18.0.2", kTcp, seg);
  const Bytes inner = ethernet(kIpv4, ip4, {5});
  Ip4Opts opts;
  opts.options = {1, 7, 7, 4, 0, 0, 0, 0};
  Ip4Opts frag;
  frag.more = true;
  GreOpts key;
  key.has_key = true;
  key.key = 3;
  GreOpts seq;
  seq.has_seq = true;
  const Bytes ext6 = ip6_ext(43, 8, ip6_ext(51, 16, ip6_ah(kTcp, seg)));
  return {
      {"ethernet qinq tcp", 1,
       ethernet(kIpv4, ipv4("198.18.0.1", "198.18.0.2", kTcp, seg, opts), {10, 20})},
      {"mpls ipv6 ext", 1,
       ethernet(kMpls, mpls({1, 2}, ipv6("2001:db8::1", "2001:db8::2", 0, ext6)))},
      {"sll udp", 113, sll(kIpv4, ipv4("198.18.0.1", "198.18.0.2", kUdp, udp(1, 2, text("x"))))},
      {"sll2 ipv6 frag", 276,
       sll2(kIpv6, ipv6("::1", "::2", 44,
                        ip6_frag(kTcp, 0, true, 1, Bytes(seg.begin(), seg.begin() + 16))))},
      {"ipv4 frag", 1, ethernet(kIpv4, ipv4("198.18.0.1", "198.18.0.2", kTcp, Bytes(24, 1), frag))},
      {"gre key", 1, ethernet(kIpv4, ipv4("198.18.1.1", "198.18.1.2", kGre, gre(kIpv4, ip4, key)))},
      {"erspan2", 1,
       ethernet(kIpv4,
                ipv4("198.18.1.1", "198.18.1.2", kGre, gre(kErspan2, erspan2(1, inner), seq)))},
      {"erspan3 platform", 1,
       ethernet(kIpv4, ipv4("198.18.1.1", "198.18.1.2", kGre,
                            gre(kErspan3, erspan3(2, inner, true), seq)))},
      {"vxlan in gre", 1,
       ethernet(kIpv4, ipv4("198.18.1.1", "198.18.1.2", kGre,
                            gre(kIpv4, ipv4("172.16.0.1", "172.16.0.2", kUdp,
                                            udp(1, 4789, vxlan(9, inner))))))},
      {"raw ipv4", 101, ip4},
      {"null ipv6", 0,
       [&] {
         Bytes b = {24, 0, 0, 0};
         const Bytes v6 = ipv6("::1", "::2", kUdp, udp(3, 4, text("y")));
         b.insert(b.end(), v6.begin(), v6.end());
         return b;
       }()},
  };
}

uint64_t error_sum(const DecodeCounters& c) {
  return std::accumulate(c.errors.begin(), c.errors.end(), uint64_t{0});
}

// Decodes a heap copy of exactly `frame` (so any over-read is an ASan report) and checks the
// accounting of the result.
DecodeResult decode_and_account(PacketDecoder& d, int link, const Bytes& frame, int64_t ts) {
  const std::unique_ptr<uint8_t[]> owned(new uint8_t[std::max<size_t>(frame.size(), 1)]);
  std::copy(frame.begin(), frame.end(), owned.get());
  const uint8_t* copy = owned.get();
  const DecodeCounters before = d.counters();
  PacketView v;
  const DecodeResult r =
      d.decode(link, frame.empty() ? nullptr : copy, static_cast<uint32_t>(frame.size()),
               static_cast<uint32_t>(frame.size()), ts, v);
  const DecodeCounters& after = d.counters();
  REQUIRE(after.packets == before.packets + 1);
  switch (r) {
    case DecodeResult::ok:
      REQUIRE((v.ip_version == 4 || v.ip_version == 6));
      REQUIRE(after.ipv4 + after.ipv6 == before.ipv4 + before.ipv6 + 1);
      REQUIRE(after.tcp + after.udp + after.other_l4 ==
              before.tcp + before.udp + before.other_l4 + 1);
      if (!v.reassembled && v.payload_len > 0) {
        REQUIRE(v.payload >= copy);
        REQUIRE(v.payload + v.payload_len <= copy + frame.size());
      }
      if (v.payload_len > 0) {
        // Touch every payload byte: ASan checks the bounds of reassembled buffers too.
        volatile uint8_t sink = 0;
        for (uint32_t i = 0; i < v.payload_len; ++i)
          sink = static_cast<uint8_t>(sink ^ v.payload[i]);
      }
      break;
    case DecodeResult::not_ip:
      REQUIRE(after.not_ip == before.not_ip + 1);
      break;
    case DecodeResult::fragment_pending:
      REQUIRE(after.fragments == before.fragments + 1);
      break;
    case DecodeResult::malformed: {
      const auto e = static_cast<size_t>(d.last_error());
      REQUIRE(e < kDecodeErrorCount);
      REQUIRE(after.errors[e] > before.errors[e]);
      REQUIRE(error_sum(after) > error_sum(before));
      break;
    }
    default:
      FAIL("unexpected result");
  }
  return r;
}

}  // namespace

TEST_CASE("robustness: every truncation of valid frames") {
  for (const Sample& s : samples()) {
    CAPTURE(s.name);
    PacketDecoder d;
    auto full = decode(d, s.frame, s.link);
    CHECK((full.result == DecodeResult::ok || full.result == DecodeResult::fragment_pending));
    for (size_t n = 0; n <= s.frame.size(); ++n) {
      CAPTURE(n);
      decode_and_account(d, s.link, Bytes(s.frame.begin(), s.frame.begin() + n), 1000);
    }
    CHECK(d.counters().packets == s.frame.size() + 2);
  }
}

TEST_CASE("robustness: random byte corruption (fixed seed)") {
  std::mt19937 rng(20261128);
  PacketDecoderConfig cfg;
  cfg.defrag_memcap = 256 * 1024;
  cfg.defrag_max_datagrams = 64;
  PacketDecoder d(cfg);
  int64_t ts = 0;
  std::array<uint64_t, 4> tally{};
  for (const Sample& s : samples()) {
    CAPTURE(s.name);
    for (int i = 0; i < 3000; ++i) {
      Bytes f = s.frame;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < flips; ++k) f[rng() % f.size()] = static_cast<uint8_t>(rng());
      if (rng() % 8 == 0) f.resize(rng() % (f.size() + 1));
      ++tally[static_cast<size_t>(decode_and_account(d, s.link, f, ts += 1000))];
    }
  }
  CHECK(d.defrag_bytes() <= cfg.defrag_memcap);
  // Totals agree with the tally of results: each malformed result has exactly one reason
  // (frag_overlap and frag_timeout are side counters, not results).
  const DecodeCounters& c = d.counters();
  const uint64_t side = c.errors[static_cast<size_t>(DecodeError::frag_overlap)] +
                        c.errors[static_cast<size_t>(DecodeError::frag_timeout)];
  CHECK(c.packets == tally[0] + tally[1] + tally[2] + tally[3]);
  CHECK(c.ipv4 + c.ipv6 == tally[static_cast<size_t>(DecodeResult::ok)]);
  CHECK(c.not_ip == tally[static_cast<size_t>(DecodeResult::not_ip)]);
  CHECK(error_sum(c) - side == tally[static_cast<size_t>(DecodeResult::malformed)]);
  CHECK(c.fragments >= tally[static_cast<size_t>(DecodeResult::fragment_pending)]);
  CHECK(tally[static_cast<size_t>(DecodeResult::ok)] > 0);
  CHECK(tally[static_cast<size_t>(DecodeResult::malformed)] > 0);
}

// IP defragmentation, IPv4 and IPv6: order, duplicates, overlaps, and every cap.
#include <algorithm>
#include <catch2/catch.hpp>

#include "decoders/packet/ip_defrag.h"
#include "tests/decoders/packet/packet_builder.h"

using namespace mirador;
using namespace mirador::test;

namespace {

std::string body_text() {
  std::string s;
  for (int i = 0; s.size() < 100; ++i) s += "chunk" + std::to_string(i) + ";";
  return s.substr(0, 100);
}

// The transport bytes that get fragmented: a TCP segment with a 100-byte payload (120 bytes).
Bytes segment() {
  return tcp(40000, 80, 1, 2, tcp_flag::ack, 10, text(body_text()));
}

// One fragment of `l4` covering [off, off + len), as an Ethernet frame.
Bytes fragment(int family, const Bytes& l4, uint32_t off, uint32_t len, bool more, uint32_t id = 77,
               uint16_t vlan = 0) {
  const Bytes part(l4.begin() + off, l4.begin() + std::min<size_t>(off + len, l4.size()));
  std::initializer_list<uint16_t> none = {};
  if (family == 4) {
    Ip4Opts o;
    o.id = static_cast<uint16_t>(id);
    o.frag_offset = off;
    o.more = more;
    const Bytes ip = ipv4("198.18.0.1", "198.18.0.2", kTcp, part, o);
    return vlan ? ethernet(kIpv4, ip, {vlan}) : ethernet(kIpv4, ip, none);
  }
  const Bytes ip = ipv6("2001:db8::1", "2001:db8::2", 44, ip6_frag(kTcp, off, more, id, part));
  return vlan ? ethernet(kIpv6, ip, {vlan}) : ethernet(kIpv6, ip, none);
}

void check_reassembled(const Decoded& r, int family) {
  REQUIRE(r.result == DecodeResult::ok);
  CHECK(r.view.reassembled);
  CHECK(r.view.ip_version == family);
  CHECK(r.view.l4 == L4Proto::tcp);
  CHECK(r.view.sport == 40000);
  CHECK(r.view.dport == 80);
  CHECK(r.view.seq == 1);
  CHECK(payload_text(r.view) == body_text());
}

}  // namespace

TEST_CASE("defragmentation: order does not matter, duplicates are harmless") {
  const int family = GENERATE(4, 6);
  CAPTURE(family);
  const Bytes l4 = segment();
  REQUIRE(l4.size() == 120);
  PacketDecoder d;

  SECTION("in order") {
    CHECK(decode(d, fragment(family, l4, 0, 40, true)).result == DecodeResult::fragment_pending);
    CHECK(d.defrag_bytes() == 40);
    CHECK(decode(d, fragment(family, l4, 40, 40, true)).result == DecodeResult::fragment_pending);
    check_reassembled(decode(d, fragment(family, l4, 80, 40, false)), family);
  }
  SECTION("reversed") {
    CHECK(decode(d, fragment(family, l4, 80, 40, false)).result == DecodeResult::fragment_pending);
    CHECK(decode(d, fragment(family, l4, 40, 40, true)).result == DecodeResult::fragment_pending);
    check_reassembled(decode(d, fragment(family, l4, 0, 40, true)), family);
  }
  SECTION("duplicated") {
    CHECK(decode(d, fragment(family, l4, 0, 40, true)).result == DecodeResult::fragment_pending);
    CHECK(decode(d, fragment(family, l4, 0, 40, true)).result == DecodeResult::fragment_pending);
    CHECK(decode(d, fragment(family, l4, 40, 40, true)).result == DecodeResult::fragment_pending);
    CHECK(decode(d, fragment(family, l4, 80, 40, false)).result == DecodeResult::ok);
    // A late duplicate starts a new (incomplete) datagram; it never completes on its own.
    CHECK(decode(d, fragment(family, l4, 40, 40, true)).result == DecodeResult::fragment_pending);
    CHECK(error_count(d, DecodeError::frag_overlap) == 0);
  }
  SECTION("overlapping with the same bytes, unaligned pieces") {
    CHECK(decode(d, fragment(family, l4, 0, 48, true)).result == DecodeResult::fragment_pending);
    CHECK(decode(d, fragment(family, l4, 96, 24, false)).result == DecodeResult::fragment_pending);
    CHECK(decode(d, fragment(family, l4, 40, 64, true)).result == DecodeResult::ok);
    CHECK(error_count(d, DecodeError::frag_overlap) == 0);
  }
  CHECK(d.counters().reassembled == 1);
  CHECK(d.counters().fragments >= 3);
  CHECK(d.counters().tcp == 1);
  if (family == 4) CHECK(d.counters().ipv4 == 1);
  if (family == 6) CHECK(d.counters().ipv6 == 1);
}

TEST_CASE("defragmentation: overlapping fragments with different bytes, first wins") {
  const int family = GENERATE(4, 6);
  CAPTURE(family);
  const Bytes l4 = segment();
  Bytes forged = l4;
  for (size_t i = 40; i < 80; ++i) forged[i] = 'X';
  PacketDecoder d;
  CHECK(decode(d, fragment(family, l4, 0, 56, true)).result == DecodeResult::fragment_pending);
  // Covers [40, 80): bytes 40..55 overlap and differ; 56..79 are new.
  CHECK(decode(d, fragment(family, forged, 40, 40, true)).result == DecodeResult::fragment_pending);
  CHECK(error_count(d, DecodeError::frag_overlap) == 1);
  auto r = decode(d, fragment(family, l4, 80, 40, false));
  REQUIRE(r.result == DecodeResult::ok);
  const std::string got = payload_text(r.view);
  std::string want = body_text();
  for (size_t i = 56 - 20; i < 80 - 20; ++i) want[i] = 'X';  // only the new bytes were taken
  CHECK(got == want);
  CHECK(r.view.frag_overlap);  // the datagram carries the sign up to the flow (evasion finding)
  // The next datagram starts clean.
  CHECK(decode(d, fragment(family, l4, 0, 64, true, 79)).result == DecodeResult::fragment_pending);
  auto clean = decode(d, fragment(family, l4, 64, 56, false, 79));
  REQUIRE(clean.result == DecodeResult::ok);
  CHECK(clean.view.reassembled);
  CHECK_FALSE(clean.view.frag_overlap);
  // A second "last fragment" that ends elsewhere contradicts the first: ignored and counted.
  CHECK(decode(d, fragment(family, l4, 0, 40, true, 78)).result == DecodeResult::fragment_pending);
  CHECK(decode(d, fragment(family, l4, 80, 40, false, 78)).result ==
        DecodeResult::fragment_pending);
  CHECK(decode(d, fragment(family, l4, 80, 32, false, 78)).result ==
        DecodeResult::fragment_pending);
  CHECK(error_count(d, DecodeError::frag_overlap) == 2);
}

TEST_CASE("defragmentation: caps (too big, memcap, max datagrams) and timeout") {
  const int family = GENERATE(4, 6);
  CAPTURE(family);
  const Bytes l4 = segment();

  SECTION("reassembled size over 65535") {
    PacketDecoder d;
    CHECK(decode(d, fragment(family, l4, 0, 40, true)).result == DecodeResult::fragment_pending);
    // Offset 65480 + 64 bytes + the IP header > 65535.
    Bytes far = fragment(family, Bytes(65544, 'a'), 65480, 64, true);
    CHECK(decode(d, far).result == DecodeResult::malformed);
    CHECK(d.last_error() == DecodeError::frag_too_big);
    CHECK(error_count(d, DecodeError::frag_too_big) == 1);
    CHECK(d.defrag_bytes() == 0);  // the whole datagram was dropped
  }
  SECTION("memory cap") {
    PacketDecoderConfig cfg;
    cfg.defrag_memcap = 100;
    PacketDecoder d(cfg);
    CHECK(decode(d, fragment(family, l4, 0, 40, true)).result == DecodeResult::fragment_pending);
    CHECK(decode(d, fragment(family, l4, 80, 40, false)).result == DecodeResult::malformed);
    CHECK(d.last_error() == DecodeError::frag_memcap);
    CHECK(decode(d, fragment(family, l4, 0, 40, true, 99)).result ==
          DecodeResult::fragment_pending);
    CHECK(decode(d, fragment(family, l4, 40, 40, true, 100)).result == DecodeResult::malformed);
    CHECK(error_count(d, DecodeError::frag_memcap) == 2);
    CHECK(d.defrag_bytes() <= 100);
  }
  SECTION("concurrent datagram cap") {
    PacketDecoderConfig cfg;
    cfg.defrag_max_datagrams = 2;
    PacketDecoder d(cfg);
    CHECK(decode(d, fragment(family, l4, 0, 40, true, 1)).result == DecodeResult::fragment_pending);
    CHECK(decode(d, fragment(family, l4, 0, 40, true, 2)).result == DecodeResult::fragment_pending);
    CHECK(decode(d, fragment(family, l4, 0, 40, true, 3)).result == DecodeResult::malformed);
    CHECK(d.last_error() == DecodeError::frag_memcap);
    // Completing one frees a slot.
    CHECK(decode(d, fragment(family, l4, 40, 80, false, 1)).result == DecodeResult::ok);
    CHECK(decode(d, fragment(family, l4, 0, 40, true, 3)).result == DecodeResult::fragment_pending);
  }
  SECTION("timeout by expire() and on a later packet") {
    PacketDecoderConfig cfg;
    cfg.defrag_timeout_us = 1'000'000;
    PacketDecoder d(cfg);
    CHECK(decode(d, fragment(family, l4, 0, 40, true), 1, 0).result ==
          DecodeResult::fragment_pending);
    CHECK(decode(d, fragment(family, l4, 0, 40, true, 5), 1, 900'000).result ==
          DecodeResult::fragment_pending);
    d.expire(1'000'000);  // not yet stale
    CHECK(error_count(d, DecodeError::frag_timeout) == 0);
    d.expire(1'000'001);
    CHECK(error_count(d, DecodeError::frag_timeout) == 1);
    // The rest of datagram 77 arrives too late: a new incomplete set, not a delivery.
    CHECK(decode(d, fragment(family, l4, 40, 80, false), 1, 1'100'000).result ==
          DecodeResult::fragment_pending);
    // The next packet, two seconds on, expires both remaining sets.
    decode(d, ethernet(kArp, Bytes(28, 0)), 1, 3'200'000);
    CHECK(error_count(d, DecodeError::frag_timeout) == 3);
    CHECK(d.defrag_bytes() == 0);
  }
}

TEST_CASE("defragmentation keys: VLAN and tunnel keep identical ids apart") {
  const int family = GENERATE(4, 6);
  const Bytes l4 = segment();
  PacketDecoder d;
  CHECK(decode(d, fragment(family, l4, 0, 40, true, 7, 10)).result ==
        DecodeResult::fragment_pending);
  // Same addresses and id, other VLAN: does not complete datagram 7 of VLAN 10.
  CHECK(decode(d, fragment(family, l4, 40, 80, false, 7, 20)).result ==
        DecodeResult::fragment_pending);
  auto r = decode(d, fragment(family, l4, 40, 80, false, 7, 10));
  check_reassembled(r, family);
  CHECK(r.view.vlan[0] == 10);
}

TEST_CASE("defragmentation of an outer datagram that carries a tunnel") {
  // A VXLAN packet fragmented on the underlay: the inner packet is decoded after reassembly.
  const Bytes inner = ethernet(
      kIpv4, ipv4("10.0.0.1", "10.0.0.2", kTcp, tcp(1, 2, 3, 4, tcp_flag::ack, 5, text("inner"))));
  const Bytes l4 = udp(5000, 4789, vxlan(42, inner));
  auto frag = [&](uint32_t off, uint32_t len, bool more) {
    Ip4Opts o;
    o.frag_offset = off;
    o.more = more;
    o.id = 9;
    const Bytes part(l4.begin() + off, l4.begin() + std::min<size_t>(off + len, l4.size()));
    return ethernet(kIpv4, ipv4("198.18.9.1", "198.18.9.2", kUdp, part, o));
  };
  PacketDecoder d;
  CHECK(decode(d, frag(0, 48, true)).result == DecodeResult::fragment_pending);
  auto r = decode(d, frag(48, 1000, false));
  REQUIRE(r.result == DecodeResult::ok);
  CHECK(r.view.reassembled);
  CHECK(r.view.tunnel == TunnelKind::vxlan);
  CHECK(r.view.tunnel_id == 42);
  CHECK(r.view.src.to_string() == "10.0.0.1");
  CHECK(payload_text(r.view) == "inner");
}

TEST_CASE("IpDefragmenter reuses its buffers") {
  PacketDecoderConfig cfg;
  IpDefragmenter df(cfg);
  FragKey k;
  k.src = IpAddress::v4(addr4("1.1.1.1").data());
  k.dst = IpAddress::v4(addr4("1.1.1.2").data());
  k.proto = 17;
  const Bytes data(64, 'z');
  const uint8_t* first_out = nullptr;
  for (int round = 0; round < 100; ++round) {
    k.id = static_cast<uint32_t>(round);
    auto a = df.add(k, 0, true, data.data(), 32, 20, round);
    CHECK(a.status == DefragStatus::pending);
    auto b = df.add(k, 32, false, data.data() + 32, 32, 20, round);
    REQUIRE(b.status == DefragStatus::complete);
    CHECK(b.len == 64);
    CHECK(Bytes(b.data, b.data + b.len) == data);
    if (round == 1) first_out = b.data;
    if (round >= 3 && round % 2 == 1) CHECK(b.data == first_out);  // two buffers alternate
  }
  CHECK(df.datagrams() == 0);
  CHECK(df.bytes() == 0);
}

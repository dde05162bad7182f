// Link layers, VLAN/QinQ, MPLS, IPv4 (options), IPv6 (extension headers), TCP and UDP.
#include <catch2/catch.hpp>

#include "tests/decoders/packet/packet_builder.h"

using namespace mirador;
using namespace mirador::test;

namespace {

const Bytes kHttpGet = text("GET / HTTP/1.1\r\nHost: x\r\n\r\n");

Bytes tcp4(const Bytes& payload = kHttpGet) {
  return ipv4("198.18.0.1", "198.18.0.2", kTcp,
              tcp(40000, 80, 1000, 2000, tcp_flag::psh | tcp_flag::ack, 512, payload));
}

void check_tcp4(const PacketView& v, const Bytes& payload = kHttpGet) {
  CHECK(v.ip_version == 4);
  CHECK(v.src.to_string() == "198.18.0.1");
  CHECK(v.dst.to_string() == "198.18.0.2");
  CHECK(v.ip_proto == 6);
  CHECK(v.ttl == 64);
  CHECK(v.l4 == L4Proto::tcp);
  CHECK(v.sport == 40000);
  CHECK(v.dport == 80);
  CHECK(v.seq == 1000);
  CHECK(v.ack == 2000);
  CHECK(v.tcp_flags == (tcp_flag::psh | tcp_flag::ack));
  CHECK(v.window == 512);
  CHECK(v.payload_len == payload.size());
  CHECK(Bytes(v.payload, v.payload + v.payload_len) == payload);
  CHECK_FALSE(v.reassembled);
  CHECK(v.tunnel == TunnelKind::none);
  CHECK(v.tunnel_ctx == 0);
  CHECK(v.tunnel_depth == 0);
}

}  // namespace

TEST_CASE("ethernet IPv4 TCP: every field") {
  PacketDecoder d;
  const Bytes f = ethernet(kIpv4, tcp4());
  auto r = decode(d, f, 1, 123456);
  REQUIRE(r.result == DecodeResult::ok);
  check_tcp4(r.view);
  CHECK(r.view.ts_us == 123456);
  CHECK(r.view.cap_len == f.size());
  CHECK(r.view.wire_len == f.size());
  CHECK(r.view.vlan_count == 0);
  CHECK(r.view.mpls_labels == 0);
  CHECK(d.counters().packets == 1);
  CHECK(d.counters().bytes == f.size());
  CHECK(d.counters().ipv4 == 1);
  CHECK(d.counters().tcp == 1);
}

TEST_CASE("ethernet padding after a short IPv4 datagram is trimmed") {
  PacketDecoder d;
  Bytes f = ethernet(kIpv4, ipv4("198.18.0.1", "198.18.0.2", kUdp, udp(53, 5353, text("ab"))));
  f.resize(60, 0xEE);  // minimum Ethernet frame, padded
  auto r = decode(d, f);
  REQUIRE(r.result == DecodeResult::ok);
  CHECK(r.view.l4 == L4Proto::udp);
  CHECK(r.view.sport == 53);
  CHECK(r.view.dport == 5353);
  CHECK(payload_text(r.view) == "ab");
  CHECK(d.counters().udp == 1);
}

TEST_CASE("802.1Q and QinQ tags are recorded outermost first") {
  PacketDecoder d;
  SECTION("single tag") {
    auto r = decode(d, ethernet(kIpv4, tcp4(), {100}));
    REQUIRE(r.result == DecodeResult::ok);
    CHECK(r.view.vlan_count == 1);
    CHECK(r.view.vlan[0] == 100);
    CHECK(r.view.vlan[1] == 0);
    check_tcp4(r.view);
  }
  SECTION("QinQ 0x88a8 outer, 0x8100 inner") {
    Writer w;
    w.raw({0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1});
    w.u16(kQinQ).u16(0x2000 | 300).u16(kVlan).u16(42).u16(kIpv4).raw(tcp4());
    auto r = decode(d, w.b);
    REQUIRE(r.result == DecodeResult::ok);
    CHECK(r.view.vlan_count == 2);
    CHECK(r.view.vlan[0] == 300);  // priority bits are not part of the id
    CHECK(r.view.vlan[1] == 42);
    check_tcp4(r.view);
  }
  SECTION("0x9100 tags; a third tag is skipped but not recorded") {
    auto r = decode(d, ethernet(kIpv4, tcp4(), {1, 2, 3}, 0x9100));
    REQUIRE(r.result == DecodeResult::ok);
    CHECK(r.view.vlan_count == 2);
    CHECK(r.view.vlan[0] == 1);
    CHECK(r.view.vlan[1] == 2);
  }
  CHECK(d.counters().vlan == 1);
}

TEST_CASE("MPLS label stacks: IPv4 and IPv6 guessed from the first nibble") {
  PacketDecoder d;
  auto r = decode(d, ethernet(kMpls, mpls({16, 17, 18}, tcp4())));
  REQUIRE(r.result == DecodeResult::ok);
  CHECK(r.view.mpls_labels == 3);
  check_tcp4(r.view);

  const Bytes v6 = ipv6("2001:db8::1", "2001:db8::2", kUdp, udp(1, 2, text("x")));
  r = decode(d, ethernet(0x8848, mpls({100}, v6)));
  REQUIRE(r.result == DecodeResult::ok);
  CHECK(r.view.mpls_labels == 1);
  CHECK(r.view.ip_version == 6);
  CHECK(r.view.l4 == L4Proto::udp);

  r = decode(d, ethernet(kMpls, mpls({5}, Bytes(20, 0))));  // pseudowire control word
  CHECK(r.result == DecodeResult::not_ip);
  r = decode(d, ethernet(kMpls, Writer{}.u32(16u << 12).b));  // no bottom-of-stack label
  CHECK(r.result == DecodeResult::malformed);
  CHECK(d.last_error() == DecodeError::truncated_mpls);
  CHECK(d.counters().mpls == 4);
}

TEST_CASE("Linux cooked SLL and SLL2, raw IP, IPv4/IPv6 link types, BSD loopback") {
  PacketDecoder d;
  const Bytes v6 =
      ipv6("2001:db8::1", "2001:db8::2", kTcp, tcp(1234, 443, 7, 8, tcp_flag::syn, 100));
  auto r = decode(d, sll(kIpv4, tcp4()), 113);
  REQUIRE(r.result == DecodeResult::ok);
  check_tcp4(r.view);
  r = decode(d, sll2(kIpv4, tcp4()), 276);
  REQUIRE(r.result == DecodeResult::ok);
  check_tcp4(r.view);
  r = decode(d, sll2(kIpv6, v6), 276);
  REQUIRE(r.result == DecodeResult::ok);
  CHECK(r.view.ip_version == 6);
  CHECK(r.view.tcp_flags == tcp_flag::syn);
  for (int link : {12, 101, 228}) {
    r = decode(d, tcp4(), link);
    REQUIRE(r.result == DecodeResult::ok);
    check_tcp4(r.view);
  }
  for (int link : {12, 101, 229}) {
    r = decode(d, v6, link);
    REQUIRE(r.result == DecodeResult::ok);
    CHECK(r.view.dport == 443);
  }
  CHECK(decode(d, v6, 228).result == DecodeResult::malformed);  // IPv4 link type, IPv6 bytes
  CHECK(d.last_error() == DecodeError::bad_ipv4_header);

  const Bytes ip4 = tcp4();
  Bytes lo4 = {2, 0, 0, 0};  // AF_INET, little-endian host
  lo4.insert(lo4.end(), ip4.begin(), ip4.end());
  r = decode(d, lo4, 0);
  REQUIRE(r.result == DecodeResult::ok);
  check_tcp4(r.view);
  Bytes lo6 = {0, 0, 0, 30};  // AF_INET6 of macOS, big-endian host
  lo6.insert(lo6.end(), v6.begin(), v6.end());
  r = decode(d, lo6, 0);
  REQUIRE(r.result == DecodeResult::ok);
  CHECK(r.view.ip_version == 6);

  CHECK(decode(d, sll(kArp, Bytes(28, 0)), 113).result == DecodeResult::not_ip);
  CHECK(decode(d, Bytes(10, 0), 113).result == DecodeResult::malformed);
  CHECK(d.last_error() == DecodeError::truncated_l2);
}

TEST_CASE("link types: supported list and rejection") {
  for (int dlt : {0, 1, 12, 101, 113, 228, 229, 276}) CHECK(link_type_supported(dlt));
  for (int dlt : {-1, 2, 9, 105, 127, 192, 1000}) CHECK_FALSE(link_type_supported(dlt));
  PacketDecoder d;
  CHECK(decode(d, tcp4(), 127).result == DecodeResult::malformed);
  CHECK(d.last_error() == DecodeError::unsupported_link_type);
  CHECK(error_count(d, DecodeError::unsupported_link_type) == 1);
}

TEST_CASE("non-IP frames are counted and skipped") {
  PacketDecoder d;
  CHECK(decode(d, ethernet(kArp, Bytes(28, 0))).result == DecodeResult::not_ip);
  CHECK(decode(d, ethernet(0x0030, Bytes(40, 0))).result == DecodeResult::not_ip);  // 802.3 LLC
  CHECK(d.counters().not_ip == 2);
}

TEST_CASE("IPv4 options are skipped and validated") {
  PacketDecoder d;
  Ip4Opts o;
  // NOP, record-route (len 7, 1 slot), NOP, EOL, padding → 12 bytes.
  o.options = {1, 7, 7, 4, 0, 0, 0, 0, 1, 0, 0, 0};
  o.ttl = 3;
  const Bytes tcpseg = tcp(40000, 80, 1000, 2000, tcp_flag::psh | tcp_flag::ack, 512, kHttpGet);
  auto r = decode(d, ethernet(kIpv4, ipv4("198.18.0.1", "198.18.0.2", kTcp, tcpseg, o)));
  REQUIRE(r.result == DecodeResult::ok);
  CHECK(r.view.ttl == 3);
  CHECK(payload_text(r.view) == "GET / HTTP/1.1\r\nHost: x\r\n\r\n");

  o.options = {1, 7, 9, 4, 0, 0, 0, 0};  // record-route claims 9 bytes, 7 remain
  CHECK(decode(d, ethernet(kIpv4, ipv4("198.18.0.1", "198.18.0.2", kTcp, tcpseg, o))).result ==
        DecodeResult::malformed);
  CHECK(d.last_error() == DecodeError::bad_ipv4_options);
  o.options = {1, 1, 1, 0x44};  // timestamp option type with no length byte
  decode(d, ethernet(kIpv4, ipv4("198.18.0.1", "198.18.0.2", kTcp, tcpseg, o)));
  CHECK(d.last_error() == DecodeError::bad_ipv4_options);
  o.options = {0x44, 1, 0, 0};  // length < 2
  decode(d, ethernet(kIpv4, ipv4("198.18.0.1", "198.18.0.2", kTcp, tcpseg, o)));
  CHECK(error_count(d, DecodeError::bad_ipv4_options) == 3);
}

TEST_CASE("IPv4 header and length checks") {
  PacketDecoder d;
  Bytes ip = tcp4();
  SECTION("IHL below 5") {
    ip[0] = 0x44;
    CHECK(decode(d, ip, 228).result == DecodeResult::malformed);
    CHECK(d.last_error() == DecodeError::bad_ipv4_header);
  }
  SECTION("total length beyond the capture") {
    ip[3] = static_cast<uint8_t>(ip[3] + 1);
    CHECK(decode(d, ip, 228).result == DecodeResult::malformed);
    CHECK(d.last_error() == DecodeError::bad_ipv4_length);
  }
  SECTION("total length below the header") {
    ip[2] = 0;
    ip[3] = 19;
    CHECK(decode(d, ip, 228).result == DecodeResult::malformed);
    CHECK(d.last_error() == DecodeError::bad_ipv4_length);
  }
  SECTION("non-TCP/UDP transport is delivered as other") {
    const Bytes icmp = {8, 0, 0, 0, 0, 1, 0, 1, 'p', 'i', 'n', 'g'};
    auto r = decode(d, ipv4("198.18.0.1", "198.18.0.2", kIcmp, icmp), 228);
    REQUIRE(r.result == DecodeResult::ok);
    CHECK(r.view.l4 == L4Proto::other);
    CHECK(r.view.ip_proto == kIcmp);
    CHECK(r.view.payload_len == icmp.size());
    CHECK(d.counters().other_l4 == 1);
  }
}

TEST_CASE("IPv6 extension header chain") {
  PacketDecoder d;
  const Bytes seg = tcp(5555, 8080, 1, 2, tcp_flag::ack, 9, text("hello"));
  // hop-by-hop (8) → routing (24) → destination options (16) → AH (16) → TCP
  const Bytes chain = ip6_ext(43, 8, ip6_ext(60, 24, ip6_ext(51, 16, ip6_ah(kTcp, seg))));
  auto r = decode(d, ethernet(kIpv6, ipv6("2001:db8::a", "2001:db8::b", 0, chain, 7)));
  REQUIRE(r.result == DecodeResult::ok);
  CHECK(r.view.ip_version == 6);
  CHECK(r.view.src.to_string() == "2001:db8::a");
  CHECK(r.view.dst.to_string() == "2001:db8::b");
  CHECK(r.view.ttl == 7);
  CHECK(r.view.ip_proto == kTcp);
  CHECK(r.view.l4 == L4Proto::tcp);
  CHECK(r.view.sport == 5555);
  CHECK(r.view.dport == 8080);
  CHECK(payload_text(r.view) == "hello");
  CHECK(d.counters().ipv6 == 1);

  SECTION("atomic fragment header is transparent") {
    r = decode(d, ipv6("2001:db8::a", "2001:db8::b", 44, ip6_frag(kTcp, 0, false, 9, seg)), 229);
    REQUIRE(r.result == DecodeResult::ok);
    CHECK(payload_text(r.view) == "hello");
    CHECK_FALSE(r.view.reassembled);
    CHECK(d.counters().fragments == 0);
  }
  SECTION("no next header") {
    r = decode(d, ipv6("2001:db8::a", "2001:db8::b", 59, {}), 229);
    REQUIRE(r.result == DecodeResult::ok);
    CHECK(r.view.l4 == L4Proto::other);
    CHECK(r.view.ip_proto == 59);
  }
  SECTION("extension header running past the payload") {
    Bytes bad = ip6_ext(kTcp, 16, {});
    bad[1] = 5;  // claims 48 bytes
    CHECK(decode(d, ipv6("::1", "::2", 0, bad), 229).result == DecodeResult::malformed);
    CHECK(d.last_error() == DecodeError::bad_ipv6_ext_header);
  }
  SECTION("payload length beyond the capture, padding trimmed") {
    Bytes p = ipv6("::1", "::2", kUdp, udp(1, 2, text("abc")));
    p[5] = static_cast<uint8_t>(p[5] + 1);
    CHECK(decode(d, p, 229).result == DecodeResult::malformed);
    CHECK(d.last_error() == DecodeError::bad_ipv6_header);
    p[5] = static_cast<uint8_t>(p[5] - 1);
    p.resize(p.size() + 6, 0xEE);
    r = decode(d, p, 229);
    REQUIRE(r.result == DecodeResult::ok);
    CHECK(payload_text(r.view) == "abc");
  }
}

TEST_CASE("TCP data offset and UDP length checks") {
  PacketDecoder d;
  Bytes seg = tcp(1, 2, 3, 4, tcp_flag::syn, 5, {}, {2, 4, 0x05, 0xB4});  // MSS option
  auto r = decode(d, ipv4("198.18.0.1", "198.18.0.2", kTcp, seg), 228);
  REQUIRE(r.result == DecodeResult::ok);
  CHECK(r.view.payload_len == 0);
  CHECK(r.view.tcp_flags == tcp_flag::syn);

  seg[12] = 0x40;  // data offset 16 bytes
  CHECK(decode(d, ipv4("198.18.0.1", "198.18.0.2", kTcp, seg), 228).result ==
        DecodeResult::malformed);
  CHECK(d.last_error() == DecodeError::bad_tcp_offset);
  seg[12] = 0xF0;  // 60 bytes, more than the segment
  decode(d, ipv4("198.18.0.1", "198.18.0.2", kTcp, seg), 228);
  CHECK(d.last_error() == DecodeError::bad_tcp_offset);
  decode(d, ipv4("198.18.0.1", "198.18.0.2", kTcp, Bytes(19, 0)), 228);
  CHECK(d.last_error() == DecodeError::truncated_tcp);

  Bytes dg = udp(7, 9, text("abcdef"));
  dg[5] = 20;  // beyond the datagram
  decode(d, ipv4("198.18.0.1", "198.18.0.2", kUdp, dg), 228);
  CHECK(d.last_error() == DecodeError::bad_udp_length);
  dg[5] = 7;
  decode(d, ipv4("198.18.0.1", "198.18.0.2", kUdp, dg), 228);
  CHECK(d.last_error() == DecodeError::bad_udp_length);
  dg[5] = 10;  // shorter than the IP payload: trimmed to the UDP length
  r = decode(d, ipv4("198.18.0.1", "198.18.0.2", kUdp, dg), 228);
  REQUIRE(r.result == DecodeResult::ok);
  CHECK(payload_text(r.view) == "ab");
  decode(d, ipv4("198.18.0.1", "198.18.0.2", kUdp, Bytes(7, 0)), 228);
  CHECK(d.last_error() == DecodeError::truncated_udp);
  CHECK(error_count(d, DecodeError::bad_udp_length) == 2);
}

TEST_CASE("names: errors, tunnel kinds, addresses") {
  CHECK(decode_error_name(DecodeError::truncated_l2) == "truncated_l2");
  CHECK(decode_error_name(DecodeError::bad_ipv6_ext_header) == "bad_ipv6_ext_header");
  CHECK(decode_error_name(DecodeError::frag_timeout) == "frag_timeout");
  for (size_t i = 0; i < kDecodeErrorCount; ++i) {
    const std::string_view n = decode_error_name(static_cast<DecodeError>(i));
    CHECK_FALSE(n.empty());
    CHECK(n != "unknown");
    for (char ch : n) CHECK(((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'));
  }
  CHECK(std::string(tunnel_kind_name(TunnelKind::none)) == "none");
  CHECK(std::string(tunnel_kind_name(TunnelKind::gre)) == "gre");
  CHECK(std::string(tunnel_kind_name(TunnelKind::erspan2)) == "erspan2");
  CHECK(std::string(tunnel_kind_name(TunnelKind::erspan3)) == "erspan3");
  CHECK(std::string(tunnel_kind_name(TunnelKind::vxlan)) == "vxlan");

  CHECK(IpAddress::v4(addr4("10.1.2.3").data()).to_string() == "10.1.2.3");
  CHECK(IpAddress::v6(addr6("2001:0db8:0:0:0:0:0:1").data()).to_string() == "2001:db8::1");
  CHECK(IpAddress::v6(addr6("2001:db8:0:1:1:1:1:1").data()).to_string() == "2001:db8:0:1:1:1:1:1");
  CHECK(IpAddress::v6(addr6("2001:db8:0:0:1:0:0:1").data()).to_string() == "2001:db8::1:0:0:1");
  CHECK(IpAddress::v6(addr6("::ffff:192.0.2.1").data()).to_string() == "::ffff:192.0.2.1");
  CHECK(IpAddress{}.to_string().empty());
}

// GRE, ERSPAN II/III, VXLAN, nesting, the depth cap and the tunnel context.
#include <catch2/catch.hpp>

#include "tests/decoders/packet/packet_builder.h"

using namespace mirador;
using namespace mirador::test;

namespace {

// The mirrored conversation: client 10.0.0.1:40000 → server 10.0.0.2:80.
Bytes inner_ip(bool reply = false, const Bytes& payload = text("GET /a HTTP/1.1\r\n\r\n")) {
  return reply
             ? ipv4("10.0.0.2", "10.0.0.1", kTcp, tcp(80, 40000, 9, 8, tcp_flag::ack, 100, payload))
             : ipv4("10.0.0.1", "10.0.0.2", kTcp,
                    tcp(40000, 80, 8, 9, tcp_flag::ack | tcp_flag::psh, 100, payload));
}
Bytes inner_frame(bool reply = false, std::initializer_list<uint16_t> vlans = {}) {
  return ethernet(kIpv4, inner_ip(reply), vlans);
}

Bytes outer_gre(const Bytes& gre_bytes, const char* src = "198.18.1.1",
                const char* dst = "198.18.1.2") {
  return ethernet(kIpv4, ipv4(src, dst, kGre, gre_bytes), {7});
}
Bytes outer_vxlan(uint32_t vni, const Bytes& frame, const char* src = "198.18.1.1",
                  const char* dst = "198.18.1.2", uint16_t sport = 51000) {
  return ethernet(kIpv4, ipv4(src, dst, kUdp, udp(sport, 4789, vxlan(vni, frame))));
}

void check_inner(const PacketView& v, bool reply = false) {
  CHECK(v.ip_version == 4);
  CHECK(v.src.to_string() == (reply ? "10.0.0.2" : "10.0.0.1"));
  CHECK(v.dst.to_string() == (reply ? "10.0.0.1" : "10.0.0.2"));
  CHECK(v.l4 == L4Proto::tcp);
  CHECK(v.sport == (reply ? 80 : 40000));
  CHECK(v.dport == (reply ? 40000 : 80));
  CHECK(v.seq == (reply ? 9u : 8u));
  CHECK(v.ip_proto == kTcp);
  if (!reply) CHECK(payload_text(v) == "GET /a HTTP/1.1\r\n\r\n");
}

}  // namespace

TEST_CASE("GRE carrying IPv4, with checksum, key and sequence") {
  PacketDecoder d;
  GreOpts o;
  o.checksum = true;
  o.has_key = true;
  o.key = 0xDEADBEEF;
  o.has_seq = true;
  o.seq = 77;
  auto r = decode(d, outer_gre(gre(kIpv4, inner_ip(), o)));
  REQUIRE(r.result == DecodeResult::ok);
  check_inner(r.view);
  CHECK(r.view.tunnel == TunnelKind::gre);
  CHECK(r.view.tunnel_id == 0xDEADBEEF);
  CHECK(r.view.tunnel_depth == 1);
  CHECK(r.view.tunnel_ctx != 0);
  CHECK(r.view.vlan_count == 0);  // the outer VLAN belongs to the outer frame
  CHECK(d.counters().gre == 1);
  CHECK(d.counters().vlan == 1);

  SECTION("no key: id 0; IPv6 and Ethernet (0x6558) payloads") {
    r = decode(d, outer_gre(gre(
                      kIpv6, ipv6("2001:db8::1", "2001:db8::2", kUdp, udp(1000, 53, text("q"))))));
    REQUIRE(r.result == DecodeResult::ok);
    CHECK(r.view.tunnel == TunnelKind::gre);
    CHECK(r.view.tunnel_id == 0);
    CHECK(r.view.ip_version == 6);
    CHECK(r.view.dport == 53);
    r = decode(d, outer_gre(gre(kTeb, inner_frame(false, {55}))));
    REQUIRE(r.result == DecodeResult::ok);
    check_inner(r.view);
    CHECK(r.view.vlan_count == 1);  // the inner frame's VLAN
    CHECK(r.view.vlan[0] == 55);
  }
  SECTION("truncated options and reserved bits are bad_gre") {
    Bytes g = gre(kIpv4, {}, o);
    g.resize(10);
    CHECK(decode(d, outer_gre(g)).result == DecodeResult::malformed);
    CHECK(d.last_error() == DecodeError::bad_gre);
    Bytes routing = gre(kIpv4, inner_ip());
    routing[0] = 0x40;  // RFC 1701 routing present
    CHECK(decode(d, outer_gre(routing)).result == DecodeResult::malformed);
    CHECK(d.last_error() == DecodeError::bad_gre);
  }
  SECTION("unknown GRE payload and PPTP GRE are delivered as the outer IP packet") {
    r = decode(d, outer_gre(gre(0x880B, Bytes(10, 0))));
    REQUIRE(r.result == DecodeResult::ok);
    CHECK(r.view.tunnel == TunnelKind::none);
    CHECK(r.view.ip_proto == kGre);
    CHECK(r.view.l4 == L4Proto::other);
    CHECK(r.view.src.to_string() == "198.18.1.1");
  }
}

TEST_CASE("ERSPAN type II") {
  PacketDecoder d;
  GreOpts o;
  o.has_seq = true;
  o.seq = 1;
  auto r = decode(d, outer_gre(gre(kErspan2, erspan2(0x155, inner_frame(false, {12})), o)));
  REQUIRE(r.result == DecodeResult::ok);
  check_inner(r.view);
  CHECK(r.view.tunnel == TunnelKind::erspan2);
  CHECK(r.view.tunnel_id == 0x155);
  CHECK(r.view.tunnel_depth == 1);
  CHECK(r.view.vlan_count == 1);
  CHECK(r.view.vlan[0] == 12);
  CHECK(d.counters().erspan == 1);
  CHECK(d.counters().gre == 1);

  Bytes bad = erspan2(3, inner_frame());
  bad[0] = 0x20;  // version 2 under the type II protocol
  CHECK(decode(d, outer_gre(gre(kErspan2, bad, o))).result == DecodeResult::malformed);
  CHECK(d.last_error() == DecodeError::bad_erspan);
  CHECK(decode(d, outer_gre(gre(kErspan2, Bytes(5, 0x10), o))).result == DecodeResult::malformed);
  CHECK(d.last_error() == DecodeError::bad_erspan);
}

TEST_CASE("ERSPAN type III with and without the platform subheader") {
  PacketDecoder d;
  GreOpts o;
  o.has_seq = true;
  for (bool platform : {false, true}) {
    auto r = decode(d, outer_gre(gre(kErspan3, erspan3(0x3FF, inner_frame(), platform), o)));
    REQUIRE(r.result == DecodeResult::ok);
    check_inner(r.view);
    CHECK(r.view.tunnel == TunnelKind::erspan3);
    CHECK(r.view.tunnel_id == 0x3FF);
  }
  Bytes cut = erspan3(1, {}, true);
  cut.resize(16);  // O flag set but the platform subheader is cut short
  CHECK(decode(d, outer_gre(gre(kErspan3, cut, o))).result == DecodeResult::malformed);
  CHECK(d.last_error() == DecodeError::bad_erspan);
  CHECK(d.counters().erspan == 3);
}

TEST_CASE("VXLAN on the configured port") {
  PacketDecoder d;
  auto r = decode(d, outer_vxlan(0xABCDEF, inner_frame(false, {9})));
  REQUIRE(r.result == DecodeResult::ok);
  check_inner(r.view);
  CHECK(r.view.tunnel == TunnelKind::vxlan);
  CHECK(r.view.tunnel_id == 0xABCDEF);
  CHECK(r.view.tunnel_depth == 1);
  CHECK(r.view.vlan_count == 1);
  CHECK(r.view.vlan[0] == 9);
  CHECK(d.counters().vxlan == 1);
  CHECK(d.counters().udp == 0);  // the inner TCP packet is what was delivered
  CHECK(d.counters().tcp == 1);

  Bytes no_i = vxlan(1, inner_frame());
  no_i[0] = 0;
  CHECK(decode(d, ethernet(kIpv4, ipv4("198.18.1.1", "198.18.1.2", kUdp, udp(1, 4789, no_i))))
            .result == DecodeResult::malformed);
  CHECK(d.last_error() == DecodeError::bad_vxlan);

  PacketDecoderConfig cfg;
  cfg.vxlan_port = 8472;
  PacketDecoder linux_port(cfg);
  r = decode(linux_port, outer_vxlan(5, inner_frame()));  // 4789 is plain UDP now
  REQUIRE(r.result == DecodeResult::ok);
  CHECK(r.view.tunnel == TunnelKind::none);
  CHECK(r.view.l4 == L4Proto::udp);
  r = decode(linux_port, ethernet(kIpv4, ipv4("198.18.1.1", "198.18.1.2", kUdp,
                                              udp(1, 8472, vxlan(5, inner_frame())))));
  REQUIRE(r.result == DecodeResult::ok);
  CHECK(r.view.tunnel == TunnelKind::vxlan);
  CHECK(r.view.tunnel_id == 5);
}

TEST_CASE("nested tunnels: VXLAN inside GRE, and the depth cap") {
  const Bytes vx = udp(51000, 4789, vxlan(77, inner_frame()));
  GreOpts o;
  o.has_key = true;
  o.key = 5;
  const Bytes frame = outer_gre(gre(kIpv4, ipv4("172.16.0.1", "172.16.0.2", kUdp, vx), o));

  PacketDecoder d;
  auto r = decode(d, frame);
  REQUIRE(r.result == DecodeResult::ok);
  check_inner(r.view);
  CHECK(r.view.tunnel == TunnelKind::vxlan);
  CHECK(r.view.tunnel_id == 77);
  CHECK(r.view.tunnel_depth == 2);
  CHECK(d.counters().gre == 1);
  CHECK(d.counters().vxlan == 1);

  // Same VXLAN packet without the GRE layer: a different context.
  PacketDecoder d2;
  const Bytes flat_frame = outer_vxlan(77, inner_frame(), "172.16.0.1", "172.16.0.2");
  auto flat = decode(d2, flat_frame);
  REQUIRE(flat.result == DecodeResult::ok);
  CHECK(flat.view.tunnel_ctx != r.view.tunnel_ctx);

  PacketDecoderConfig cfg;
  cfg.max_tunnel_depth = 1;
  PacketDecoder shallow(cfg);
  CHECK(decode(shallow, frame).result == DecodeResult::malformed);
  CHECK(shallow.last_error() == DecodeError::tunnel_too_deep);
  CHECK(error_count(shallow, DecodeError::tunnel_too_deep) == 1);
  CHECK(decode(shallow, flat_frame).result == DecodeResult::ok);  // one level is allowed
}

TEST_CASE("tunnel_ctx: symmetric per tunnel, separate across tunnels") {
  PacketDecoder d;
  // Request travels VTEP1 → VTEP2, reply VTEP2 → VTEP1, in the same VNI.
  auto req = decode(d, outer_vxlan(100, inner_frame(false), "198.18.1.1", "198.18.1.2"));
  auto rep = decode(d, outer_vxlan(100, inner_frame(true), "198.18.1.2", "198.18.1.1", 52000));
  REQUIRE(req.result == DecodeResult::ok);
  REQUIRE(rep.result == DecodeResult::ok);
  check_inner(req.view);
  check_inner(rep.view, true);
  CHECK(req.view.tunnel_ctx != 0);
  CHECK(req.view.tunnel_ctx == rep.view.tunnel_ctx);

  // The same inner flow in another VNI, or between other VTEPs, or in GRE: another context.
  auto other_vni = decode(d, outer_vxlan(101, inner_frame(false), "198.18.1.1", "198.18.1.2"));
  auto other_vtep = decode(d, outer_vxlan(100, inner_frame(false), "198.18.1.1", "198.18.1.3"));
  GreOpts o;
  o.has_key = true;
  o.key = 100;
  auto gre_key = decode(d, outer_gre(gre(kIpv4, inner_ip(), o)));
  REQUIRE(other_vni.result == DecodeResult::ok);
  REQUIRE(other_vtep.result == DecodeResult::ok);
  REQUIRE(gre_key.result == DecodeResult::ok);
  CHECK(other_vni.view.tunnel_ctx != req.view.tunnel_ctx);
  CHECK(other_vtep.view.tunnel_ctx != req.view.tunnel_ctx);
  CHECK(gre_key.view.tunnel_ctx != req.view.tunnel_ctx);
  CHECK(other_vni.view.tunnel_ctx != other_vtep.view.tunnel_ctx);

  // Outside any tunnel the context is 0.
  auto plain = decode(d, ethernet(kIpv4, inner_ip()));
  REQUIRE(plain.result == DecodeResult::ok);
  CHECK(plain.view.tunnel_ctx == 0);
  CHECK(plain.view.tunnel == TunnelKind::none);
}

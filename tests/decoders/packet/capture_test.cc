// A capture file written with libpcap and read back: a whole HTTP conversation, plain and in
// tunnels, through the same path the sensor uses (pcap_next_ex → decode). Nothing is rejected.
#include <pcap/pcap.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "tests/decoders/packet/packet_builder.h"

using namespace mirador;
using namespace mirador::test;

namespace {

struct Conversation {
  std::vector<Bytes> ip_packets;  // both directions, IPv4
  size_t payload_bytes = 0;
};

Conversation http_conversation() {
  const char* c = "198.18.0.10";
  const char* s = "198.18.0.20";
  const Bytes req = text("GET /api/users/1 HTTP/1.1\r\nHost: api\r\n\r\n");
  const Bytes rsp = text("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  using namespace tcp_flag;
  Conversation conv;
  auto add = [&](bool from_client, uint32_t seq, uint32_t ack, uint8_t flags, const Bytes& p) {
    conv.payload_bytes += p.size();
    conv.ip_packets.push_back(from_client
                                  ? ipv4(c, s, kTcp, tcp(50000, 80, seq, ack, flags, 502, p))
                                  : ipv4(s, c, kTcp, tcp(80, 50000, seq, ack, flags, 509, p)));
  };
  add(true, 100, 0, syn, {});
  add(false, 500, 101, syn | ack, {});
  add(true, 101, 501, ack, {});
  add(true, 101, 501, psh | ack, req);
  add(false, 501, 101 + static_cast<uint32_t>(req.size()), psh | ack, rsp);
  add(true, 101 + static_cast<uint32_t>(req.size()), 501 + static_cast<uint32_t>(rsp.size()),
      fin | ack, {});
  add(false, 501 + static_cast<uint32_t>(rsp.size()), 102 + static_cast<uint32_t>(req.size()),
      fin | ack, {});
  return conv;
}

}  // namespace

TEST_CASE("a libpcap capture written in code is decoded without a single rejection") {
  char path[] = "/tmp/mirador_packet_XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);

  const Conversation conv = http_conversation();
  std::vector<Bytes> frames;
  uint32_t vni = 1;
  for (const Bytes& ip : conv.ip_packets) {
    frames.push_back(ethernet(kIpv4, ip));
    frames.push_back(ethernet(kIpv4, ip, {100}));
    Bytes pad = ethernet(kIpv4, ip);
    if (pad.size() < 60) pad.resize(60, 0);  // as a NIC would pad it
    frames.push_back(pad);
    frames.push_back(ethernet(kIpv4, ipv4("198.18.5.1", "198.18.5.2", kUdp,
                                          udp(49152, 4789, vxlan(vni, ethernet(kIpv4, ip))))));
  }
  {
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
    REQUIRE(dead != nullptr);
    pcap_dumper_t* dump = pcap_dump_open(dead, path);
    REQUIRE(dump != nullptr);
    int64_t usec = 1'700'000'000'000'000;
    for (const Bytes& f : frames) {
      pcap_pkthdr h{};
      usec += 1500;
      h.ts.tv_sec = usec / 1'000'000;
      h.ts.tv_usec = usec % 1'000'000;
      h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
      pcap_dump(reinterpret_cast<u_char*>(dump), &h, f.data());
    }
    pcap_dump_close(dump);
    pcap_close(dead);
  }

  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* in = pcap_open_offline(path, err);
  REQUIRE(in != nullptr);
  const int link = pcap_datalink(in);
  CHECK(link_type_supported(link));
  PacketDecoder d;
  size_t n = 0, payload_bytes = 0, tunneled = 0;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(in, &h, &data) == 1) {
    PacketView v;
    const int64_t ts = static_cast<int64_t>(h->ts.tv_sec) * 1'000'000 + h->ts.tv_usec;
    const DecodeResult r = d.decode(link, data, h->caplen, h->len, ts, v);
    REQUIRE(r == DecodeResult::ok);
    CHECK(v.ts_us == ts);
    CHECK(v.l4 == L4Proto::tcp);
    CHECK((v.sport == 80 || v.dport == 80));
    payload_bytes += v.payload_len;
    if (v.tunnel == TunnelKind::vxlan) ++tunneled;
    ++n;
  }
  pcap_close(in);
  std::remove(path);
  CHECK(n == frames.size());
  CHECK(tunneled == conv.ip_packets.size());
  CHECK(d.counters().tcp == frames.size());
  for (uint64_t e : d.counters().errors) CHECK(e == 0);
  CHECK(payload_bytes == 4 * conv.payload_bytes);
}

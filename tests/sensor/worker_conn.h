// Test helpers for driving a Worker: a sink that keeps what it is given, and one TCP connection
// that tracks its sequence numbers so a test reads like a conversation.
#pragma once

#include <string>
#include <vector>

#include "sensor/worker.h"
#include "tests/decoders/packet/packet_builder.h"

namespace mirador::test {

struct Record {
  std::string client, server;
  uint16_t client_port, server_port;
  TunnelKind tunnel;
  uint32_t tunnel_id;
  HttpTransaction txn;
};

class CollectingSink final : public TransactionSink {
 public:
  void write(const FlowContext& f, const HttpTransaction& t) override {
    records.push_back({f.client_ip->to_string(), f.server_ip->to_string(), f.client_port,
                       f.server_port, f.tunnel, f.tunnel_id, t});
  }
  void write_finding(const FlowContext&, const HttpTransaction&,
                     const detect::Finding& f) override {
    findings.push_back(f);
  }
  void write_endpoint(const detect::Endpoint& ep, int64_t) override { endpoints.push_back(ep); }
  void flush() override {}
  OutputCounters counters() const override { return {records.size(), 0}; }
  std::vector<Record> records;
  std::vector<detect::Finding> findings;
  std::vector<detect::Endpoint> endpoints;
};

// One TCP connection between a client and a server, tracking sequence numbers so tests read
// like a conversation. Frames are Ethernet, optionally wrapped in VXLAN.
class Conn {
 public:
  Conn(Worker& w, const char* c, uint16_t cport, const char* s, uint16_t sport)
      : w_(w), c_(c), s_(s), cport_(cport), sport_(sport) {}

  void set_vni(uint32_t vni) { vni_ = vni; }
  void handshake() {
    send(true, kSyn, {});
    cseq_ += 1;
    send(false, kSyn | kAck, {});
    sseq_ += 1;
    send(true, kAck, {});
  }
  void client(const std::string& data) {
    send(true, kAck | kPsh, text(data)), cseq_ += data.size();
  }
  void server(const std::string& data) {
    send(false, kAck | kPsh, text(data)), sseq_ += data.size();
  }
  // Advances the server's sequence as if `n` bytes were sent but never captured.
  void server_lost(size_t n) { sseq_ += static_cast<uint32_t>(n); }
  void client_ack() { send(true, kAck, {}); }
  void fin_both() {
    send(true, kFin | kAck, {});
    cseq_ += 1;
    send(false, kFin | kAck, {});
    sseq_ += 1;
    send(true, kAck, {});
  }
  void rst_from_server() { send(false, kRst, {}); }
  int64_t ts = 1'000'000'000;

 private:
  static constexpr uint8_t kFin = 1, kSyn = 2, kRst = 4, kPsh = 8, kAck = 16;
  void send(bool from_client, uint8_t flags, const Bytes& payload) {
    Bytes seg = from_client ? tcp(cport_, sport_, cseq_, sseq_, flags, 65535, payload)
                            : tcp(sport_, cport_, sseq_, cseq_, flags, 65535, payload);
    Bytes frame = ethernet(kIpv4, from_client ? ipv4(c_, s_, kTcp, seg) : ipv4(s_, c_, kTcp, seg));
    if (vni_) {
      frame = ethernet(
          kIpv4, ipv4("198.18.9.1", "198.18.9.2", kUdp, udp(50000, 4789, vxlan(vni_, frame))));
    }
    ts += 1000;
    w_.process(1, frame.data(), static_cast<uint32_t>(frame.size()),
               static_cast<uint32_t>(frame.size()), ts);
  }
  Worker& w_;
  const char *c_, *s_;
  uint16_t cport_, sport_;
  uint32_t cseq_ = 1000, sseq_ = 5000;
  uint32_t vni_ = 0;
};

}  // namespace mirador::test

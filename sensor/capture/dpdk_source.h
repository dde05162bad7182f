// DpdkSource: a DPDK port as the capture loop's PacketSource. The capture thread polls every RX
// queue of the port in turn, a burst at a time, and hands the packets one by one to the pipeline
// (which copies what the workers need); the mbufs of a burst are freed at the next poll of that
// queue. A net_pcap port (a capture file behind the vdev: tests, demos) is read like a file — the
// reader waits for room, time is the packets' — and, since net_pcap never says it has reached
// the end, ends after `idle_stop_ms` without a packet. Other ports are live.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sensor/capture/dpdk_port.h"
#include "sensor/capture/packet_source.h"

namespace mirador {

struct DpdkSourceConfig {
  DpdkConfig port;
  uint16_t queues = 1;   // RX queues asked for (the device may give fewer)
  int timeout_ms = 100;  // capture.timeout_ms: a live read returns `timeout` after this idle
  int idle_stop_ms = 0;  // capture.dpdk.idle_stop: end after this long without a packet (0: never)
};

class DpdkSource final : public PacketSource {
 public:
  // Opens the port (DpdkPort::open). Throws std::runtime_error.
  explicit DpdkSource(const DpdkSourceConfig& cfg);
  ReadStatus next(RawPacket& pkt) override;
  int link_type() const override { return port_->link_type(); }
  bool live() const override { return live_; }
  std::string error() const override { return {}; }
  CaptureStats stats() const override;
  const DpdkPort& port() const { return *port_; }

 private:
  DpdkSourceConfig cfg_;
  std::unique_ptr<DpdkPort> port_;
  bool live_ = true;
  std::vector<RawPacket> burst_;
  size_t have_ = 0, next_ = 0;
  uint16_t queue_ = 0;
  std::chrono::steady_clock::time_point last_packet_, next_timeout_;
};

}  // namespace mirador

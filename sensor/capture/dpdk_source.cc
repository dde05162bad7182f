#include "sensor/capture/dpdk_source.h"

#include <thread>

namespace mirador {

DpdkSource::DpdkSource(const DpdkSourceConfig& cfg)
    : cfg_(cfg), port_(DpdkPort::open(cfg.port, cfg.queues)) {
  live_ = port_->driver_name() != "net_pcap";
  burst_.resize(cfg_.port.burst == 0 ? 32 : cfg_.port.burst);
  last_packet_ = std::chrono::steady_clock::now();
  next_timeout_ = last_packet_ + std::chrono::milliseconds(cfg_.timeout_ms);
}

ReadStatus DpdkSource::next(RawPacket& pkt) {
  using clock = std::chrono::steady_clock;
  for (;;) {
    if (next_ < have_) {
      pkt = burst_[next_++];
      return ReadStatus::packet;
    }
    // The next queue's burst (which frees that queue's previous one).
    const uint16_t queues = port_->queues();
    for (uint16_t tried = 0; tried < queues; ++tried) {
      queue_ = static_cast<uint16_t>((queue_ + 1) % queues);
      have_ = port_->receive(queue_, burst_.data(), burst_.size());
      next_ = 0;
      if (have_ > 0) break;
    }
    const clock::time_point now = clock::now();
    if (have_ > 0) {
      last_packet_ = now;
      next_timeout_ = now + std::chrono::milliseconds(cfg_.timeout_ms);
      continue;
    }
    const auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_packet_);
    if (cfg_.idle_stop_ms > 0 && idle.count() >= cfg_.idle_stop_ms) return ReadStatus::end;
    if (live_ && now >= next_timeout_) {
      next_timeout_ = now + std::chrono::milliseconds(cfg_.timeout_ms);
      return ReadStatus::timeout;
    }
    // Polling an idle port: yield the core instead of spinning (the workers share it).
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

CaptureStats DpdkSource::stats() const {
  const DpdkStats s = port_->stats();
  CaptureStats c;
  c.received = s.packets;
  c.dropped = s.missed + s.no_mbuf;
  c.if_dropped = s.errors;
  return c;
}

}  // namespace mirador

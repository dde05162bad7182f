// DpdkPort: packets from one DPDK ethdev port (a NIC, or without hardware a vdev: net_pcap
// reading a file, net_af_packet on an interface), one RX queue per worker.
//
// open() initialises the EAL with the configured arguments (once per process), configures the
// port with the requested number of RX queues (capped by what the device offers) and symmetric
// RSS when the device supports it (so both directions of a connection land in one queue), and
// starts it in promiscuous mode. Each queue is polled by exactly one thread with receive():
// packets point into mbufs (zero copy) that stay valid until that queue's next receive() or
// release(). Multi-segment mbufs are linearised into a per-queue buffer.
//
// Timestamps: when the driver stamps packets with epoch time in a known unit (net_pcap: the
// file's own times, in µs, without announcing the RX timestamp offload), packets carry it;
// otherwise (NICs' device clocks, net_af_packet in DPDK 22.11) each burst gets the wall clock.
//
// Built only when Meson finds libdpdk (option `dpdk`). Errors throw std::runtime_error with
// DPDK's message.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sensor/capture/raw_packet.h"

namespace mirador {

struct DpdkConfig {
  // capture.dpdk.eal_args: EAL arguments, whitespace-separated in the config
  // ("--no-huge --no-pci -m 512 --vdev=net_pcap0,rx_pcap=FILE").
  std::vector<std::string> eal_args;
  uint16_t port = 0;               // capture.dpdk.port: index among the probed ports
  uint32_t mbufs = 16383;          // capture.dpdk.mbufs: mbufs per queue's pool
  uint16_t rx_descriptors = 1024;  // capture.dpdk.rx_descriptors: RX ring size per queue
  uint16_t burst = 32;             // capture.dpdk.burst: packets per receive() at most (1..512)
};

struct DpdkQueueStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t errors = 0;
};

struct DpdkStats {
  uint64_t packets = 0;  // ipackets
  uint64_t bytes = 0;    // ibytes
  uint64_t missed = 0;   // imissed: dropped by the device (RX rings full: we fell behind)
  uint64_t errors = 0;   // ierrors
  uint64_t no_mbuf = 0;  // rx_nombuf: mbuf allocation failures
  std::vector<DpdkQueueStats> queues;
};

class DpdkPort {
 public:
  // Opens the port with up to `queues` RX queues (at least 1). Throws std::runtime_error.
  static std::unique_ptr<DpdkPort> open(const DpdkConfig& cfg, uint16_t queues);
  ~DpdkPort();  // stops and closes the port
  DpdkPort(const DpdkPort&) = delete;
  DpdkPort& operator=(const DpdkPort&) = delete;

  uint16_t queues() const;
  // True when the device spreads packets over its queues so that both directions of a flow meet
  // in one queue (symmetric RSS, or af_packet's kernel fanout by flow). With one queue: true.
  bool symmetric() const;
  // pcap link type of the frames (DLT_EN10MB).
  int link_type() const;
  std::string driver_name() const;

  // Up to `max` (≤ burst) packets from queue `q`; 0 when none are waiting (never blocks).
  // Frees the previous burst of `q` first. One thread per queue.
  size_t receive(uint16_t q, RawPacket* out, size_t max);
  // Frees the mbufs of `q`'s last burst (a worker calls it before going idle).
  void release(uint16_t q);

  // Port and per-queue counters (rte_eth_stats_get): callable from any thread.
  DpdkStats stats() const;

 private:
  DpdkPort();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mirador

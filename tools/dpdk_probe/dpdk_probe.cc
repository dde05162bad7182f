// mirador-dpdk-probe: opens a DpdkPort, polls each RX queue from its own thread (as the sensor's
// workers will) for a bounded time, and prints one JSON object: the driver, per-queue packet and
// byte counts, the port's counters, and where the TCP/UDP flows landed — how many flows were seen
// in both directions and how many were split over several queues (0 when the port is symmetric).
//
// Usage: mirador-dpdk-probe [--queues N] [--seconds S] [--burst B] [--mbufs M] [--port P]
//                           -- EAL ARGS...
// Prints "capturing on PORT" to stderr once the port is started (test harnesses wait for it).
// Stops after S seconds (default 5, at most 3600) or on SIGINT/SIGTERM.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "decoders/packet/packet_decoder.h"
#include "sensor/capture/dpdk_port.h"

namespace {

using mirador::IpAddress;

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop.store(true);
}

// A flow in canonical order (lower endpoint first), whatever the packet's direction.
using FlowKey = std::tuple<IpAddress, uint16_t, IpAddress, uint16_t, uint8_t>;
struct FlowSeen {
  uint32_t queue_mask = 0;  // queues 0..31 that saw the flow
  uint8_t directions = 0;   // 1: lower → upper, 2: upper → lower
  uint64_t packets = 0;
};

struct QueueResult {
  uint64_t packets = 0, bytes = 0;
  int64_t first_ts_us = 0, last_ts_us = 0;
  std::map<FlowKey, FlowSeen> flows;
};

void poll_queue(mirador::DpdkPort& port, uint16_t q, uint16_t burst, QueueResult& r) {
  mirador::PacketDecoder decoder;
  std::vector<mirador::RawPacket> pkts(burst);
  mirador::PacketView view;
  while (!g_stop.load(std::memory_order_relaxed)) {
    size_t n = port.receive(q, pkts.data(), pkts.size());
    if (n == 0) {
      port.release(q);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      const auto& p = pkts[i];
      if (r.packets == 0) r.first_ts_us = p.ts_us;
      r.last_ts_us = p.ts_us;
      ++r.packets;
      r.bytes += p.wire_len;
      if (decoder.decode(port.link_type(), p.data, p.cap_len, p.wire_len, p.ts_us, view) !=
              mirador::DecodeResult::ok ||
          view.l4 == mirador::L4Proto::other) {
        continue;
      }
      bool forward = std::tie(view.src, view.sport) < std::tie(view.dst, view.dport);
      FlowKey key = forward ? FlowKey{view.src, view.sport, view.dst, view.dport, view.ip_proto}
                            : FlowKey{view.dst, view.dport, view.src, view.sport, view.ip_proto};
      FlowSeen& f = r.flows[key];
      f.queue_mask |= 1u << (q % 32);
      f.directions |= forward ? 1 : 2;
      ++f.packets;
    }
  }
  port.release(q);
}

int usage() {
  std::fprintf(stderr,
               "usage: mirador-dpdk-probe [--queues N] [--seconds S] [--burst B] [--mbufs M] "
               "[--port P] -- EAL ARGS...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  mirador::DpdkConfig cfg;
  unsigned long queues = 1, seconds = 5;
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (i + 1 >= argc) return usage();
    unsigned long v = std::strtoul(argv[++i], nullptr, 10);
    if (a == "--queues" && v >= 1 && v <= 32) {
      queues = v;
    } else if (a == "--seconds" && v >= 1 && v <= 3600) {
      seconds = v;
    } else if (a == "--burst" && v >= 1 && v <= 1024) {
      cfg.burst = static_cast<uint16_t>(v);
    } else if (a == "--mbufs" && v >= 255 && v <= (1u << 24)) {
      cfg.mbufs = static_cast<uint32_t>(v);
    } else if (a == "--port" && v < 65535) {
      cfg.port = static_cast<uint16_t>(v);
    } else {
      return usage();
    }
  }
  for (; i < argc; ++i) cfg.eal_args.emplace_back(argv[i]);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<mirador::DpdkPort> port;
  try {
    port = mirador::DpdkPort::open(cfg, static_cast<uint16_t>(queues));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mirador-dpdk-probe: %s\n", e.what());
    return 1;
  }
  double open_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "capturing on port %u (%s, %u queues) after %.0f ms\n", cfg.port,
               port->driver_name().c_str(), port->queues(), open_ms);

  std::vector<QueueResult> results(port->queues());
  std::vector<std::thread> threads;
  for (uint16_t q = 0; q < port->queues(); ++q) {
    threads.emplace_back(poll_queue, std::ref(*port), q, cfg.burst, std::ref(results[q]));
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!g_stop.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  g_stop.store(true);
  for (auto& t : threads) t.join();
  mirador::DpdkStats s = port->stats();

  std::map<FlowKey, FlowSeen> flows;
  for (const auto& r : results) {
    for (const auto& [k, f] : r.flows) {
      FlowSeen& m = flows[k];
      m.queue_mask |= f.queue_mask;
      m.directions |= f.directions;
      m.packets += f.packets;
    }
  }
  uint64_t both = 0, split = 0;
  for (const auto& [k, f] : flows) {
    if (f.directions == 3) ++both;
    if (f.queue_mask & (f.queue_mask - 1)) ++split;
  }

  std::printf("{\"driver\":\"%s\",\"queues\":%u,\"symmetric\":%s,\"open_ms\":%.1f,",
              port->driver_name().c_str(), port->queues(), port->symmetric() ? "true" : "false",
              open_ms);
  std::printf("\"received\":[");
  for (size_t q = 0; q < results.size(); ++q) {
    std::printf("%s{\"packets\":%llu,\"bytes\":%llu,\"first_ts_us\":%lld,\"last_ts_us\":%lld}",
                q ? "," : "", static_cast<unsigned long long>(results[q].packets),
                static_cast<unsigned long long>(results[q].bytes),
                static_cast<long long>(results[q].first_ts_us),
                static_cast<long long>(results[q].last_ts_us));
  }
  std::printf("],\"flows\":%zu,\"flows_both_directions\":%llu,\"flows_split\":%llu,", flows.size(),
              static_cast<unsigned long long>(both), static_cast<unsigned long long>(split));
  std::printf(
      "\"stats\":{\"packets\":%llu,\"bytes\":%llu,\"missed\":%llu,\"errors\":%llu,"
      "\"no_mbuf\":%llu,\"queues\":[",
      static_cast<unsigned long long>(s.packets), static_cast<unsigned long long>(s.bytes),
      static_cast<unsigned long long>(s.missed), static_cast<unsigned long long>(s.errors),
      static_cast<unsigned long long>(s.no_mbuf));
  for (size_t q = 0; q < s.queues.size(); ++q) {
    std::printf("%s{\"packets\":%llu,\"bytes\":%llu}", q ? "," : "",
                static_cast<unsigned long long>(s.queues[q].packets),
                static_cast<unsigned long long>(s.queues[q].bytes));
  }
  std::printf("]}}\n");
  return 0;
}

// DpdkPort on net_pcap vdevs (no NIC, no hugepages): every packet of a committed capture arrives
// with the bytes and timestamps libpcap reads from the same file; multi-segment frames are
// linearised; two queues each replay their own file; a missing port is a clear error.
//
// rte_eal_init runs once per process: every case uses the same EAL arguments (eal_args()), the
// first open() initialises the EAL and later ones reuse it. A port is closed (and, being a vdev,
// released) with its DpdkPort, so each case opens a port of its own.
#include <pcap/pcap.h>
#include <pthread.h>
#include <sched.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "sensor/capture/dpdk_port.h"
#include "sensor/capture/pcap_source.h"

namespace mirador {
namespace {

namespace fs = std::filesystem;

std::string data_file(const std::string& name) {
  const char* dir = std::getenv("MIRADOR_TEST_DATA");
  REQUIRE(dir != nullptr);
  return (fs::path(dir) / name).string();
}

// A pcap of Ethernet frames longer than one mbuf (2048 bytes of data room): 60, 9000 and 5000
// bytes, written with libpcap into the temp dir.
std::string jumbo_pcap() {
  static const std::string path = [] {
    std::string p = (fs::temp_directory_path() / "mirador_dpdk_jumbo.pcap").string();
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t* d = pcap_dump_open(dead, p.c_str());
    REQUIRE(d != nullptr);
    uint32_t sizes[] = {60, 9000, 5000};
    for (uint32_t i = 0; i < 3; ++i) {
      std::vector<uint8_t> frame(sizes[i]);
      for (size_t j = 0; j < frame.size(); ++j) frame[j] = static_cast<uint8_t>(j * 7 + i);
      pcap_pkthdr h{};
      h.ts.tv_sec = 1700000000 + i;
      h.ts.tv_usec = 123456 + i;
      h.caplen = h.len = sizes[i];
      pcap_dump(reinterpret_cast<u_char*>(d), &h, frame.data());
    }
    pcap_dump_close(d);
    pcap_close(dead);
    return p;
  }();
  return path;
}

// Port 0: one capture; port 1: two files, one per queue; port 2: the jumbo frames.
const char* kFile = "curl_expect_100.pcap";
const char* kQueueFiles[] = {"curl_get_head_404.pcap", "curl_gzip_chunked.pcap"};

DpdkConfig config(uint16_t port) {
  DpdkConfig c;
  c.eal_args = {"--no-huge",
                "--no-pci",
                "-m",
                "256",
                "--no-shconf",
                "--log-level=*:error",
                "--vdev=net_pcap0,rx_pcap=" + data_file(kFile),
                "--vdev=net_pcap1,rx_pcap=" + data_file(kQueueFiles[0]) +
                    ",rx_pcap=" + data_file(kQueueFiles[1]),
                "--vdev=net_pcap2,rx_pcap=" + jumbo_pcap()};
  c.port = port;
  c.mbufs = 2047;
  c.rx_descriptors = 256;
  c.burst = 32;
  return c;
}

struct Packet {
  std::vector<uint8_t> bytes;
  uint32_t wire_len;
  int64_t ts_us;
};

std::vector<Packet> read_with_libpcap(const std::string& path) {
  auto src = PcapSource::open_file(path, "");
  std::vector<Packet> out;
  RawPacket p;
  while (src->next(p) == ReadStatus::packet) {
    out.push_back({std::vector<uint8_t>(p.data, p.data + p.cap_len), p.wire_len, p.ts_us});
  }
  return out;
}

// Polls queue q until nothing has arrived for 200 ms (net_pcap's end of file is not visible
// otherwise); at most 10 s.
std::vector<Packet> drain(DpdkPort& port, uint16_t q) {
  using clock = std::chrono::steady_clock;
  std::vector<Packet> out;
  RawPacket burst[32];
  auto start = clock::now();
  auto last = start;
  while (clock::now() - last < std::chrono::milliseconds(200) &&
         clock::now() - start < std::chrono::seconds(10)) {
    size_t n = port.receive(q, burst, 32);
    for (size_t i = 0; i < n; ++i) {
      const RawPacket& p = burst[i];
      out.push_back({std::vector<uint8_t>(p.data, p.data + p.cap_len), p.wire_len, p.ts_us});
    }
    if (n > 0) last = clock::now();
  }
  port.release(q);
  return out;
}

uint64_t total_bytes(const std::vector<Packet>& v) {
  uint64_t b = 0;
  for (const auto& p : v) b += p.wire_len;
  return b;
}

void require_same(const std::vector<Packet>& got, const std::vector<Packet>& want) {
  REQUIRE(got.size() == want.size());
  CHECK(total_bytes(got) == total_bytes(want));
  REQUIRE(!got.empty());
  CHECK(got.front().ts_us == want.front().ts_us);
  CHECK(got.back().ts_us == want.back().ts_us);
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("packet " << i);
    REQUIRE(got[i].bytes == want[i].bytes);
    REQUIRE(got[i].wire_len == want[i].wire_len);
    REQUIRE(got[i].ts_us == want[i].ts_us);
  }
}

TEST_CASE("DpdkPort: net_pcap delivers a capture as libpcap reads it") {
  // The first open() initialises the EAL, which pins its caller to one CPU: open() undoes that.
  cpu_set_t before, after;
  REQUIRE(pthread_getaffinity_np(pthread_self(), sizeof before, &before) == 0);
  auto port = DpdkPort::open(config(0), 4);
  REQUIRE(pthread_getaffinity_np(pthread_self(), sizeof after, &after) == 0);
  CHECK(CPU_EQUAL(&before, &after));
  CHECK(CPU_COUNT(&after) == CPU_COUNT(&before));
  CHECK(port->driver_name() == "net_pcap");
  CHECK(port->queues() == 1);  // capped by the device: one rx_pcap, one queue
  CHECK(port->symmetric());
  CHECK(port->link_type() == DLT_EN10MB);

  RawPacket none[1];
  CHECK(port->receive(1, none, 1) == 0);  // no such queue

  auto want = read_with_libpcap(data_file(kFile));
  auto got = drain(*port, 0);
  require_same(got, want);

  DpdkStats s = port->stats();
  CHECK(s.packets == want.size());
  CHECK(s.bytes == total_bytes(want));
  CHECK(s.no_mbuf == 0);
  REQUIRE(s.queues.size() == 1);
  CHECK(s.queues[0].packets == want.size());
}

TEST_CASE("DpdkPort: two net_pcap queues each replay their own file") {
  auto port = DpdkPort::open(config(1), 2);
  REQUIRE(port->queues() == 2);
  // Two files are two independent streams, not a spread of flows: nothing symmetric about them.
  CHECK_FALSE(port->symmetric());
  uint64_t packets = 0;
  for (uint16_t q = 0; q < 2; ++q) {
    auto want = read_with_libpcap(data_file(kQueueFiles[q]));
    require_same(drain(*port, q), want);
    packets += want.size();
  }
  DpdkStats s = port->stats();
  CHECK(s.packets == packets);
  REQUIRE(s.queues.size() == 2);
  CHECK(s.queues[0].packets + s.queues[1].packets == packets);
}

TEST_CASE("DpdkPort: frames longer than an mbuf are linearised") {
  auto port = DpdkPort::open(config(2), 1);
  auto want = read_with_libpcap(jumbo_pcap());
  require_same(drain(*port, 0), want);
}

TEST_CASE("DpdkPort: a port that was not probed is a clear error") {
  try {
    DpdkPort::open(config(7), 1);
    FAIL("open() of port 7 did not throw");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("no port 7") != std::string::npos);
  }
}

TEST_CASE("DpdkPort: a burst out of 1..512 is a clear error") {
  for (uint16_t burst : {0, 513}) {
    DpdkConfig c = config(0);
    c.burst = burst;
    try {
      DpdkPort::open(c, 1);
      FAIL("open() with burst " << burst << " did not throw");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).find("burst must be between 1 and 512") != std::string::npos);
    }
  }
}

TEST_CASE("DpdkPort: other EAL arguments after the first open are a clear error") {
  CHECK_THROWS(DpdkPort::open(config(7), 1));  // the EAL is up, whichever case ran first
  DpdkConfig c = config(0);
  c.eal_args.push_back("--vdev=net_pcap9,rx_pcap=" + data_file(kFile));
  try {
    DpdkPort::open(c, 1);
    FAIL("open() with other EAL arguments did not throw");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("already initialised") != std::string::npos);
  }
}

}  // namespace
}  // namespace mirador

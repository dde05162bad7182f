// Every capture in tests/data (MIRADOR_TEST_DATA), loaded into memory, for tests that replay
// real traffic through a worker.
#pragma once

#include <pcap/pcap.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace mirador::test {

struct Packet {
  std::vector<uint8_t> bytes;
  uint32_t wire_len;
  int64_t ts_us;
};

struct Capture {
  std::string name;
  int link_type = 0;
  std::vector<Packet> packets;
};

inline std::vector<Capture> load_captures() {
  const char* dir = std::getenv("MIRADOR_TEST_DATA");
  REQUIRE(dir != nullptr);
  std::vector<Capture> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    const std::string ext = e.path().extension().string();
    if (ext != ".pcap" && ext != ".pcapng") continue;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p =
        pcap_open_offline_with_tstamp_precision(e.path().c_str(), PCAP_TSTAMP_PRECISION_MICRO, err);
    REQUIRE(p != nullptr);
    Capture c;
    c.name = e.path().string();
    c.link_type = pcap_datalink(p);
    pcap_pkthdr* h;
    const u_char* d;
    while (pcap_next_ex(p, &h, &d) == 1) {
      c.packets.push_back({std::vector<uint8_t>(d, d + h->caplen), h->len,
                           int64_t{h->ts.tv_sec} * 1'000'000 + h->ts.tv_usec});
    }
    pcap_close(p);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace mirador::test

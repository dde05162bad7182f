// Writes frames to a pcap file through libpcap (pcap_open_dead + pcap_dump_fopen), counting
// packets and file bytes so the generator can stop at a size budget.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mirador::gen {

class PcapSink {
 public:
  // Returns null and sets `error` when the file cannot be created.
  static std::unique_ptr<PcapSink> open(const std::string& path, std::string& error);
  ~PcapSink();
  PcapSink(const PcapSink&) = delete;
  PcapSink& operator=(const PcapSink&) = delete;

  void write(uint64_t ts_us, std::span<const uint8_t> frame);
  // Flushes and closes; returns false if any write failed (disk full...).
  bool close();

  uint64_t packets() const { return packets_; }
  uint64_t bytes() const { return bytes_; }  // file size so far, headers included

  static constexpr int kSnaplen = 65535;

 private:
  PcapSink() = default;

  pcap_t* pcap_ = nullptr;
  pcap_dumper_t* dumper_ = nullptr;
  FILE* file_ = nullptr;
  std::vector<char> stdio_buffer_;  // large buffer: fewer write(2) calls
  uint64_t packets_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace mirador::gen

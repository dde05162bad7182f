// PcapSource: packets from a capture file (pcap or pcapng) or a live interface, through libpcap.
// Timestamps are always delivered in microseconds, whatever the file's precision.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sensor/capture/packet_source.h"

struct pcap;
typedef struct pcap pcap_t;

namespace mirador {

struct LiveCaptureConfig {
  std::string interface;
  std::string bpf;  // optional filter, tcpdump syntax
  int snaplen = 262144;
  bool promiscuous = true;
  int buffer_bytes = 64 << 20;  // kernel ring (TPACKET_V3) size
  int timeout_ms = 100;         // how long a read may wait, so idle time still advances
  // When the interface fails (removed, or its driver reset), the capture is reopened this often
  // until it comes back, the flows kept; 0 ends the capture with the error instead.
  int reopen_interval_ms = 1000;
};

class PcapSource final : public PacketSource {
 public:
  // Both throw std::runtime_error with libpcap's message on failure.
  static std::unique_ptr<PcapSource> open_file(const std::string& path, const std::string& bpf);
  static std::unique_ptr<PcapSource> open_live(const LiveCaptureConfig& cfg);
  ~PcapSource() override;
  PcapSource(const PcapSource&) = delete;
  PcapSource& operator=(const PcapSource&) = delete;

  // Reads the next packet. `pkt` points into libpcap's buffer until the next call. Live, a read
  // error closes the interface and later calls try to reopen it (reopen_interval_ms), returning
  // `timeout` meanwhile: the flows and the clock go on; the error and each reopen are logged and
  // counted (CaptureStats::capture_errors, reopens).
  ReadStatus next(RawPacket& pkt) override;
  // Makes a blocked or looping read return (safe from a signal handler).
  void interrupt();

  int link_type() const override { return link_type_; }
  bool live() const override { return live_; }
  std::string error() const override;
  CaptureStats stats() const override;
  // Files only: bytes read so far and total size, for a progress line. 0/0 when unknown.
  uint64_t file_offset() const override;
  uint64_t file_size() const override { return file_size_; }

 private:
  PcapSource(pcap_t* p, bool live);
  // A live handle, activated, filtered and non-blocking. Throws std::runtime_error.
  static pcap_t* activate(const LiveCaptureConfig& cfg);
  static void apply_filter(pcap_t* p, const std::string& bpf);
  ReadStatus live_failed();
  ReadStatus try_reopen();

  pcap_t* pcap_;
  bool live_;
  int link_type_ = 0;
  uint64_t file_size_ = 0;
  std::unique_ptr<char[]> read_buffer_;  // files: stdio buffer of the capture FILE
  int fd_ = -1;                          // live: selectable descriptor polled while idle
  int timeout_ms_ = 100;
  LiveCaptureConfig cfg_;  // live: to reopen with
  CaptureStats carried_;   // live: counts of the handles closed since the start
  std::string last_error_;
  int64_t next_reopen_ms_ = 0;
};

}  // namespace mirador

#include "tools/traffic_gen/pcap_sink.h"

#include <cerrno>
#include <cstring>

namespace mirador::gen {

std::unique_ptr<PcapSink> PcapSink::open(const std::string& path, std::string& error) {
  std::unique_ptr<PcapSink> sink(new PcapSink());
  sink->pcap_ =
      pcap_open_dead_with_tstamp_precision(DLT_EN10MB, kSnaplen, PCAP_TSTAMP_PRECISION_MICRO);
  if (!sink->pcap_) {
    error = "pcap_open_dead failed";
    return nullptr;
  }
  sink->file_ = std::fopen(path.c_str(), "wb");
  if (!sink->file_) {
    error = path + ": " + std::strerror(errno);
    return nullptr;
  }
  sink->stdio_buffer_.resize(4 << 20);
  std::setvbuf(sink->file_, sink->stdio_buffer_.data(), _IOFBF, sink->stdio_buffer_.size());
  sink->dumper_ = pcap_dump_fopen(sink->pcap_, sink->file_);
  if (!sink->dumper_) {
    error = std::string("pcap_dump_fopen: ") + pcap_geterr(sink->pcap_);
    return nullptr;
  }
  sink->bytes_ = 24;  // pcap file header
  return sink;
}

PcapSink::~PcapSink() {
  close();
}

void PcapSink::write(uint64_t ts_us, std::span<const uint8_t> frame) {
  pcap_pkthdr hdr{};
  hdr.ts.tv_sec = static_cast<time_t>(ts_us / 1000000);
  hdr.ts.tv_usec = static_cast<suseconds_t>(ts_us % 1000000);
  hdr.caplen = hdr.len = static_cast<bpf_u_int32>(frame.size());
  pcap_dump(reinterpret_cast<u_char*>(dumper_), &hdr, frame.data());
  ++packets_;
  bytes_ += 16 + frame.size();
}

bool PcapSink::close() {
  bool ok = true;
  if (dumper_) {
    ok = pcap_dump_flush(dumper_) == 0 && !std::ferror(file_);
    pcap_dump_close(dumper_);  // also closes file_
    dumper_ = nullptr;
    file_ = nullptr;
  } else if (file_) {
    std::fclose(file_);
    file_ = nullptr;
  }
  if (pcap_) {
    pcap_close(pcap_);
    pcap_ = nullptr;
  }
  return ok;
}

}  // namespace mirador::gen

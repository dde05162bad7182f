#include "sensor/capture/pcap_source.h"

#include <pcap/pcap.h>
#include <poll.h>
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace mirador {

namespace {
constexpr size_t kReadBufferBytes = 1u << 20;
}  // namespace

PcapSource::PcapSource(pcap_t* p, bool live) : pcap_(p), live_(live) {
  link_type_ = pcap_datalink(p);
}

PcapSource::~PcapSource() {
  if (pcap_) pcap_close(pcap_);  // closes the FILE before read_buffer_ is freed
}

std::unique_ptr<PcapSource> PcapSource::open_file(const std::string& path, const std::string& bpf) {
  char err[PCAP_ERRBUF_SIZE] = {0};
  // Our own FILE with a 1 MiB buffer: stdio's default (4 KiB) costs a read() per few packets.
  // libpcap takes ownership of the FILE and closes it in pcap_close.
  std::FILE* f = std::fopen(path.c_str(), "rbe");
  if (!f) {
    throw std::runtime_error("cannot read capture '" + path + "': " + std::strerror(errno));
  }
  // glibc ignores the size unless we pass the buffer; it must outlive the FILE.
  auto buffer = std::make_unique<char[]>(kReadBufferBytes);
  std::setvbuf(f, buffer.get(), _IOFBF, kReadBufferBytes);
  // Micro precision: libpcap scales nanosecond files for us.
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, err);
  if (!p) {
    std::fclose(f);
    throw std::runtime_error("cannot read capture '" + path + "': " + err);
  }
  std::unique_ptr<PcapSource> src(new PcapSource(p, false));
  src->read_buffer_ = std::move(buffer);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) src->file_size_ = static_cast<uint64_t>(st.st_size);
  src->apply_filter(bpf);
  return src;
}

std::unique_ptr<PcapSource> PcapSource::open_live(const LiveCaptureConfig& cfg) {
  char err[PCAP_ERRBUF_SIZE] = {0};
  // libpcap takes the ring size as an int and ignores a value <= 0 (keeping its own default): a
  // size that wrapped (2 GiB) must not shrink the ring without a word.
  if (cfg.buffer_bytes <= 0) {
    throw std::runtime_error("capture.buffer_size out of range: libpcap takes at most " +
                             std::to_string(INT_MAX) + " bytes");
  }
  pcap_t* p = pcap_create(cfg.interface.c_str(), err);
  if (!p) throw std::runtime_error("cannot open interface '" + cfg.interface + "': " + err);
  pcap_set_snaplen(p, cfg.snaplen);
  pcap_set_promisc(p, cfg.promiscuous ? 1 : 0);
  // TPACKET_V3, libpcap's ring on Linux, needs immediate mode off (pcap_set_immediate_mode would
  // fall back to TPACKET_V2, one frame per packet): never set it. libpcap cuts the ring into
  // 256 KiB blocks, rounding buffer_bytes up (the 64 KiB minimum is one block, ~240 full-size
  // frames); the kernel hands a block over when full or after timeout_ms, and ps_drop counts the
  // packets that found no free block (tests/e2e/live_drops.sh).
  pcap_set_timeout(p, cfg.timeout_ms);
  pcap_set_buffer_size(p, cfg.buffer_bytes);
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
  int rc = pcap_activate(p);
  if (rc < 0) {
    std::string msg = "cannot start capture on '" + cfg.interface + "': " + pcap_geterr(p);
    pcap_close(p);
    throw std::runtime_error(msg);
  }
  if (rc > 0) {
    // A warning (e.g. promiscuous mode not supported): the capture still runs.
    std::fprintf(stderr, "mirador: warning on %s: %s\n", cfg.interface.c_str(), pcap_geterr(p));
  }
  std::unique_ptr<PcapSource> src(new PcapSource(p, true));
  src->apply_filter(cfg.bpf);
  // With TPACKET_V3 a blocking read can wait forever on an idle link (the timeout only runs once
  // a block has started filling), and then neither a signal nor --duration nor flow expiry could
  // act. Non-blocking reads plus our own poll() with the timeout keep the loop responsive.
  if (pcap_setnonblock(p, 1, err) != 0) {
    throw std::runtime_error("cannot make capture non-blocking: " + std::string(err));
  }
  src->fd_ = pcap_get_selectable_fd(p);
  src->timeout_ms_ = cfg.timeout_ms;
  return src;
}

void PcapSource::apply_filter(const std::string& bpf) {
  if (bpf.empty()) return;
  bpf_program prog{};
  if (pcap_compile(pcap_, &prog, bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    throw std::runtime_error("bad BPF filter '" + bpf + "': " + pcap_geterr(pcap_));
  }
  int rc = pcap_setfilter(pcap_, &prog);
  pcap_freecode(&prog);
  if (rc != 0)
    throw std::runtime_error("cannot set BPF filter: " + std::string(pcap_geterr(pcap_)));
}

ReadStatus PcapSource::next(RawPacket& pkt) {
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc = pcap_next_ex(pcap_, &hdr, &data);
  if (rc == 1) {
    pkt.data = data;
    pkt.cap_len = hdr->caplen;
    pkt.wire_len = hdr->len;
    pkt.ts_us = static_cast<int64_t>(hdr->ts.tv_sec) * 1'000'000 + hdr->ts.tv_usec;
    return ReadStatus::packet;
  }
  if (rc == 0) {
    // Live and nothing ready: wait for the descriptor, at most the timeout. A signal interrupts
    // poll() (EINTR) and the caller then sees its stop flag.
    if (fd_ >= 0) {
      pollfd pfd{fd_, POLLIN, 0};
      ::poll(&pfd, 1, timeout_ms_);
    }
    return ReadStatus::timeout;
  }
  if (rc == PCAP_ERROR_BREAK) return ReadStatus::end;
  // A file truncated mid-packet also lands here: libpcap reports it as an error.
  return rc == -2 ? ReadStatus::end : ReadStatus::error;
}

void PcapSource::interrupt() {
  pcap_breakloop(pcap_);
}

std::string PcapSource::error() const {
  return pcap_geterr(pcap_);
}

CaptureStats PcapSource::stats() const {
  CaptureStats s;
  if (!live_) return s;
  pcap_stat ps{};
  if (pcap_stats(pcap_, &ps) == 0) {
    s.received = ps.ps_recv;
    s.dropped = ps.ps_drop;
    s.if_dropped = ps.ps_ifdrop;
  }
  return s;
}

uint64_t PcapSource::file_offset() const {
  if (live_) return 0;
  std::FILE* f = pcap_file(pcap_);
  if (!f) return 0;
  long off = std::ftell(f);
  return off > 0 ? static_cast<uint64_t>(off) : 0;
}

}  // namespace mirador

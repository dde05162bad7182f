#include "sensor/capture/pcap_source.h"

#include <pcap/pcap.h>
#include <poll.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
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
  apply_filter(src->pcap_, bpf);
  return src;
}

pcap_t* PcapSource::activate(const LiveCaptureConfig& cfg) {
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
  try {
    apply_filter(p, cfg.bpf);
    // With TPACKET_V3 a blocking read can wait forever on an idle link (the timeout only runs
    // once a block has started filling), and then neither a signal nor --duration nor flow
    // expiry could act. Non-blocking reads plus our own poll() with the timeout keep the loop
    // responsive.
    if (pcap_setnonblock(p, 1, err) != 0) {
      throw std::runtime_error("cannot make capture non-blocking: " + std::string(err));
    }
  } catch (...) {
    pcap_close(p);
    throw;
  }
  return p;
}

std::unique_ptr<PcapSource> PcapSource::open_live(const LiveCaptureConfig& cfg) {
  std::unique_ptr<PcapSource> src(new PcapSource(activate(cfg), true));
  src->fd_ = pcap_get_selectable_fd(src->pcap_);
  src->timeout_ms_ = cfg.timeout_ms;
  src->cfg_ = cfg;
  return src;
}

void PcapSource::apply_filter(pcap_t* p, const std::string& bpf) {
  if (bpf.empty()) return;
  bpf_program prog{};
  if (pcap_compile(p, &prog, bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    throw std::runtime_error("bad BPF filter '" + bpf + "': " + pcap_geterr(p));
  }
  int rc = pcap_setfilter(p, &prog);
  pcap_freecode(&prog);
  if (rc != 0) throw std::runtime_error("cannot set BPF filter: " + std::string(pcap_geterr(p)));
}

namespace {

int64_t monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace

ReadStatus PcapSource::next(RawPacket& pkt) {
  if (!pcap_) return try_reopen();
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
      if (::poll(&pfd, 1, timeout_ms_) > 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) &&
          !(pfd.revents & POLLIN)) {
        // A link that went down reports POLLERR until it comes back (libpcap reads on and
        // says nothing): wait the timeout anyway instead of spinning.
        ::poll(nullptr, 0, timeout_ms_);
      }
    }
    return ReadStatus::timeout;
  }
  if (rc == PCAP_ERROR_BREAK) return ReadStatus::end;
  if (live_ && rc == PCAP_ERROR && cfg_.reopen_interval_ms > 0) return live_failed();
  // A file truncated mid-packet also lands here: libpcap reports it as an error.
  return rc == -2 ? ReadStatus::end : ReadStatus::error;
}

ReadStatus PcapSource::live_failed() {
  last_error_ = pcap_geterr(pcap_);
  const CaptureStats now = stats();
  carried_.received = now.received;
  carried_.dropped = now.dropped;
  carried_.if_dropped = now.if_dropped;
  ++carried_.capture_errors;
  pcap_close(pcap_);
  pcap_ = nullptr;
  fd_ = -1;
  std::fprintf(stderr, "mirador: capture on %s failed: %s; reopening every %d ms\n",
               cfg_.interface.c_str(), last_error_.c_str(), cfg_.reopen_interval_ms);
  std::fflush(stderr);
  next_reopen_ms_ = monotonic_ms() + cfg_.reopen_interval_ms;
  return ReadStatus::timeout;
}

ReadStatus PcapSource::try_reopen() {
  const int64_t now = monotonic_ms();
  if (now < next_reopen_ms_) {
    ::poll(nullptr, 0, static_cast<int>(std::min<int64_t>(timeout_ms_, next_reopen_ms_ - now)));
    return ReadStatus::timeout;
  }
  next_reopen_ms_ = now + cfg_.reopen_interval_ms;
  try {
    pcap_t* p = activate(cfg_);
    if (pcap_datalink(p) != link_type_) {
      // Another kind of interface under the same name: the decoder could not follow.
      pcap_close(p);
      return ReadStatus::timeout;
    }
    pcap_ = p;
    fd_ = pcap_get_selectable_fd(p);
    ++carried_.reopens;
    std::fprintf(stderr, "mirador: capture on %s reopened\n", cfg_.interface.c_str());
    std::fflush(stderr);
  } catch (const std::exception&) {
    // Still gone: try again at the next interval (the first failure was logged).
  }
  return ReadStatus::timeout;
}

void PcapSource::interrupt() {
  if (pcap_) pcap_breakloop(pcap_);
}

std::string PcapSource::error() const {
  return pcap_ ? std::string(pcap_geterr(pcap_)) : last_error_;
}

CaptureStats PcapSource::stats() const {
  CaptureStats s;
  if (!live_) return s;
  s = carried_;  // the handles closed after an error
  pcap_stat ps{};
  if (pcap_ && pcap_stats(pcap_, &ps) == 0) {
    s.received += ps.ps_recv;
    s.dropped += ps.ps_drop;
    s.if_dropped += ps.ps_ifdrop;
  }
  return s;
}

uint64_t PcapSource::file_offset() const {
  if (live_ || !pcap_) return 0;
  std::FILE* f = pcap_file(pcap_);
  if (!f) return 0;
  long off = std::ftell(f);
  return off > 0 ? static_cast<uint64_t>(off) : 0;
}

}  // namespace mirador

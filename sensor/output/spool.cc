#include "sensor/output/spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace mirador {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "spool-";
constexpr std::string_view kSuffix = ".seg";

void put_u64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put_u32(unsigned char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
uint64_t get_u64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint32_t get_u32(const unsigned char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// CRC over the sequence, the length and the payload: a damaged header fails it too.
uint32_t record_crc(const unsigned char* header, std::string_view payload) {
  uLong c = crc32(0L, header, 12);
  c = crc32(c, reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size()));
  return static_cast<uint32_t>(c);
}

// Reads exactly n bytes at off; false on a short read or an error.
bool pread_all(int fd, void* buf, size_t n, uint64_t off) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
    off += static_cast<uint64_t>(r);
  }
  return true;
}

// "spool-00000000000000000042.seg" -> 42.
bool parse_segment_name(std::string_view name, uint64_t& first_seq) {
  if (name.size() <= kPrefix.size() + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix)) {
    return false;
  }
  std::string_view digits =
      name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), first_seq);
  return ec == std::errc() && end == digits.data() + digits.size();
}

void sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

Spool::Spool(const SpoolConfig& cfg) : cfg_(cfg) {
  std::error_code ec;
  fs::create_directories(cfg_.dir, ec);
  if (ec) throw std::runtime_error("spool: cannot create " + cfg_.dir + ": " + ec.message());
  const std::string lock_path = cfg_.dir + "/lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) {
    throw std::runtime_error("spool: cannot open " + lock_path + ": " + std::strerror(errno));
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw std::runtime_error("spool: " + cfg_.dir + " is in use (" + std::strerror(err) + ")");
  }
  recover();
}

Spool::~Spool() {
  close();
}

void Spool::recover() {
  // The ack point. Unreadable means 0: everything is replayed, the collector drops duplicates.
  if (std::FILE* f = std::fopen((cfg_.dir + "/ack").c_str(), "r")) {
    unsigned long long v = 0;
    if (std::fscanf(f, "%llu", &v) == 1) acked_ = v;
    std::fclose(f);
  }
  std::error_code ec;
  fs::remove(cfg_.dir + "/ack.tmp", ec);

  std::vector<std::pair<uint64_t, std::string>> found;
  for (const fs::directory_entry& e : fs::directory_iterator(cfg_.dir, ec)) {
    uint64_t first = 0;
    if (e.is_regular_file(ec) && parse_segment_name(e.path().filename().string(), first)) {
      found.emplace_back(first, e.path().string());
    }
  }
  std::sort(found.begin(), found.end());

  uint64_t prev_seq = 0;
  std::string payload;
  for (auto& [name_seq, path] : found) {
    Segment seg;
    seg.path = path;
    uint64_t count = 0;
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) continue;  // left alone: unreadable is not ours to delete
    struct stat st {};
    const uint64_t size = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    uint64_t off = 0;
    while (off < size) {
      unsigned char h[kRecordHeader];
      if (size - off < kRecordHeader || !pread_all(fd, h, kRecordHeader, off)) break;
      const uint64_t seq = get_u64(h);
      const uint32_t len = get_u32(h + 8);
      if (len > size - off - kRecordHeader || seq <= prev_seq) break;
      payload.resize(len);
      if (!pread_all(fd, payload.data(), len, off + kRecordHeader)) break;
      if (record_crc(h, payload) != get_u32(h + 12)) break;
      if (count++ == 0) seg.first_seq = seq;
      seg.last_seq = seq;
      prev_seq = seq;
      off += kRecordHeader + len;
    }
    if (off < size) {
      ++counters_.corrupt_tail;
      if (::ftruncate(fd, static_cast<off_t>(off)) != 0) ++counters_.write_errors;
    }
    ::close(fd);
    seg.bytes = off;
    if (count == 0 || seg.last_seq <= acked_) {
      if (count > 0) ++counters_.segments_deleted;
      fs::remove(path, ec);
      continue;
    }
    total_bytes_ += seg.bytes;
    segments_.push_back(std::move(seg));
  }
  // New appends go to a new segment; numbering continues above everything seen.
  last_appended_ = std::max(acked_, segments_.empty() ? 0 : segments_.back().last_seq);
  read_seq_ = acked_;
}

bool Spool::open_segment_for(uint64_t seq) {
  char name[48];
  std::snprintf(name, sizeof name, "/spool-%020llu.seg", static_cast<unsigned long long>(seq));
  Segment seg;
  seg.path = cfg_.dir + name;
  seg.first_seq = seq;
  write_fd_ = ::open(seg.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (write_fd_ < 0) return false;
  if (cfg_.fsync_every_n > 0) sync_dir(cfg_.dir);  // the new name itself must survive power loss
  segments_.push_back(std::move(seg));
  unsynced_ = 0;
  return true;
}

void Spool::close_writer(bool sync) {
  if (write_fd_ < 0) return;
  if (sync && unsynced_ > 0 && ::fdatasync(write_fd_) != 0) ++counters_.write_errors;
  ::close(write_fd_);
  write_fd_ = -1;
  unsynced_ = 0;
}

bool Spool::append(uint64_t seq, std::string_view bytes) {
  if (seq <= last_appended_) {
    ++counters_.out_of_order;
    return false;
  }
  const uint64_t rec = kRecordHeader + bytes.size();
  if (bytes.size() > UINT32_MAX || total_bytes_ + rec > cfg_.max_bytes) {
    ++counters_.dropped_full;
    return false;
  }
  if (write_fd_ >= 0 && segments_.back().bytes > 0 &&
      segments_.back().bytes + rec > cfg_.segment_bytes) {
    close_writer(true);  // roll
  }
  if (write_fd_ < 0 && !open_segment_for(seq)) {
    ++counters_.write_errors;
    return false;
  }

  Segment& seg = segments_.back();
  unsigned char h[kRecordHeader];
  put_u64(h, seq);
  put_u32(h + 8, static_cast<uint32_t>(bytes.size()));
  put_u32(h + 12, record_crc(h, bytes));
  iovec iov[2] = {{h, kRecordHeader}, {const_cast<char*>(bytes.data()), bytes.size()}};
  ssize_t w;
  do {
    w = ::writev(write_fd_, iov, 2);
  } while (w < 0 && errno == EINTR);

  if (w != static_cast<ssize_t>(rec)) {
    // Disk full or I/O error: take back any partial record so the segment stays readable.
    ++counters_.write_errors;
    if (w > 0 && ::ftruncate(write_fd_, static_cast<off_t>(seg.bytes)) != 0) {
      close_writer(false);  // the garbage tail is beyond seg.bytes: readers never look there
    }
    if (seg.bytes == 0) {  // a segment created for this event: leave no empty file behind
      close_writer(false);
      std::error_code ec;
      fs::remove(seg.path, ec);
      segments_.pop_back();
    }
    return false;
  }

  seg.bytes += rec;
  seg.last_seq = seq;
  total_bytes_ += rec;
  last_appended_ = seq;
  ++counters_.appended;
  ++unsynced_;
  if (cfg_.fsync_every_n > 0 && unsynced_ >= cfg_.fsync_every_n) {
    if (::fdatasync(write_fd_) != 0) ++counters_.write_errors;
    unsynced_ = 0;
  }
  return true;
}

size_t Spool::peek_batch(size_t max_events, std::vector<SpoolEvent>& out) {
  size_t n = 0;
  while (n < max_events && read_seg_ < segments_.size()) {
    const Segment& seg = segments_[read_seg_];
    if (read_off_ >= seg.bytes) {
      if (read_seg_ + 1 == segments_.size()) break;  // caught up with the writer
      ++read_seg_;
      read_off_ = 0;
      continue;
    }
    if (read_fd_ < 0 || read_fd_first_ != seg.first_seq) {
      if (read_fd_ >= 0) ::close(read_fd_);
      read_fd_ = ::open(seg.path.c_str(), O_RDONLY | O_CLOEXEC);
      read_fd_first_ = seg.first_seq;
    }
    unsigned char h[kRecordHeader];
    bool ok = read_fd_ >= 0 && seg.bytes - read_off_ >= kRecordHeader &&
              pread_all(read_fd_, h, kRecordHeader, read_off_);
    const uint64_t seq = ok ? get_u64(h) : 0;
    const uint32_t len = ok ? get_u32(h + 8) : 0;
    ok = ok && len <= seg.bytes - read_off_ - kRecordHeader;
    if (ok && seq <= read_seq_) {  // acknowledged, or returned before a rewind
      read_off_ += kRecordHeader + len;
      continue;
    }
    if (ok) {
      if (n == out.size()) out.emplace_back();
      SpoolEvent& e = out[n];
      e.bytes.resize(len);
      ok = pread_all(read_fd_, e.bytes.data(), len, read_off_ + kRecordHeader) &&
           record_crc(h, e.bytes) == get_u32(h + 12);
      if (ok) {
        e.seq = seq;
        ++n;
        read_seq_ = seq;
        read_off_ += kRecordHeader + len;
        continue;
      }
    }
    // Damaged since it was written or recovered: skip the rest of this segment.
    ++counters_.read_errors;
    read_off_ = seg.bytes;
  }
  out.resize(n);
  counters_.replayed += n;
  return n;
}

void Spool::rewind() {
  read_seg_ = 0;
  read_off_ = 0;
  read_seq_ = acked_;
}

void Spool::delete_front() {
  Segment& seg = segments_.front();
  if (segments_.size() == 1) close_writer(false);  // its events are acknowledged: no sync
  if (read_fd_ >= 0 && read_fd_first_ == seg.first_seq) {
    ::close(read_fd_);
    read_fd_ = -1;
  }
  std::error_code ec;
  fs::remove(seg.path, ec);
  total_bytes_ -= seg.bytes;
  ++counters_.segments_deleted;
  segments_.pop_front();
  if (read_seg_ > 0) {
    --read_seg_;
  } else {
    read_off_ = 0;  // the cursor was in the deleted segment: go on from the next one
  }
}

void Spool::ack(uint64_t up_to, bool persist) {
  if (up_to <= acked_) return;
  acked_ = up_to;
  ack_dirty_ = true;
  last_appended_ = std::max(last_appended_, acked_);
  // The file goes first: a segment is deleted only once its acknowledgement is on disk.
  if (persist || (!segments_.empty() && segments_.front().last_seq <= acked_)) persist_ack();
  while (!segments_.empty() && segments_.front().last_seq <= acked_) delete_front();
  read_seq_ = std::max(read_seq_, acked_);
}

void Spool::persist_ack() {
  if (!ack_dirty_) return;
  if (write_ack_file()) {
    ack_dirty_ = false;
  } else {
    ++counters_.ack_errors;
  }
}

bool Spool::write_ack_file() {
  const std::string tmp = cfg_.dir + "/ack.tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return false;
  bool ok = std::fprintf(f, "%llu\n", static_cast<unsigned long long>(acked_)) > 0;
  ok = (std::fclose(f) == 0) && ok;
  return ok && std::rename(tmp.c_str(), (cfg_.dir + "/ack").c_str()) == 0;
}

void Spool::sync() {
  if (write_fd_ >= 0 && unsynced_ > 0) {
    if (::fdatasync(write_fd_) != 0) ++counters_.write_errors;
    unsynced_ = 0;
  }
}

void Spool::close() {
  if (lock_fd_ >= 0) persist_ack();
  close_writer(true);
  if (read_fd_ >= 0) ::close(read_fd_);
  read_fd_ = -1;
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
  lock_fd_ = -1;
}

bool Spool::empty() const {
  return segments_.empty() || segments_.back().last_seq <= acked_;
}

uint64_t Spool::last_seq() const {
  return last_appended_;
}

SpoolCounters Spool::counters() const {
  SpoolCounters c = counters_;
  c.bytes = total_bytes_;
  c.segments = segments_.size();
  return c;
}

}  // namespace mirador

#include "sensor/output/sequence_store.h"

#include <fcntl.h>
#include <unistd.h>

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

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

SequenceStore::SequenceStore(std::string dir, uint64_t block)
    : dir_(std::move(dir)), block_(block == 0 ? 1 : block) {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_, ec)) {
    throw std::runtime_error("sequence store: cannot use directory " + dir_ + ": " +
                             (ec ? ec.message() : std::string("not a directory")));
  }
  const std::string path = dir_ + "/sequence";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return;  // first run
    throw std::runtime_error("sequence store: cannot read " + path + ": " + std::strerror(errno));
  }
  char buf[64];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  const int err = errno;
  ::close(fd);
  if (n < 0) {
    throw std::runtime_error("sequence store: cannot read " + path + ": " + std::strerror(err));
  }
  // Written atomically, so anything but a number is damage from outside: refuse rather than risk
  // numbering events a collector has already seen.
  size_t len = static_cast<size_t>(n);
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' ')) --len;
  uint64_t v = 0;
  auto [end, perr] = std::from_chars(buf, buf + len, v);
  if (perr != std::errc() || end != buf + len || len == 0) {
    throw std::runtime_error("sequence store: " + path + " does not hold a sequence number");
  }
  reserved_ = v;
  start_ = v + 1;
}

bool SequenceStore::ensure(uint64_t seq) {
  if (dir_.empty() || seq <= reserved_) return true;
  if (!write(seq + block_)) {
    ++write_errors_;
    return false;
  }
  reserved_ = seq + block_;
  return true;
}

void SequenceStore::finish(uint64_t last) {
  if (dir_.empty()) return;
  // Never below where this run started: a run that numbered nothing keeps the old value.
  if (last < start_ - 1) last = start_ - 1;
  if (write(last)) {
    reserved_ = last;
  } else {
    ++write_errors_;
  }
}

bool SequenceStore::write(uint64_t value) {
  const std::string tmp = dir_ + "/sequence.tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%llu\n", static_cast<unsigned long long>(value));
  bool ok = write_all(fd, buf, static_cast<size_t>(n)) && ::fdatasync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), (dir_ + "/sequence").c_str()) != 0) return false;
  // The rename itself must survive a power loss, or a restart could number from the old value.
  const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace mirador

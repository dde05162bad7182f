#include "tools/collector/syslog_forwarder.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>

namespace mirador::collector {

namespace {

// RFC 5424 HOSTNAME: 1-255 printable US-ASCII characters, "-" when unknown.
std::string local_hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == 0) return "-";
  std::string h(buf);
  for (char& c : h) {
    if (c <= 32 || c >= 127) c = '_';
  }
  return h;
}

int connect_tcp(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd >= 0) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

// True when the peer has closed (or reset) the connection: readable with nothing to read. The
// SIEM never sends anything, so any readable state is the end of the connection.
bool peer_closed(int fd) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  return (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

bool send_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

SyslogForwarder::SyslogForwarder(const SyslogConfig& cfg) : cfg_(cfg), hostname_(local_hostname()) {
  thread_ = std::thread([this] { run(); });
}

SyslogForwarder::~SyslogForwarder() {
  stop();
}

std::string SyslogForwarder::format(int facility, int severity,
                                    std::chrono::system_clock::time_point t,
                                    std::string_view hostname, uint32_t procid,
                                    std::string_view msg) {
  const int pri = std::clamp(facility, 0, 23) * 8 + std::clamp(severity, 0, 7);
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char head[96];
  std::snprintf(head, sizeof head, "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%06dZ ", pri,
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(us % 1'000'000));
  std::string out(head);
  out.append(hostname.empty() ? std::string_view("-") : hostname.substr(0, 255));
  out += " mirador-collector ";
  out += std::to_string(procid);
  out += " finding - ";
  out.append(msg);
  return out;
}

void SyslogForwarder::send(int severity, std::string_view msg) {
  std::string m = format(cfg_.facility, severity, std::chrono::system_clock::now(), hostname_,
                         static_cast<uint32_t>(::getpid()), msg);
  // RFC 6587 octet counting: "<length> <message>".
  std::string frame = std::to_string(m.size());
  frame += ' ';
  frame += m;
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= cfg_.max_queued) {
      ++c_.dropped;
      return;
    }
    queue_.push_back(std::move(frame));
    ++c_.queued;
  }
  cv_.notify_one();
}

void SyslogForwarder::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SyslogCounters SyslogForwarder::counters() const {
  std::lock_guard lock(mu_);
  return c_;
}

void SyslogForwarder::run() {
  using clock = std::chrono::steady_clock;
  int fd = -1;
  auto backoff = std::chrono::milliseconds(100);
  clock::time_point next_connect{};
  clock::time_point drain_deadline = clock::time_point::max();
  std::unique_lock lock(mu_);
  for (;;) {
    if (stopping_ && drain_deadline == clock::time_point::max()) {
      drain_deadline = clock::now() + cfg_.drain_timeout;
    }
    if (stopping_ && (queue_.empty() || clock::now() >= drain_deadline)) break;
    if (queue_.empty()) {
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      continue;
    }
    if (fd >= 0 && peer_closed(fd)) {
      ::close(fd);
      fd = -1;
    }
    if (fd < 0) {
      const auto now = clock::now();
      if (now < next_connect) {
        cv_.wait_until(lock, std::min(next_connect, drain_deadline));
        continue;
      }
      lock.unlock();
      fd = connect_tcp(cfg_.host, cfg_.port);
      lock.lock();
      if (fd < 0) {
        ++c_.send_errors;
        next_connect = clock::now() + backoff;
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
        continue;
      }
      ++c_.connects;
      backoff = std::chrono::milliseconds(100);
    }
    // Send the head of the queue; it leaves the queue only once written.
    std::string frame = queue_.front();
    lock.unlock();
    const bool ok = send_all(fd, frame);
    lock.lock();
    if (ok) {
      queue_.pop_front();
      ++c_.sent;
    } else {
      ++c_.send_errors;
      ::close(fd);
      fd = -1;
      next_connect = clock::now() + backoff;
    }
  }
  c_.dropped += queue_.size();
  queue_.clear();
  lock.unlock();
  if (fd >= 0) ::close(fd);
}

}  // namespace mirador::collector

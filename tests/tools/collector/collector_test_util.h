// Helpers shared by the collector's tests: temporary directories, events, a TCP listener on
// 127.0.0.1 that reads RFC 6587 octet-counted frames, files read as lines.
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "mirador/v1/event.pb.h"
#include "tools/collector/event_json_id.h"

namespace mirador::collector::test {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("mirador_collector_" + std::to_string(getpid()) + "_" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

inline v1::Event http_event(const std::string& sensor, uint64_t seq) {
  v1::Event e;
  e.set_sensor_id(sensor);
  e.set_sequence(seq);
  e.mutable_time()->set_seconds(1'795'873'875 + static_cast<int64_t>(seq % 100000));
  e.mutable_time()->set_nanos(123'456'000);
  auto* h = e.mutable_http();
  h->mutable_flow()->set_src_ip("198.18.0.1");
  h->mutable_flow()->set_src_port(40000);
  h->mutable_flow()->set_dst_ip("198.18.0.2");
  h->mutable_flow()->set_dst_port(80);
  h->set_trans_depth(1);
  h->set_method("GET");
  h->set_uri("/items/" + std::to_string(seq));
  h->set_has_response(true);
  h->set_status(200);
  return e;
}

inline std::string http_bytes(const std::string& sensor, uint64_t seq) {
  return http_event(sensor, seq).SerializeAsString();
}

inline v1::Event finding_event(const std::string& sensor, uint64_t seq) {
  v1::Event e;
  e.set_sensor_id(sensor);
  e.set_sequence(seq);
  e.mutable_time()->set_seconds(1'795'873'875);
  e.mutable_time()->set_nanos(987'000'000);
  auto* f = e.mutable_finding();
  f->mutable_flow()->set_community_id("1:abc=");
  f->mutable_flow()->set_src_ip("198.18.0.1");
  f->mutable_flow()->set_src_port(40000);
  f->mutable_flow()->set_dst_ip("198.18.0.2");
  f->mutable_flow()->set_dst_port(443);
  f->set_id("sqli.union_select");
  f->set_risk_class("sql_injection");
  f->set_severity("high");
  f->set_owasp_api("API8:2023");
  f->set_summary("SQL injection | UNION SELECT in a=b");
  f->add_locations("request.query id");
  f->add_masked_samples("1 UNION SELECT ***");
  f->set_count(3);
  f->set_endpoint("GET /users/{id}");
  return e;
}

inline std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// (sensor, sequence) of every line of a collector's JSON file.
inline std::multiset<std::pair<std::string, uint64_t>> event_ids(const std::string& path) {
  std::multiset<std::pair<std::string, uint64_t>> out;
  for (const auto& l : read_lines(path)) {
    std::string id;
    uint64_t seq = 0;
    REQUIRE(collector::extract_event_id(l, id, seq));
    out.emplace(id, seq);
  }
  return out;
}

// A listening TCP socket on 127.0.0.1 (port 0 = any) reading octet-counted syslog frames.
class FrameListener {
 public:
  explicit FrameListener(uint16_t port = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 8) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~FrameListener() { close_all(); }
  bool ok() const { return fd_ >= 0; }
  uint16_t port() const { return port_; }

  void close_all() {
    if (conn_ >= 0) ::close(conn_);
    if (fd_ >= 0) ::close(fd_);
    conn_ = fd_ = -1;
  }

  // Next frame's message, or nothing after `timeout`.
  std::optional<std::string> next(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto f = take_frame()) return f;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{conn_ >= 0 ? conn_ : fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      if (conn_ < 0) {
        conn_ = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        ++accepted_;
        continue;
      }
      char buf[4096];
      const ssize_t n = ::recv(conn_, buf, sizeof buf, 0);
      if (n <= 0) {
        ::close(conn_);
        conn_ = -1;
        continue;
      }
      buf_.append(buf, static_cast<size_t>(n));
    }
  }
  int accepted() const { return accepted_; }

 private:
  std::optional<std::string> take_frame() {
    const size_t sp = buf_.find(' ');
    if (sp == std::string::npos) return std::nullopt;
    const size_t len = std::stoul(buf_.substr(0, sp));
    if (buf_.size() < sp + 1 + len) return std::nullopt;
    std::string msg = buf_.substr(sp + 1, len);
    buf_.erase(0, sp + 1 + len);
    return msg;
  }

  int fd_ = -1, conn_ = -1, accepted_ = 0;
  uint16_t port_ = 0;
  std::string buf_;
};

}  // namespace mirador::collector::test

// SyslogForwarder: sends lines (CEF findings) to a SIEM as RFC 5424 syslog messages over TCP,
// framed by octet counting (RFC 6587 §3.4.1: "<length> <message>"), so a message may contain any
// byte without ending early.
//
//   <PRI>1 <TIMESTAMP> <HOSTNAME> mirador-collector <PROCID> finding - <MSG>
//
// PRI = facility (config, default local4 = 20) * 8 + severity mapped from the finding's.
// TIMESTAMP is RFC 3339 with microseconds, UTC. HOSTNAME is the collector's host name.
//
// Its own thread sends from a bounded queue (max_queued messages): send() never blocks; when the
// queue is full the message is dropped and counted. A lost connection is retried with backoff;
// messages queued meanwhile are kept (up to the cap). Before each write the connection is checked
// for an orderly close by the peer (a listener that restarted), so the message goes to a fresh
// connection instead of into a dead one. stop() sends what is queued for up to `drain_timeout`,
// then closes; what is still queued then is counted as dropped.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace mirador::collector {

struct SyslogConfig {
  std::string host;  // name or address of the SIEM's syslog TCP listener
  uint16_t port = 514;
  int facility = 20;  // local4
  size_t max_queued = 100000;
  std::chrono::milliseconds drain_timeout{5000};
};

struct SyslogCounters {
  uint64_t queued = 0;
  uint64_t sent = 0;
  uint64_t dropped = 0;  // queue full, or still queued when stop() gave up
  uint64_t connects = 0;
  uint64_t send_errors = 0;
};

class SyslogForwarder {
 public:
  explicit SyslogForwarder(const SyslogConfig& cfg);  // starts the thread
  ~SyslogForwarder();                                 // stop()

  // Frames `msg` with a header of the given syslog severity (0-7) and queues it.
  void send(int severity, std::string_view msg);
  void stop();
  SyslogCounters counters() const;

  // The RFC 5424 message (without the octet-count frame) — exposed for tests.
  static std::string format(int facility, int severity, std::chrono::system_clock::time_point t,
                            std::string_view hostname, uint32_t procid, std::string_view msg);

 private:
  void run();

  SyslogConfig cfg_;
  std::string hostname_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  SyslogCounters c_;
  std::thread thread_;
};

}  // namespace mirador::collector

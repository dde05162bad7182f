// RFC 5424 messages framed by RFC 6587 octet counting, read back by a TCP listener on 127.0.0.1.
#include "tools/collector/syslog_forwarder.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <functional>
#include <thread>

#include "collector_test_util.h"

using namespace mirador::collector;
using test::FrameListener;

namespace {

struct Parsed {
  int pri = -1;
  std::string version, timestamp, hostname, app, procid, msgid, sd, msg;
};

// HEADER fields are separated by single spaces; MSG is the rest. (No std::regex: g++ warns inside
// it under the sanitizers.)
Parsed parse(const std::string& m) {
  Parsed p;
  if (m.size() < 3 || m[0] != '<') return p;
  const size_t gt = m.find('>');
  if (gt == std::string::npos || gt < 2 || gt > 4) return p;
  p.pri = std::stoi(m.substr(1, gt - 1));
  std::string* fields[] = {&p.version, &p.timestamp, &p.hostname, &p.app,
                           &p.procid,  &p.msgid,     &p.sd};
  size_t at = gt + 1;
  for (std::string* f : fields) {
    const size_t sp = m.find(' ', at);
    if (sp == std::string::npos || sp == at) {
      p.pri = -1;
      return p;
    }
    *f = m.substr(at, sp - at);
    at = sp + 1;
  }
  p.msg = m.substr(at);
  return p;
}

// YYYY-MM-DDTHH:MM:SS.uuuuuuZ
bool rfc3339_us(const std::string& t) {
  const std::string shape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  if (t.size() != shape.size()) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    if (shape[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(t[i])) : t[i] != shape[i])
      return false;
  }
  return true;
}

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

}  // namespace

TEST_CASE("syslog: RFC 5424 format") {
  using namespace std::chrono;
  const system_clock::time_point t{seconds(1'795'873'875) + microseconds(123'456)};
  const std::string m = SyslogForwarder::format(20, 3, t, "host-1", 4242, "CEF:0|x");
  CHECK(m == "<163>1 2026-11-28T13:51:15.123456Z host-1 mirador-collector 4242 finding - CEF:0|x");
  CHECK(SyslogForwarder::format(1, 7, t, "", 1, "m").rfind("<15>1 ", 0) == 0);
  CHECK(SyslogForwarder::format(1, 7, t, "", 1, "m").find(" - mirador-collector ") !=
        std::string::npos);  // empty host name is the NILVALUE
}

TEST_CASE("syslog: frames over TCP parse back; a message may hold any byte") {
  FrameListener l;
  REQUIRE(l.ok());
  SyslogConfig cfg;
  cfg.host = "127.0.0.1";
  cfg.port = l.port();
  cfg.facility = 16;  // local0
  SyslogForwarder f(cfg);
  const std::vector<std::string> msgs = {"CEF:0|Mirador|mirador|0.1.0|a|b|8|src=198.18.0.1",
                                         "two\nlines and 12 digits", std::string("nul\0byte", 8)};
  f.send(3, msgs[0]);
  f.send(6, msgs[1]);
  f.send(2, msgs[2]);
  for (size_t i = 0; i < msgs.size(); ++i) {
    auto frame = l.next();
    REQUIRE(frame);
    const Parsed p = parse(*frame);
    CHECK(p.pri == 16 * 8 + (i == 0 ? 3 : i == 1 ? 6 : 2));
    CHECK(p.version == "1");
    CHECK(rfc3339_us(p.timestamp));
    CHECK(!p.hostname.empty());
    CHECK(p.app == "mirador-collector");
    CHECK(p.procid == std::to_string(getpid()));
    CHECK(p.msgid == "finding");
    CHECK(p.sd == "-");
    CHECK(p.msg == msgs[i]);
  }
  f.stop();
  const auto c = f.counters();
  CHECK(c.queued == 3);
  CHECK(c.sent == 3);
  CHECK(c.dropped == 0);
  CHECK(c.connects == 1);
}

TEST_CASE("syslog: reconnects after the listener restarts, keeping what was queued") {
  auto l = std::make_unique<FrameListener>();
  REQUIRE(l->ok());
  const uint16_t port = l->port();
  SyslogConfig cfg;
  cfg.host = "127.0.0.1";
  cfg.port = port;
  SyslogForwarder f(cfg);
  f.send(4, "one");
  CHECK(parse(l->next().value_or("")).msg == "one");
  l.reset();  // the SIEM goes away (connection and listener closed)
  // Let the forwarder see the close before the next message.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  f.send(4, "two");
  f.send(4, "three");
  REQUIRE(wait_for([&] { return f.counters().send_errors > 0; }, std::chrono::seconds(3)));
  l = std::make_unique<FrameListener>(port);
  REQUIRE(l->ok());
  CHECK(parse(l->next().value_or("")).msg == "two");
  CHECK(parse(l->next().value_or("")).msg == "three");
  // The listener can read a frame before the forwarder has counted it.
  CHECK(wait_for([&] { return f.counters().sent == 3; }, std::chrono::seconds(2)));
  const auto c = f.counters();
  CHECK(c.sent == 3);
  CHECK(c.connects == 2);
  CHECK(c.dropped == 0);
}

TEST_CASE("syslog: a full queue drops and counts; stop gives up after the drain timeout") {
  uint16_t dead_port;
  {
    FrameListener probe;  // a port with nothing listening once it is closed
    dead_port = probe.port();
  }
  SyslogConfig cfg;
  cfg.host = "127.0.0.1";
  cfg.port = dead_port;
  cfg.max_queued = 5;
  cfg.drain_timeout = std::chrono::milliseconds(200);
  SyslogForwarder f(cfg);
  for (int i = 0; i < 20; ++i) f.send(4, "m" + std::to_string(i));
  auto c = f.counters();
  CHECK(c.queued == 5);
  CHECK(c.dropped == 15);
  const auto t0 = std::chrono::steady_clock::now();
  f.stop();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  c = f.counters();
  CHECK(c.sent == 0);
  CHECK(c.dropped == 20);
  CHECK(c.send_errors > 0);
}

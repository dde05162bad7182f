// The flow table's memcap covers the sessions hung on its flows: a flood of connections that each
// start a request (an HTTP/1.x session and a pending transaction each) stays under flow.memcap,
// the oldest evicted and counted; and the charges are honest: the heap really grows by no more
// than what is charged per flow (checked with mallinfo2 where the allocator is glibc's).
#include <malloc.h>

#include <catch2/catch.hpp>
#include <string>

#include "sensor/worker.h"
#include "tests/sensor/worker_conn.h"

using namespace mirador;
using namespace mirador::test;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kGlibcHeap = false;  // ASan's allocator: mallinfo2 says nothing
#else
constexpr bool kGlibcHeap = true;
#endif

std::string h2_start() {
  std::string s = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  s.append("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9);  // an empty SETTINGS frame
  return s;
}

std::string tls_client_hello() {
  std::string hello = "\x03\x03" + std::string(32, '\x07');  // version, random
  hello.append("\x00\x00\x02\x13\x01\x01\x00\x00\x00", 9);   // session id, suite, compression
  std::string hs = "\x01";
  hs += std::string("\x00\x00", 2) + static_cast<char>(hello.size()) + hello;
  std::string rec("\x16\x03\x01\x00", 4);
  return rec + static_cast<char>(hs.size()) + hs;
}

// Opens `n` connections that each send `first` bytes (or a first request line) and stay open.
void flood(Worker& w, uint32_t n, uint32_t first = 0, const std::string& bytes = "") {
  for (uint32_t i = first; i < first + n; ++i) {
    const std::string client =
        "198.18." + std::to_string((i >> 8) & 0xFF) + "." + std::to_string(i & 0xFF);
    Conn c(w, client.c_str(), static_cast<uint16_t>(1024 + (i >> 16)), "198.19.0.1", 80);
    c.ts = 1'000'000'000 + static_cast<int64_t>(i) * 10'000;
    c.handshake();
    c.client(bytes.empty() ? "GET /flood/" + std::to_string(i) + " HTTP/1.1\r\nHost: api.test\r\n"
                           : bytes);
  }
}

}  // namespace

TEST_CASE("flow.memcap bounds flows together with their HTTP sessions") {
  CollectingSink sink;
  WorkerConfig cfg;
  cfg.flows.memcap = 4u << 20;
  Worker w(cfg, sink);
  flood(w, 3000);
  const FlowTableCounters& fc = w.flow_counters();
  CHECK(fc.peak_memory_bytes <= cfg.flows.memcap);
  CHECK(fc.evicted_memcap > 0);
  CHECK(fc.evicted == fc.evicted_memcap);
  // Without the sessions' charges the table alone would have held them all.
  CHECK(fc.peak_active < 3000);
  CHECK(fc.peak_active * FlowTableConfig::kBytesPerFlow < cfg.flows.memcap / 2);
  // Evicted flows still report their pending requests.
  CHECK(sink.records.size() == fc.evicted);
  w.finish();
  CHECK(sink.records.size() == 3000);
  CHECK(w.flow_counters().memory_bytes == 0);
}

TEST_CASE("what a flow is charged covers what its session really allocates") {
  if (!kGlibcHeap) return;  // the sanitizer's allocator: mallinfo2 says nothing
  const std::string h2 = h2_start(), tls = tls_client_hello();
  for (const std::string* bytes : {static_cast<const std::string*>(nullptr), &h2, &tls}) {
    CollectingSink sink;
    sink.records.reserve(20000);
    WorkerConfig cfg;
    Worker w(cfg, sink);
    const std::string first = bytes ? *bytes : std::string();
    flood(w, 500, 0, first);  // warm-up: pools, table growth
    const size_t before = mallinfo2().uordblks;
    const uint64_t charged_before = w.flow_counters().memory_bytes;
    flood(w, 10000, 500, first);
    const size_t grown = mallinfo2().uordblks - before;
    const uint64_t charged = w.flow_counters().memory_bytes - charged_before;
    INFO((bytes == &h2    ? "HTTP/2"
          : bytes == &tls ? "TLS"
                          : "HTTP/1.x")
         << ": heap grew " << grown / 10000 << " bytes per flow; charged " << charged / 10000);
    CHECK(w.flow_counters().active == 10500);
    CHECK(grown <= charged);
    // ...and not wildly over (the cap would then be needlessly tight).
    CHECK(charged <= 2 * grown);
  }
}

TEST_CASE("a flood four times longer than the memcap holds leaves the heap flat") {
  if (!kGlibcHeap) return;  // the sanitizer's allocator: mallinfo2 says nothing
  CollectingSink sink;
  sink.records.reserve(100000);
  WorkerConfig cfg;
  cfg.flows.memcap = 8u << 20;
  Worker w(cfg, sink);
  flood(w, 5000);
  const size_t first = mallinfo2().uordblks;
  flood(w, 20000, 5000);
  const size_t after = mallinfo2().uordblks;
  INFO("heap " << first << " after 5,000 flows, " << after << " after 25,000");
  CHECK(after < first + (first >> 3));
}

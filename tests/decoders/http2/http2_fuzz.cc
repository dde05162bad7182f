// libFuzzer harness for Http2Session (clang builds with -Db_sanitize=address,undefined only).
// Input: the first byte picks the start (value % 3: normal, midstream, h2c upgrade; bit 7: the
// client preface is fed first); the rest is a list of chunks, each a header byte (bit 0: the
// direction; 0x1e all set: a gap; else 0x3c all set: a FIN) and a length byte, then the bytes.
// Caps are small so the fuzzer reaches them.
#include <cstddef>
#include <cstdint>
#include "decoders/http2/http2_session.h"
using namespace mirador;
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* d, size_t n) {
  if (n < 1) return 0;
  Http2Limits l;
  l.max_streams = 8;
  l.max_header_block = 512;
  l.max_buffered_data = 4096;
  Http2Counters c;
  size_t txs = 0;
  Http2Session s(l, c, [&](HttpTransaction&&) { ++txs; });
  uint8_t mode = d[0];
  if (mode % 3 == 1) s.start_midstream();
  if (mode % 3 == 2) {
    HttpTransaction t;
    t.method = "GET";
    t.request_headers.push_back({"HTTP2-Settings", "AAEAACAA"});
    s.start_upgraded(std::move(t));
  }
  size_t i = 1;
  static const char pre[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  if (mode & 0x80) s.on_data(Direction::to_server, reinterpret_cast<const uint8_t*>(pre), 24, 0);
  while (i + 2 <= n) {
    uint8_t h = d[i], len = d[i + 1];
    i += 2;
    size_t take = len < n - i ? len : n - i;
    Direction dir = (h & 1) ? Direction::to_client : Direction::to_server;
    if ((h & 0x1e) == 0x1e)
      s.on_gap(dir, take, 0);
    else if ((h & 0x3e) == 0x3c)
      s.on_end(dir, 0);
    else
      s.on_data(dir, d + i, take, static_cast<int64_t>(i));
    i += take;
  }
  s.on_close(0);
  return 0;
}

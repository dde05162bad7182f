// Fuzz target: Http1Session fed both directions' bytes, gaps and ends as stream records
// (tests/fuzz/fuzz_input.h), so requests and responses are split at input-chosen points; then
// closed. Every emitted transaction is read through. Small caps make them reachable.
#include <cstddef>
#include <cstdint>
#include <string>

#include "decoders/http1/http1_session.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

constexpr size_t kMaxRecords = 256;

size_t touch(const mirador::HttpTransaction& t) {
  size_t n = t.method.size() + t.uri.size() + t.request_body.size() + t.response_body.size();
  for (const auto& h : t.request_headers) n += h.name.size() + h.value.size();
  for (const auto& h : t.response_headers) n += h.name.size() + h.value.size();
  for (char c : t.request_body) n += static_cast<unsigned char>(c);
  for (char c : t.response_body) n += static_cast<unsigned char>(c);
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mirador::fuzz::FuzzInput in(data, size);
  mirador::Http1Limits limits;
  limits.max_line = 1024;
  limits.max_header_bytes = 4096;
  limits.max_headers = 32;
  limits.max_body_inspect = 16384;
  limits.max_pending = 8;
  limits.max_decoded_body = 1u << 20;
  limits.max_hold = 4096;
  mirador::Http1Counters counters;
  mirador::Http1Pool pool;
  volatile size_t sink = 0;
  mirador::Http1Session session(
      limits, counters, [&](mirador::HttpTransaction&& t) { sink = sink + touch(t); }, &pool);
  session.set_takeover("h2c");
  int64_t ts = 1'000'000;
  mirador::fuzz::feed_stream(
      in, session, kMaxRecords, ts,
      [](const mirador::fuzz::Record& r) {
        mirador::http1_looks_like_request(r.data, r.len);
        mirador::http1_looks_like_response(r.data, r.len);
      },
      [&] {
        if (!session.switch_pending()) return;
        sink = sink + touch(session.take_switch());
        sink = sink + session.take_after_switch(mirador::Direction::to_server).size() +
               session.take_after_switch(mirador::Direction::to_client).size();
      });
  session.on_close(ts + 1);
  return 0;
}

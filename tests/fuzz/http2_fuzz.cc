// Fuzz target: Http2Session (frames, HPACK through nghttp2, stream bodies) fed both directions'
// bytes as stream records (tests/fuzz/fuzz_input.h), then closed. Byte 0 picks how the connection
// starts: with the preface (0), midstream (1), or by an h2c upgrade (2) whose HTTP2-Settings
// value is the first record's bytes. Small caps make them reachable.
#include <cstddef>
#include <cstdint>
#include <string>

#include "decoders/http2/http2_session.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

constexpr size_t kMaxRecords = 256;

size_t touch(const mirador::HttpTransaction& t) {
  size_t n = t.method.size() + t.uri.size() + t.authority.size();
  for (const auto& h : t.request_headers) n += h.name.size() + h.value.size();
  for (const auto& h : t.response_headers) n += h.name.size() + h.value.size();
  for (const auto& h : t.response_trailers) n += h.name.size() + h.value.size();
  for (char c : t.request_body) n += static_cast<unsigned char>(c);
  for (char c : t.response_body) n += static_cast<unsigned char>(c);
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mirador::fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.u8() % 3;
  mirador::Http2Limits limits;
  limits.max_streams = 8;
  limits.max_header_block = 4096;
  limits.max_header_list = 4096;
  limits.max_headers = 32;
  limits.max_body_inspect = 16384;
  limits.max_decoded_body = 1u << 20;
  limits.max_buffered_data = 32768;
  limits.max_header_table = 4096;
  mirador::Http2Counters counters;
  mirador::Http1Pool pool;
  volatile size_t sink = 0;
  mirador::Http2Session session(
      limits, counters, [&](mirador::HttpTransaction&& t) { sink = sink + touch(t); }, &pool);
  if (mode == 1) {
    session.start_midstream();
  } else if (mode == 2) {
    mirador::HttpTransaction up;
    up.method = "GET";
    up.uri = "/";
    up.version = "1.1";
    up.request_headers.push_back({"Host", "198.18.0.2"});
    up.request_headers.push_back({"Upgrade", "h2c"});
    std::string settings;
    mirador::fuzz::Record r;
    if (mirador::fuzz::next_record(in, r) && r.data)
      settings.assign(reinterpret_cast<const char*>(r.data), r.len);
    up.request_headers.push_back({"HTTP2-Settings", settings});
    session.start_upgraded(std::move(up));
  }
  int64_t ts = 1'000'000;
  mirador::fuzz::feed_stream(
      in, session, kMaxRecords, ts,
      [](const mirador::fuzz::Record& r) {
        mirador::http2_preface_prefix(r.data, r.len);
        mirador::http2_looks_like_frames(r.data, r.len);
      },
      [] {});
  session.on_close(ts + 1);
  return 0;
}

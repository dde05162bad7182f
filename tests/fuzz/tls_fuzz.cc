// Fuzz target: TlsSession (records, handshake parsers, JA3/JA4, certificates through OpenSSL,
// decryption) fed both directions' bytes as stream records (tests/fuzz/fuzz_input.h), then
// closed. With $MIRADOR_FUZZ_TLS_KEYS naming NSS key log files (':'-separated; tools/fuzz.sh
// passes those of tests/data/tls), a ClientHello whose random is in them is decrypted, so the
// record ciphers and the TLS 1.3 handshake read under encryption are reached from the seeds.
// Byte 0 bit 0 says whether this input uses the key log.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "decoders/tls/key_log.h"
#include "decoders/tls/tls_session.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

constexpr size_t kMaxRecords = 256;

mirador::tls::KeyLog* g_keys = nullptr;

size_t touch(const mirador::tls::TlsInfo& info) {
  size_t n = info.sni.size() + info.ja3.size() + info.ja4.size() + info.alpn.size();
  for (const auto& c : info.certificates) n += sizeof c;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* paths = std::getenv("MIRADOR_FUZZ_TLS_KEYS");
  if (!paths || !*paths) return 0;
  g_keys = new mirador::tls::KeyLog();
  std::stringstream list(paths);
  std::string path, line;
  while (std::getline(list, path, ':')) {
    std::ifstream f(path);
    while (std::getline(f, line)) g_keys->add_line(line);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mirador::fuzz::FuzzInput in(data, size);
  const bool use_keys = (in.u8() & 1) != 0;
  mirador::tls::TlsLimits limits;
  limits.max_handshake = 16384;
  limits.max_certs = 4;
  mirador::tls::TlsCounters counters;
  volatile size_t sink = 0;
  mirador::tls::TlsCallbacks cb;
  cb.on_handshake = [&](const mirador::tls::TlsInfo& info) { sink = sink + touch(info); };
  cb.on_plaintext = [&](mirador::Direction, const uint8_t* p, size_t len, int64_t) {
    size_t s = 0;
    for (size_t i = 0; i < len; ++i) s += p[i];
    sink = sink + s;
  };
  cb.on_plaintext_gap = [&](mirador::Direction, size_t len, int64_t) { sink = sink + len; };
  mirador::tls::TlsSession session(limits, counters, use_keys ? g_keys : nullptr, cb);
  int64_t ts = 1'000'000;
  mirador::fuzz::feed_stream(
      in, session, kMaxRecords, ts,
      [](const mirador::fuzz::Record& r) { mirador::tls::sniff_tls(r.data, r.len); }, [] {});
  session.on_close(ts + 1);
  sink = sink + touch(session.info());
  return 0;
}

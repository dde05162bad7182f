// TlsSession: one TLS connection seen passively. It reassembles records from each direction's
// bytes, parses the handshake messages in clear (ClientHello, ServerHello, Certificate,
// ServerKeyExchange is skipped), computes JA3/JA3S and JA4, and counts encrypted records. With a
// key log holding this connection's secrets it decrypts (TLS 1.2 after ChangeCipherSpec; TLS 1.3
// handshake then application traffic keys, KeyUpdate followed) and hands the application data to
// `on_plaintext` in order, as a decoded TCP stream would, so HTTP/1.x or HTTP/2 can run on it.
// In TLS 1.3 the certificate is read from the decrypted handshake.
//
// Bad input is counted and the connection degrades to counting records: a record over 2^14 + 2048
// bytes, a handshake message over max_handshake, a failed decryption (wrong key) or a gap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "decoders/http1/http1_session.h"  // Direction
#include "decoders/tls/tls_info.h"

namespace mirador::tls {

class KeyLog;

struct TlsLimits {
  size_t max_handshake = 65536;  // one handshake message (certificates included) buffered
  uint32_t max_certs = 8;        // certificates parsed per chain
};

struct TlsCounters {
  uint64_t connections = 0;
  uint64_t client_hellos = 0;
  uint64_t server_hellos = 0;
  uint64_t certificates = 0;
  uint64_t records = 0;
  uint64_t application_records = 0;
  uint64_t application_bytes = 0;
  uint64_t alerts = 0;
  uint64_t malformed = 0;  // records or handshake messages that do not parse
  uint64_t handshake_too_large = 0;
  uint64_t gaps = 0;
  uint64_t early_data_records = 0;  // TLS 1.3 0-RTT records: counted, not decrypted
  uint64_t decrypted_connections = 0;
  uint64_t decrypted_records = 0;
  uint64_t decrypt_no_key = 0;       // a key log is set but holds nothing for this connection
  uint64_t decrypt_unsupported = 0;  // suite or version we do not decrypt
  uint64_t decrypt_failures = 0;     // a record did not authenticate
};

struct TlsCallbacks {
  // The handshake is known: both hellos (and, when visible, the certificates) were seen, or the
  // first application data record arrived. Called at most once, before any on_plaintext.
  std::function<void(const TlsInfo&)> on_handshake;
  // Decrypted application data of one direction, in order.
  std::function<void(Direction, const uint8_t*, size_t, int64_t)> on_plaintext;
  // Plaintext lost (a gap in the TCP stream, or decryption stopped) in one direction.
  std::function<void(Direction, size_t, int64_t)> on_plaintext_gap;
};

class TlsSession {
 public:
  // `keys` may be null (no decryption); it outlives the session and is only read (refresh is the
  // caller's business).
  TlsSession(const TlsLimits& limits, TlsCounters& counters, const KeyLog* keys,
             TlsCallbacks callbacks);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  void on_data(Direction dir, const uint8_t* data, size_t len, int64_t ts_us);
  void on_gap(Direction dir, size_t len, int64_t ts_us);
  void on_end(Direction dir, int64_t ts_us);
  void on_close(int64_t ts_us);  // calls on_handshake now if it was not called yet

  const TlsInfo& info() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Sniffing: a TLS handshake record (0x16 0x03 0x00-0x04) carrying a ClientHello (1) or a
// ServerHello (2). Needs 6 bytes.
enum class TlsSniff : uint8_t { need_more, client_hello, server_hello, not_tls };
TlsSniff sniff_tls(const uint8_t* data, size_t len);

}  // namespace mirador::tls

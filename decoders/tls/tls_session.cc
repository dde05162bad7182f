// One TLS connection seen passively (see tls_session.h). Each direction's bytes go through a
// RecordReader; records are clear until that direction's keys change (TLS 1.2: its
// ChangeCipherSpec; TLS 1.3: the ServerHello), then opaque unless a key log gave this
// connection's secrets, in which case a RecordCipher opens them and their content is handled as
// if it had been clear.
#include "decoders/tls/tls_session.h"

#include <cstring>
#include <string>
#include <vector>

#include "decoders/tls/key_log.h"
#include "decoders/tls/record_cipher.h"
#include "decoders/tls/tls_certificate.h"
#include "decoders/tls/tls_fingerprint.h"
#include "decoders/tls/tls_handshake.h"
#include "decoders/tls/tls_record_reader.h"

namespace mirador::tls {
namespace {

constexpr uint16_t kTls12 = 0x0303;
constexpr uint16_t kTls13 = 0x0304;
// A client that offered 0-RTT: this many of its records may fail with the handshake keys (they
// are early data under keys we do not derive) before a failure counts as a wrong key.
constexpr uint32_t kMaxEarlyRecords = 64;

struct DirState {
  explicit DirState(size_t max_handshake) : messages(max_handshake) {}
  RecordReader records;
  MessageReader messages;
  bool encrypted = false;  // records are protected from here on
  std::unique_ptr<RecordCipher> cipher;
  bool decrypt_stopped = false;  // a record failed or the stream has a gap: plaintext is lost
  bool lost = false;             // gap or malformed record: nothing more is parsed
  bool app_keys = false;         // TLS 1.3: application traffic keys installed
  std::vector<uint8_t> secret;   // TLS 1.3: current application traffic secret (KeyUpdate)
  uint32_t early_left = 0;       // TLS 1.3 client: early-data records still tolerated
};

}  // namespace

struct TlsSession::Impl {
  Impl(const TlsLimits& l, TlsCounters& c, const KeyLog* k, TlsCallbacks cb)
      : limits(l),
        counters(c),
        keys(k),
        callbacks(std::move(cb)),
        dirs{DirState(l.max_handshake), DirState(l.max_handshake)} {}

  const TlsLimits limits;
  TlsCounters& counters;
  const KeyLog* keys;
  TlsCallbacks callbacks;
  TlsInfo info;
  DirState dirs[2];
  ClientHelloExtra client;
  ServerHello server;
  bool reported = false;
  bool hello_retry = false;
  bool server_done = false;  // TLS <= 1.2: ServerHelloDone seen (a full handshake)
  bool have_tls12_keys = false;
  TrafficKeys keys12[2];

  static Direction dir_of(int d) { return d ? Direction::to_client : Direction::to_server; }
  bool tls13() const { return info.server_hello && info.version == kTls13; }

  void report_handshake() {
    if (reported) return;
    reported = true;
    if (callbacks.on_handshake) callbacks.on_handshake(info);
  }
  void plaintext(int d, const std::string& s, int64_t ts) {
    report_handshake();
    if (callbacks.on_plaintext && !s.empty())
      callbacks.on_plaintext(dir_of(d), reinterpret_cast<const uint8_t*>(s.data()), s.size(), ts);
  }
  void plaintext_gap(int d, size_t len, int64_t ts) {
    if (callbacks.on_plaintext_gap) callbacks.on_plaintext_gap(dir_of(d), len, ts);
  }

  // Decryption stops in direction `d`: the failing record's plaintext and all later are lost.
  void stop_decrypting(int d, size_t len, int64_t ts, const char* why) {
    DirState& ds = dirs[d];
    ds.decrypt_stopped = true;
    ds.cipher.reset();
    if (info.decrypt_error.empty()) info.decrypt_error = why;
    report_handshake();
    plaintext_gap(d, len, ts);
  }

  void on_data(int d, const uint8_t* p, size_t n, int64_t ts) {
    DirState& ds = dirs[d];
    if (ds.lost) return;
    bool ok = ds.records.feed(p, n, [&](const uint8_t* h, const uint8_t* payload, size_t len) {
      on_record(d, h, payload, len, ts);
      return !ds.lost;
    });
    if (!ok) {
      ++counters.malformed;
      lose(d, 0, ts);
    }
  }

  // Direction `d` can no longer be followed (gap or malformed record).
  void lose(int d, size_t len, int64_t ts) {
    DirState& ds = dirs[d];
    if (ds.cipher && !ds.decrypt_stopped) stop_decrypting(d, len, ts, "stream gap");
    ds.lost = true;
  }

  void on_record(int d, const uint8_t* h, const uint8_t* payload, size_t len, int64_t ts) {
    DirState& ds = dirs[d];
    uint8_t type = h[0];
    ++counters.records;
    ++info.records[d];
    if (type == ct_application_data) {
      ++counters.application_records;
      counters.application_bytes += len;
      info.application_bytes[d] += len;
    }
    if (type == ct_change_cipher_spec) return on_change_cipher_spec(d);
    if (!ds.encrypted) {
      if (type == ct_application_data) {
        // Protected data before this direction's keys changed: TLS 1.3 early data (0-RTT), or a
        // handshake we did not see.
        if (d == 0 && client.early_data && !info.server_hello) {
          ++counters.early_data_records;
        } else {
          report_handshake();
        }
        return;
      }
      return on_content(d, type, payload, len, ts, false);
    }
    if (!ds.cipher) {  // opaque: no key, unsupported suite, or decryption stopped
      if (type == ct_alert) count_alert(nullptr);
      if (type == ct_application_data) {
        report_handshake();
        if (ds.decrypt_stopped) plaintext_gap(d, len, ts);
      }
      return;
    }
    std::string plain;
    uint8_t inner = type;
    if (!ds.cipher->decrypt(h, payload, len, plain, inner)) {
      if (ds.early_left) {  // a 0-RTT record under the early keys: skipped, counted
        --ds.early_left;
        ++counters.early_data_records;
        ds.cipher = std::make_unique<RecordCipher>(kTls13, info.cipher_suite, pending_client_hs);
        return;
      }
      ++counters.decrypt_failures;
      return stop_decrypting(d, len, ts, "record did not authenticate");
    }
    ds.early_left = 0;
    ++counters.decrypted_records;
    if (!info.decrypted) {
      info.decrypted = true;
      ++counters.decrypted_connections;
    }
    on_content(d, inner, reinterpret_cast<const uint8_t*>(plain.data()), plain.size(), ts, true);
    if (inner == ct_application_data) plaintext(d, plain, ts);
  }

  void on_change_cipher_spec(int d) {
    // TLS 1.3 sends it only for middlebox compatibility (also around a HelloRetryRequest): ignored.
    if (!info.server_hello || tls13()) return;
    DirState& ds = dirs[d];
    if (ds.encrypted) return;
    ds.encrypted = true;
    if (have_tls12_keys)
      ds.cipher = std::make_unique<RecordCipher>(info.version, info.cipher_suite, keys12[d]);
    if (d == 1) {
      if (!server_done && info.certificates.empty()) info.resumed = true;  // abbreviated
      report_handshake();
    }
  }

  // A record's content, clear or decrypted.
  void on_content(int d, uint8_t type, const uint8_t* p, size_t len, int64_t ts, bool decrypted) {
    if (type == ct_alert) {
      for (size_t i = 0; i + 1 < len; i += 2) count_alert(p + i);
      if (len < 2) ++counters.malformed;
      return;
    }
    if (type != ct_handshake) return;
    dirs[d].messages.feed(p, len, counters.handshake_too_large,
                          [&](uint8_t mt, const uint8_t* body, size_t blen) {
                            on_message(d, mt, body, blen, ts, decrypted);
                          });
  }

  void count_alert(const uint8_t* a) {
    ++info.alerts;
    ++counters.alerts;
    if (a) info.last_alert = a[1];
  }

  void on_message(int d, uint8_t type, const uint8_t* body, size_t len, int64_t ts,
                  bool decrypted) {
    (void)ts;
    if (d == 0) {
      if (type == hs_client_hello && !decrypted) {
        if (info.client_hello) return;  // the second ClientHello after a HelloRetryRequest
        if (parse_client_hello(body, len, info, client))
          ++counters.client_hellos;
        else
          ++counters.malformed;
      } else if (type == hs_finished && tls13() && decrypted) {
        install_app_keys(0, SecretLabel::client_traffic_secret_0);
      } else if (type == hs_key_update && decrypted) {
        key_update(0);
      }
      return;
    }
    switch (type) {
      case hs_server_hello:
        if (!decrypted && !info.server_hello) on_server_hello(body, len);
        break;
      case hs_certificate:
        if (info.certificates.empty()) on_certificate(body, len);
        break;
      case hs_server_hello_done:
        server_done = true;
        report_handshake();
        break;
      case hs_encrypted_extensions:
        if (decrypted && !parse_encrypted_extensions(body, len, info.alpn)) ++counters.malformed;
        break;
      case hs_finished:
        if (tls13() && decrypted) {
          install_app_keys(1, SecretLabel::server_traffic_secret_0);
          report_handshake();
        }
        break;
      case hs_key_update:
        if (decrypted) key_update(1);
        break;
      default:
        break;
    }
  }

  void on_server_hello(const uint8_t* body, size_t len) {
    ServerHello sh;
    if (!parse_server_hello(body, len, sh)) {
      ++counters.malformed;
      return;
    }
    if (sh.hello_retry) {  // not the final ServerHello: the client sends a second ClientHello
      hello_retry = true;
      return;
    }
    ++counters.server_hellos;
    server = sh;
    info.server_hello = true;
    info.version = sh.selected_version ? sh.selected_version : sh.legacy_version;
    info.cipher_suite = sh.suite;
    info.alpn = sh.alpn;
    info.ja3s = ja3s_string(sh.legacy_version, sh.suite, sh.extensions);
    info.ja3s_md5 = md5_hex(info.ja3s);
    if (info.version == kTls13) {
      info.resumed = sh.psk_accepted;
      dirs[0].encrypted = dirs[1].encrypted = true;  // everything after is protected
    } else if (!sh.session_id.empty() && sh.session_id == client.session_id) {
      info.resumed = true;
    }
    setup_decryption();
  }

  void on_certificate(const uint8_t* body, size_t len) {
    DerList ders;
    if (!parse_certificate_list(body, len, tls13(), ders)) {
      ++counters.malformed;
      return;
    }
    for (const auto& [der, n] : ders) {
      if (info.certificates.size() >= limits.max_certs) break;
      TlsCertificate cert;
      if (!parse_certificate(der, n, cert)) {
        ++counters.malformed;
        break;
      }
      info.certificates.push_back(std::move(cert));
      ++counters.certificates;
    }
  }

  bool no_decryption(uint64_t& counter, std::string why) {
    ++counter;
    info.decrypt_error = std::move(why);
    return false;
  }

  bool setup_decryption() {
    if (!keys) return false;
    if (!info.client_hello) return no_decryption(counters.decrypt_no_key, "no ClientHello");
    if (info.version != kTls12 && info.version != kTls13)
      return no_decryption(counters.decrypt_unsupported, "version " + version_name(info.version));
    if (!decryptable_suite(info.version, info.cipher_suite))
      return no_decryption(counters.decrypt_unsupported,
                           "cipher " + cipher_suite_name(info.cipher_suite));
    ClientRandom random;
    std::memcpy(random.data(), client.random, 32);
    if (info.version == kTls12) {
      const std::vector<uint8_t>* master = keys->find(SecretLabel::client_random, random);
      if (!master) return no_decryption(counters.decrypt_no_key, "no key");
      if (!tls12_keys(info.cipher_suite, *master, client.random, server.random, keys12[0],
                      keys12[1]))
        return no_decryption(counters.decrypt_unsupported, "key derivation");
      have_tls12_keys = true;
      return true;
    }
    const auto* chs = keys->find(SecretLabel::client_handshake_traffic_secret, random);
    const auto* shs = keys->find(SecretLabel::server_handshake_traffic_secret, random);
    if (!chs || !shs) return no_decryption(counters.decrypt_no_key, "no key");
    TrafficKeys server_hs;
    if (!tls13_keys(info.cipher_suite, *chs, pending_client_hs) ||
        !tls13_keys(info.cipher_suite, *shs, server_hs))
      return no_decryption(counters.decrypt_unsupported, "key derivation");
    dirs[0].cipher = std::make_unique<RecordCipher>(kTls13, info.cipher_suite, pending_client_hs);
    dirs[1].cipher = std::make_unique<RecordCipher>(kTls13, info.cipher_suite, server_hs);
    if (client.early_data) dirs[0].early_left = kMaxEarlyRecords;
    return true;
  }

  // TLS 1.3: after this direction's Finished, its records use the application traffic keys.
  void install_app_keys(int d, SecretLabel label) {
    DirState& ds = dirs[d];
    if (ds.app_keys || !ds.cipher) return;
    ds.app_keys = true;
    ClientRandom random;
    std::memcpy(random.data(), client.random, 32);
    const std::vector<uint8_t>* secret = keys ? keys->find(label, random) : nullptr;
    TrafficKeys k;
    if (!secret || !tls13_keys(info.cipher_suite, *secret, k)) {
      ds.cipher.reset();
      ds.decrypt_stopped = true;
      if (info.decrypt_error.empty()) info.decrypt_error = "no application traffic secret";
      return;
    }
    ds.secret = *secret;
    ds.cipher = std::make_unique<RecordCipher>(kTls13, info.cipher_suite, k);
  }

  // TLS 1.3 KeyUpdate: the sender's next records use the next generation of its secret.
  void key_update(int d) {
    DirState& ds = dirs[d];
    if (!ds.app_keys || !ds.cipher) return;
    std::vector<uint8_t> next;
    TrafficKeys k;
    if (!tls13_next_secret(info.cipher_suite, ds.secret, next) ||
        !tls13_keys(info.cipher_suite, next, k)) {
      ds.cipher.reset();
      ds.decrypt_stopped = true;
      return;
    }
    ds.secret = std::move(next);
    ds.cipher = std::make_unique<RecordCipher>(kTls13, info.cipher_suite, k);
  }

  TrafficKeys pending_client_hs;  // TLS 1.3: re-armed while 0-RTT records are skipped
};

TlsSession::TlsSession(const TlsLimits& limits, TlsCounters& counters, const KeyLog* keys,
                       TlsCallbacks callbacks)
    : impl_(std::make_unique<Impl>(limits, counters, keys, std::move(callbacks))) {
  ++counters.connections;
}

TlsSession::~TlsSession() = default;

void TlsSession::on_data(Direction dir, const uint8_t* data, size_t len, int64_t ts_us) {
  impl_->on_data(dir == Direction::to_client ? 1 : 0, data, len, ts_us);
}

void TlsSession::on_gap(Direction dir, size_t len, int64_t ts_us) {
  ++impl_->counters.gaps;
  impl_->lose(dir == Direction::to_client ? 1 : 0, len, ts_us);
}

void TlsSession::on_end(Direction, int64_t) {}

void TlsSession::on_close(int64_t) {
  impl_->report_handshake();
}

const TlsInfo& TlsSession::info() const {
  return impl_->info;
}

TlsSniff sniff_tls(const uint8_t* data, size_t len) {
  static const uint8_t kPrefix[3] = {0x16, 0x03, 0x00};
  for (size_t i = 0; i < len && i < 3; ++i) {
    bool ok = i < 2 ? data[i] == kPrefix[i] : data[i] <= 4;
    if (!ok) return TlsSniff::not_tls;
  }
  if (len < 6) return TlsSniff::need_more;
  if (data[5] == hs_client_hello) return TlsSniff::client_hello;
  if (data[5] == hs_server_hello) return TlsSniff::server_hello;
  return TlsSniff::not_tls;
}

}  // namespace mirador::tls

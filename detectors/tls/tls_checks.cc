#include "detectors/tls/tls_checks.h"

#include <algorithm>
#include <bit>
#include <charconv>

#include "detectors/abuse/lru_table.h"

namespace mirador::detect {

namespace {

constexpr std::string_view kOwaspMisconfig = "API8:2023";
constexpr std::string_view kOwaspAuth = "API2:2023";

// Why a suite is weak, one bit each.
enum Weakness : uint8_t {
  w_null = 1u << 0,    // no encryption
  w_export = 1u << 1,  // 40/56-bit export grade
  w_anon = 1u << 2,    // no server authentication
  w_rc4 = 1u << 3,
  w_des = 1u << 4,  // DES or 3DES
  w_md5 = 1u << 5,  // MD5 MAC
  w_cbc = 1u << 6,  // CBC with RSA / static (EC)DH / plain PSK key exchange: no forward secrecy
};
constexpr uint8_t kHighWeakness = w_null | w_export | w_anon | w_rc4 | w_des | w_md5;

struct WeakSuite {
  uint16_t suite;
  uint8_t weakness;
};

// The IANA TLS cipher suite registry's weak entries, by number, sorted. Suites not listed (the
// ECDHE/DHE ones with AES-GCM, ChaCha20, CBC with forward secrecy, TLS 1.3's) are not weak here.
constexpr WeakSuite kWeakSuites[] = {
    {0x0000, w_null | w_anon},
    {0x0001, w_null | w_md5},
    {0x0002, w_null},
    {0x0003, w_export | w_rc4 | w_md5},
    {0x0004, w_rc4 | w_md5},
    {0x0005, w_rc4},
    {0x0006, w_export | w_md5},
    {0x0007, w_cbc},  // RSA IDEA
    {0x0008, w_export | w_des},
    {0x0009, w_des},
    {0x000A, w_des},
    {0x000B, w_export | w_des},
    {0x000C, w_des},
    {0x000D, w_des},
    {0x000E, w_export | w_des},
    {0x000F, w_des},
    {0x0010, w_des},
    {0x0011, w_export | w_des},
    {0x0012, w_des},
    {0x0013, w_des},
    {0x0014, w_export | w_des},
    {0x0015, w_des},
    {0x0016, w_des},
    {0x0017, w_anon | w_export | w_rc4 | w_md5},
    {0x0018, w_anon | w_rc4 | w_md5},
    {0x0019, w_anon | w_export | w_des},
    {0x001A, w_anon | w_des},
    {0x001B, w_anon | w_des},
    {0x001E, w_des},  // KRB5
    {0x001F, w_des},
    {0x0020, w_rc4},
    {0x0021, w_cbc},
    {0x0022, w_des | w_md5},
    {0x0023, w_des | w_md5},
    {0x0024, w_rc4 | w_md5},
    {0x0025, w_md5},
    {0x0026, w_export | w_des},
    {0x0027, w_export},
    {0x0028, w_export | w_rc4},
    {0x0029, w_export | w_des | w_md5},
    {0x002A, w_export | w_md5},
    {0x002B, w_export | w_rc4 | w_md5},
    {0x002C, w_null},  // PSK
    {0x002D, w_null},
    {0x002E, w_null},
    {0x002F, w_cbc},  // TLS_RSA_WITH_AES_128_CBC_SHA
    {0x0030, w_cbc},
    {0x0031, w_cbc},
    {0x0034, w_anon},
    {0x0035, w_cbc},  // TLS_RSA_WITH_AES_256_CBC_SHA
    {0x0036, w_cbc},
    {0x0037, w_cbc},
    {0x003A, w_anon},
    {0x003B, w_null},
    {0x003C, w_cbc},
    {0x003D, w_cbc},
    {0x003E, w_cbc},
    {0x003F, w_cbc},
    {0x0041, w_cbc},  // Camellia
    {0x0042, w_cbc},
    {0x0043, w_cbc},
    {0x0046, w_anon},
    {0x0068, w_cbc},
    {0x0069, w_cbc},
    {0x006C, w_anon},
    {0x006D, w_anon},
    {0x0084, w_cbc},
    {0x0085, w_cbc},
    {0x0086, w_cbc},
    {0x0089, w_anon},
    {0x008A, w_rc4},  // PSK
    {0x008B, w_des},
    {0x008C, w_cbc},
    {0x008D, w_cbc},
    {0x008E, w_rc4},
    {0x008F, w_des},
    {0x0092, w_rc4},
    {0x0093, w_des},
    {0x0094, w_cbc},
    {0x0095, w_cbc},
    {0x0096, w_cbc},  // SEED
    {0x0097, w_cbc},
    {0x0098, w_cbc},
    {0x009B, w_anon},
    {0x00A6, w_anon},
    {0x00A7, w_anon},
    {0x00AE, w_cbc},
    {0x00AF, w_cbc},
    {0x00B0, w_null},
    {0x00B1, w_null},
    {0x00B4, w_null},
    {0x00B5, w_null},
    {0x00B6, w_cbc},
    {0x00B7, w_cbc},
    {0x00B8, w_null},
    {0x00B9, w_null},
    {0x00BA, w_cbc},
    {0x00BB, w_cbc},
    {0x00BC, w_cbc},
    {0x00BF, w_anon},
    {0x00C0, w_cbc},
    {0x00C1, w_cbc},
    {0x00C2, w_cbc},
    {0x00C5, w_anon},
    {0xC001, w_null},  // ECDH / ECDHE
    {0xC002, w_rc4},
    {0xC003, w_des},
    {0xC004, w_cbc},
    {0xC005, w_cbc},
    {0xC006, w_null},
    {0xC007, w_rc4},
    {0xC008, w_des},
    {0xC00B, w_null},
    {0xC00C, w_rc4},
    {0xC00D, w_des},
    {0xC00E, w_cbc},
    {0xC00F, w_cbc},
    {0xC010, w_null},
    {0xC011, w_rc4},
    {0xC012, w_des},
    {0xC015, w_anon | w_null},
    {0xC016, w_anon | w_rc4},
    {0xC017, w_anon | w_des},
    {0xC018, w_anon},
    {0xC019, w_anon},
    {0xC01A, w_des},  // SRP
    {0xC01B, w_des},
    {0xC01C, w_des},
    {0xC025, w_cbc},
    {0xC026, w_cbc},
    {0xC029, w_cbc},
    {0xC02A, w_cbc},
    {0xC033, w_rc4},
    {0xC034, w_des},
    {0xC039, w_null},
    {0xC03A, w_null},
    {0xC03B, w_null},
    {0xC03C, w_cbc},  // ARIA
    {0xC03D, w_cbc},
    {0xC046, w_anon},
    {0xC047, w_anon},
    {0xC05A, w_anon},
    {0xC05B, w_anon},
    {0xC084, w_anon},
    {0xC085, w_anon},
    {0xC0B4, w_null},  // RFC 9150 integrity-only
    {0xC0B5, w_null},
};

uint8_t suite_weakness(uint16_t suite) {
  const auto* end = std::end(kWeakSuites);
  const auto* it = std::lower_bound(std::begin(kWeakSuites), end, suite,
                                    [](const WeakSuite& w, uint16_t s) { return w.suite < s; });
  return it != end && it->suite == suite ? it->weakness : 0;
}

std::string weakness_text(uint8_t w) {
  static constexpr std::pair<uint8_t, std::string_view> kNames[] = {
      {w_null, "NULL cipher"},
      {w_export, "EXPORT grade"},
      {w_anon, "anonymous"},
      {w_rc4, "RC4"},
      {w_des, "DES/3DES"},
      {w_md5, "MD5 MAC"},
      {w_cbc, "CBC without forward secrecy"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(w & bit)) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// Own names, so this module needs nothing of the TLS decoder's library.
std::string_view legacy_version_name(uint16_t v) {
  switch (v) {
    case 0x0002:
    case 0x0200:
      return "SSLv2";
    case 0x0300:
      return "SSLv3";
    case 0x0301:
      return "TLSv1.0";
    case 0x0302:
      return "TLSv1.1";
    default:
      return {};
  }
}

std::string hex16(uint16_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "0x0000";
  for (int i = 0; i < 4; ++i) s[5 - i] = kHex[(v >> (4 * i)) & 0xf];
  return s;
}

// FNV-1a over a kind byte and the text: the table's keys, without building a string.
uint64_t key_hash(char kind, std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ull;
  };
  mix(static_cast<unsigned char>(kind));
  for (const char c : text) mix(static_cast<unsigned char>(c));
  return h;
}

// A host name as the table keys it: lower case, without a trailing dot or a ":port".
std::string_view bare_host(std::string_view host, std::string& buf) {
  if (!host.empty() && host.front() != '[') {
    const size_t colon = host.find(':');
    // One colon: "name:port"; more than one is an IPv6 address, kept whole.
    if (colon != std::string_view::npos && host.find(':', colon + 1) == std::string_view::npos) {
      host = host.substr(0, colon);
    }
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  buf.assign(host);
  for (char& c : buf) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return buf;
}

std::string_view short_fp(std::string_view sha256) {
  return sha256.substr(0, 16);
}

}  // namespace

struct TlsChecker::Impl {
  // A host (SNI) or server address seen serving TLS; for the key a handshake is filed under, the
  // leaf it last presented.
  struct Host {
    uint64_t cert = 0;  // hash of the leaf's fingerprint; 0 when none seen
    int64_t cert_at_us = 0;
  };

  explicit Impl(const TlsCheckConfig& c)
      : cfg(c),
        once(c.report_once_slots, c.report_once_window_s * 1'000'000),
        hosts(c.max_hosts == 0 ? 1 : c.max_hosts) {}

  TlsCheckConfig cfg;
  ReportOnce once;
  LruTable<Host> hosts;
  std::string key;   // ReportOnce keys
  std::string name;  // a host name in table form

  bool first(std::string_view id, std::string_view host, std::string_view detail, int64_t now) {
    key.assign(id);
    key += '|';
    key += host;
    key += '|';
    key += detail;
    return once.first(key, now);
  }
};

TlsChecker::TlsChecker(const TlsCheckConfig& cfg) : impl_(std::make_unique<Impl>(cfg)) {}
TlsChecker::~TlsChecker() = default;

size_t TlsChecker::memory_bytes() const {
  // ReportOnce: a power-of-two number of (hash, time, used) slots of 24 bytes.
  const size_t slots =
      std::bit_floor(impl_->cfg.report_once_slots == 0 ? size_t{1} : impl_->cfg.report_once_slots);
  return sizeof(Impl) + impl_->hosts.memory_bytes() + slots * 24 + impl_->key.capacity() +
         impl_->name.capacity();
}

void TlsChecker::check_handshake(const tls::TlsInfo& info, std::string_view server_ip,
                                 uint16_t server_port, int64_t time_us, std::vector<Finding>& out) {
  Impl& m = *impl_;
  if (!m.cfg.enabled) return;
  ++counters_.handshakes;
  const uint64_t suppressed_before = m.once.suppressed();
  const size_t findings_before = out.size();

  // The host this handshake speaks to: its SNI, else its address.
  const std::string_view host =
      info.sni.empty() ? std::string_view(server_ip) : bare_host(info.sni, m.name);
  const std::string host_copy(host);  // m.name is reused below
  // A host serves TLS once a server answered; its address is remembered too (a cleartext request
  // by address, or by another name of the same server). No table operation follows `state`'s.
  Impl::Host* state = nullptr;
  if (info.server_hello) {
    bool created = false;
    if (!info.sni.empty()) {
      m.hosts.get(key_hash('a', server_ip), time_us, created, counters_.hosts_evicted);
    }
    state = &m.hosts.get(key_hash(info.sni.empty() ? 'a' : 'h', host_copy), time_us, created,
                         counters_.hosts_evicted);
  }

  char port_buf[8];
  const auto pr = std::to_chars(port_buf, port_buf + sizeof port_buf, server_port);
  const std::string where = host_copy + ":" + std::string(port_buf, pr.ptr);

  if (info.server_hello) {
    const std::string_view legacy = legacy_version_name(info.version);
    if (!legacy.empty() && m.first("tls.legacy_version", host_copy, legacy, time_us)) {
      Finding& f = add_code_finding(out, RuleKind::tls, "tls.legacy_version", "weak_transport",
                                    kOwaspMisconfig, Severity::high,
                                    "server " + where + " negotiated " + std::string(legacy));
      f.locations.push_back(where);
      f.samples.emplace_back(legacy);
    }
    const uint8_t weak = suite_weakness(info.cipher_suite);
    if (weak != 0 && m.first("tls.weak_cipher", host_copy, hex16(info.cipher_suite), time_us)) {
      const Severity sev = (weak & kHighWeakness) ? Severity::high : Severity::medium;
      Finding& f = add_code_finding(
          out, RuleKind::tls, "tls.weak_cipher", "weak_transport", kOwaspMisconfig, sev,
          "server " + where + " negotiated cipher suite " + hex16(info.cipher_suite) + " (" +
              weakness_text(weak) + ")");
      f.locations.push_back(where);
      f.samples.push_back(hex16(info.cipher_suite));
    }
  }

  if (!info.certificates.empty()) {
    const tls::TlsCertificate& leaf = info.certificates.front();
    const int64_t now_s = time_us / 1'000'000;
    const bool dated = leaf.not_after_s != 0 || leaf.not_before_s != 0;
    if (dated && (leaf.not_after_s < now_s || leaf.not_before_s > now_s) &&
        m.first("tls.expired_certificate", host_copy, leaf.sha256, time_us)) {
      const bool expired = leaf.not_after_s < now_s;
      Finding& f = add_code_finding(out, RuleKind::tls, "tls.expired_certificate", "weak_transport",
                                    kOwaspMisconfig, Severity::high,
                                    "server " + where + " presented a certificate " +
                                        (expired ? "that expired" : "not yet valid") + " (" +
                                        leaf.subject + ")");
      f.locations.push_back(where);
      f.samples.emplace_back(short_fp(leaf.sha256));
    }
    if (leaf.self_signed &&
        m.first("tls.self_signed_certificate", host_copy, leaf.sha256, time_us)) {
      Finding& f = add_code_finding(
          out, RuleKind::tls, "tls.self_signed_certificate", "weak_transport", kOwaspMisconfig,
          Severity::medium,
          "server " + where + " presented a self-signed certificate (" + leaf.subject + ")");
      f.locations.push_back(where);
      f.samples.emplace_back(short_fp(leaf.sha256));
    }
    const bool rsa = leaf.key_type == "RSA";
    const bool ec = leaf.key_type == "EC";
    if (leaf.key_bits > 0 && ((rsa && leaf.key_bits < m.cfg.min_rsa_bits) ||
                              (ec && leaf.key_bits < m.cfg.min_ec_bits))) {
      if (m.first("tls.weak_certificate_key", host_copy, leaf.sha256, time_us)) {
        Finding& f =
            add_code_finding(out, RuleKind::tls, "tls.weak_certificate_key", "weak_transport",
                             kOwaspMisconfig, Severity::medium,
                             "server " + where + " presented a " + std::to_string(leaf.key_bits) +
                                 "-bit " + leaf.key_type + " certificate key");
        f.locations.push_back(where);
        f.samples.push_back(leaf.key_type + " " + std::to_string(leaf.key_bits));
      }
    }
    if (state != nullptr && !leaf.sha256.empty()) {
      const uint64_t fp = key_hash('c', leaf.sha256) | 1;  // never 0: 0 is "none seen"
      if (state->cert != 0 && state->cert != fp &&
          time_us - state->cert_at_us < m.cfg.cert_window_s * 1'000'000 &&
          m.first("tls.certificate_changed", host_copy, leaf.sha256, time_us)) {
        Finding& f = add_code_finding(out, RuleKind::tls, "tls.certificate_changed", "interception",
                                      kOwaspMisconfig, Severity::high,
                                      "host " + host_copy + " presented a different certificate (" +
                                          leaf.subject + ", issuer " + leaf.issuer +
                                          "): possible interception");
        f.locations.push_back(where);
        f.samples.emplace_back(short_fp(leaf.sha256));
      }
      state->cert = fp;
      state->cert_at_us = time_us;
    }
  }
  counters_.findings += out.size() - findings_before;
  counters_.suppressed += m.once.suppressed() - suppressed_before;
}

void TlsChecker::check_cleartext(const HttpTransaction& t, std::string_view host,
                                 std::string_view server_ip, const Identity& id,
                                 std::span<const Finding> found, int64_t time_us,
                                 std::vector<Finding>& out) {
  (void)t;
  Impl& m = *impl_;
  if (!m.cfg.enabled) return;
  const bool credential = id.kind != CredentialKind::none;
  const Finding* data = nullptr;
  for (const Finding& f : found) {
    if (f.kind == RuleKind::data) {
      data = &f;
      break;
    }
  }
  if (!credential && data == nullptr) return;
  const std::string_view name = bare_host(host, m.name);
  const bool by_name = !name.empty() && m.hosts.find(key_hash('h', name), time_us) != nullptr;
  if (!by_name && m.hosts.find(key_hash('a', server_ip), time_us) == nullptr) return;
  const std::string host_copy(name.empty() ? server_ip : name);
  const uint64_t suppressed_before = m.once.suppressed();
  const size_t findings_before = out.size();
  if (credential &&
      m.first("tls.cleartext_to_tls_host", host_copy, credential_kind_name(id.kind), time_us)) {
    Finding& f = add_code_finding(out, RuleKind::tls, "tls.cleartext_to_tls_host",
                                  "broken_authentication", kOwaspAuth, Severity::high,
                                  "credential (" + std::string(credential_kind_name(id.kind)) +
                                      ") sent over cleartext HTTP to " + host_copy +
                                      ", which also serves TLS");
    f.locations.push_back(id.where);
  }
  if (data != nullptr &&
      m.first("tls.cleartext_to_tls_host", host_copy, data->data_class, time_us)) {
    Finding& f =
        add_code_finding(out, RuleKind::tls, "tls.cleartext_to_tls_host", "broken_authentication",
                         kOwaspAuth, Severity::high,
                         "sensitive data (" + data->data_class + ") sent over cleartext HTTP to " +
                             host_copy + ", which also serves TLS");
    f.data_class = data->data_class;
    f.in_response = data->in_response;
    if (!data->locations.empty()) f.locations.push_back(data->locations.front());
  }
  counters_.findings += out.size() - findings_before;
  counters_.suppressed += m.once.suppressed() - suppressed_before;
}

}  // namespace mirador::detect

// TLS checks on hand-filled handshakes: each finding at its condition and not below it, reported
// once per host and fact in the window, certificate changes, cleartext to TLS hosts, and the
// host table's bound.
#include "detectors/tls/tls_checks.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace mirador::detect {
namespace {

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kNow = 1'800'000'000 * kSec;  // 2027-01-15

tls::TlsInfo hello(uint16_t version = 0x0304, uint16_t suite = 0x1301,
                   std::string sni = "api.example.com") {
  tls::TlsInfo i;
  i.client_hello = true;
  i.server_hello = true;
  i.sni = std::move(sni);
  i.version = version;
  i.cipher_suite = suite;
  return i;
}

tls::TlsCertificate cert(std::string sha256 = "aa11", std::string key_type = "EC",
                         uint32_t bits = 256) {
  tls::TlsCertificate c;
  c.subject = "CN=api.example.com";
  c.issuer = "CN=Example CA";
  c.not_before_s = kNow / kSec - 86400 * 30;
  c.not_after_s = kNow / kSec + 86400 * 60;
  c.key_type = std::move(key_type);
  c.key_bits = bits;
  c.sha256 = std::move(sha256);
  return c;
}

std::vector<Finding> check(TlsChecker& c, const tls::TlsInfo& info, int64_t at = kNow,
                           std::string_view ip = "198.18.0.2", uint16_t port = 443) {
  std::vector<Finding> out;
  c.check_handshake(info, ip, port, at, out);
  return out;
}

const Finding* find(const std::vector<Finding>& fs, std::string_view id) {
  for (const Finding& f : fs)
    if (f.id == id) return &f;
  return nullptr;
}

}  // namespace

TEST_CASE("tls.legacy_version: SSLv3, TLS 1.0 and 1.1, not 1.2 or 1.3", "[tls]") {
  for (const uint16_t v : {0x0300, 0x0301, 0x0302}) {
    TlsChecker c{TlsCheckConfig{}};
    const auto fs = check(c, hello(v, 0xC02F));
    const Finding* f = find(fs, "tls.legacy_version");
    REQUIRE(f != nullptr);
    CHECK(f->kind == RuleKind::tls);
    CHECK(f->severity == Severity::high);
    CHECK(f->risk_class == "weak_transport");
    CHECK(f->owasp_api == "API8:2023");
    CHECK(f->locations == std::vector<std::string>{"api.example.com:443"});
    CHECK(fs.size() == 1);
  }
  for (const uint16_t v : {0x0303, 0x0304}) {
    TlsChecker c{TlsCheckConfig{}};
    CHECK(check(c, hello(v, 0xC02F)).empty());
  }
  // Only what the server chose counts: a client offering TLS 1.0 is not a finding.
  TlsChecker c{TlsCheckConfig{}};
  tls::TlsInfo client_only = hello(0x0301);
  client_only.server_hello = false;
  CHECK(check(c, client_only).empty());
}

TEST_CASE("tls.legacy_version is reported once per host in the window", "[tls]") {
  TlsChecker c{TlsCheckConfig{}};
  CHECK(check(c, hello(0x0301)).size() == 1);
  CHECK(check(c, hello(0x0301), kNow + 10 * kSec).empty());
  CHECK(c.counters().suppressed == 1);
  CHECK(check(c, hello(0x0301, 0x1301, "other.example.com")).size() == 1);  // another host
  CHECK(check(c, hello(0x0301), kNow + 3601 * kSec).size() == 1);           // window over
  CHECK(c.counters().handshakes == 4);
  CHECK(c.counters().findings == 3);
}

TEST_CASE("tls.weak_cipher: high for broken ciphers, medium for CBC without PFS", "[tls]") {
  struct Case {
    uint16_t suite;
    Severity sev;
  };
  for (const Case k : {Case{0x0005, Severity::high},     // RSA RC4 SHA
                       Case{0x000A, Severity::high},     // RSA 3DES
                       Case{0x0001, Severity::high},     // NULL MD5
                       Case{0x0003, Severity::high},     // EXPORT RC4 40 MD5
                       Case{0x0034, Severity::high},     // DH_anon AES
                       Case{0xC011, Severity::high},     // ECDHE RC4
                       Case{0xC012, Severity::high},     // ECDHE 3DES
                       Case{0x002F, Severity::medium},   // RSA AES128 CBC SHA
                       Case{0x003D, Severity::medium},   // RSA AES256 CBC SHA256
                       Case{0xC004, Severity::medium}})  // ECDH (static) ECDSA AES CBC
  {
    TlsChecker c{TlsCheckConfig{}};
    const auto fs = check(c, hello(0x0303, k.suite));
    const Finding* f = find(fs, "tls.weak_cipher");
    INFO("suite " << k.suite);
    REQUIRE(f != nullptr);
    CHECK(f->severity == k.sev);
  }
  // Forward-secret or AEAD suites, TLS 1.3's, and RSA with GCM (not CBC) are not reported.
  for (const uint16_t s :
       {0xC02F, 0xC030, 0xC013, 0xC014, 0xCCA8, 0x009E, 0x0033, 0x009C, 0x1301, 0x1302, 0x1303}) {
    TlsChecker c{TlsCheckConfig{}};
    INFO("suite " << s);
    CHECK(check(c, hello(0x0303, s)).empty());
  }
}

TEST_CASE("tls.expired_certificate: after notAfter or before notBefore", "[tls]") {
  const int64_t now_s = kNow / kSec;
  tls::TlsInfo i = hello();
  i.certificates.push_back(cert());
  {
    TlsChecker c{TlsCheckConfig{}};
    i.certificates[0].not_after_s = now_s - 1;
    const auto f_all = check(c, i);  // kept: f points into it
    const Finding* f = find(f_all, "tls.expired_certificate");
    REQUIRE(f != nullptr);
    CHECK(f->severity == Severity::high);
  }
  {
    TlsChecker c{TlsCheckConfig{}};
    i.certificates[0].not_after_s = now_s;  // the last second of validity
    CHECK(check(c, i).empty());
  }
  {
    TlsChecker c{TlsCheckConfig{}};
    i.certificates[0] = cert();
    i.certificates[0].not_before_s = now_s + 1;
    CHECK(find(check(c, i), "tls.expired_certificate") != nullptr);
  }
  {
    TlsChecker c{TlsCheckConfig{}};
    i.certificates[0].not_before_s = now_s;
    CHECK(check(c, i).empty());
  }
  {
    TlsChecker c{TlsCheckConfig{}};  // dates unknown (not parsed): no finding
    i.certificates[0].not_before_s = 0;
    i.certificates[0].not_after_s = 0;
    CHECK(check(c, i).empty());
  }
}

TEST_CASE("tls.self_signed_certificate", "[tls]") {
  tls::TlsInfo i = hello();
  i.certificates.push_back(cert());
  TlsChecker c{TlsCheckConfig{}};
  CHECK(check(c, i).empty());
  i.certificates[0].self_signed = true;
  i.certificates[0].sha256 = "bb22";
  const auto fs = check(c, i, kNow + kSec, "198.18.0.2", 443);
  const Finding* f = find(fs, "tls.self_signed_certificate");
  REQUIRE(f != nullptr);
  CHECK(f->severity == Severity::medium);
  // Only the leaf counts: a self-signed root further up the chain is normal.
  TlsChecker c2{TlsCheckConfig{}};
  tls::TlsInfo j = hello();
  j.certificates.push_back(cert());
  j.certificates.push_back(cert("cc33"));
  j.certificates[1].self_signed = true;
  CHECK(check(c2, j).empty());
}

TEST_CASE("tls.weak_certificate_key: RSA under 2048 bits, EC under 224", "[tls]") {
  struct Case {
    const char* type;
    uint32_t bits;
    bool weak;
  };
  for (const Case k : {Case{"RSA", 1024, true}, Case{"RSA", 2047, true}, Case{"RSA", 2048, false},
                       Case{"RSA", 4096, false}, Case{"EC", 192, true}, Case{"EC", 223, true},
                       Case{"EC", 224, false}, Case{"EC", 256, false}, Case{"Ed25519", 128, false},
                       Case{"RSA", 0, false}}) {
    TlsChecker c{TlsCheckConfig{}};
    tls::TlsInfo i = hello();
    i.certificates.push_back(cert("dd44", k.type, k.bits));
    INFO(k.type << " " << k.bits);
    const auto f_all = check(c, i);  // kept: f points into it
    const Finding* f = find(f_all, "tls.weak_certificate_key");
    CHECK((f != nullptr) == k.weak);
    if (f) CHECK(f->severity == Severity::medium);
  }
  // The thresholds are configurable.
  TlsCheckConfig cfg;
  cfg.min_rsa_bits = 3072;
  TlsChecker c{cfg};
  tls::TlsInfo i = hello();
  i.certificates.push_back(cert("ee55", "RSA", 2048));
  CHECK(find(check(c, i), "tls.weak_certificate_key") != nullptr);
}

TEST_CASE("tls.certificate_changed: a host's leaf changes within the window", "[tls]") {
  TlsChecker c{TlsCheckConfig{}};
  tls::TlsInfo a = hello();
  a.certificates.push_back(cert("aaaa"));
  tls::TlsInfo b = a;
  b.certificates[0].sha256 = "bbbb";
  b.certificates[0].issuer = "CN=Corporate Proxy CA";
  CHECK(check(c, a).empty());
  CHECK(check(c, a, kNow + 60 * kSec).empty());  // same leaf again
  const auto fs = check(c, b, kNow + 120 * kSec);
  const Finding* f = find(fs, "tls.certificate_changed");
  REQUIRE(f != nullptr);
  CHECK(f->risk_class == "interception");
  CHECK(f->severity == Severity::high);
  CHECK(f->summary.find("Corporate Proxy CA") != std::string::npos);
  CHECK(check(c, b, kNow + 180 * kSec).empty());  // the new leaf is now the known one

  // Another host's different leaf is no change; neither is a handshake without certificates
  // (resumed), nor a change after the window.
  tls::TlsInfo other = hello(0x0304, 0x1301, "other.example.com");
  other.certificates.push_back(cert("cccc"));
  CHECK(check(c, other, kNow + 200 * kSec).empty());
  CHECK(check(c, hello(), kNow + 300 * kSec).empty());
  tls::TlsInfo d = a;
  d.certificates[0].sha256 = "dddd";
  CHECK(check(c, d, kNow + 180 * kSec + 86401 * kSec).empty());
}

TEST_CASE("tls.cleartext_to_tls_host: credentials or sensitive data in clear", "[tls]") {
  TlsChecker c{TlsCheckConfig{}};
  HttpTransaction t;
  t.method = "GET";
  t.uri = "/v1/me";
  Identity bearer;
  bearer.kind = CredentialKind::bearer_opaque;
  bearer.where = "header Authorization";
  Identity none;
  std::vector<Finding> out;

  // Before any TLS handshake to the host: nothing.
  c.check_cleartext(t, "api.example.com", "198.18.0.2", bearer, {}, kNow, out);
  CHECK(out.empty());
  // A ClientHello the server never answered does not make it a TLS host.
  tls::TlsInfo client_only = hello();
  client_only.server_hello = false;
  check(c, client_only);
  c.check_cleartext(t, "api.example.com", "198.18.0.9", bearer, {}, kNow, out);
  CHECK(out.empty());

  check(c, hello());
  // Without a credential or sensitive data: nothing.
  c.check_cleartext(t, "api.example.com", "198.18.0.2", none, {}, kNow, out);
  CHECK(out.empty());
  c.check_cleartext(t, "API.Example.com:80", "198.18.0.9", bearer, {}, kNow, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].id == "tls.cleartext_to_tls_host");
  CHECK(out[0].risk_class == "broken_authentication");
  CHECK(out[0].owasp_api == "API2:2023");
  CHECK(out[0].severity == Severity::high);
  CHECK(out[0].locations == std::vector<std::string>{"header Authorization"});
  // Once per host and credential kind in the window.
  out.clear();
  c.check_cleartext(t, "api.example.com", "198.18.0.2", bearer, {}, kNow + kSec, out);
  CHECK(out.empty());

  // Sensitive data; and a host known by its address only (another name of the same server).
  Finding data;
  data.kind = RuleKind::data;
  data.data_class = "cn_resident_id";
  data.in_response = true;
  data.locations = {"response.body $.idCard"};
  Finding attack;
  attack.kind = RuleKind::attack;
  c.check_cleartext(t, "10.1.2.3", "198.18.0.2", none, std::vector<Finding>{attack}, kNow, out);
  CHECK(out.empty());  // an attack is not sensitive data
  c.check_cleartext(t, "legacy.example.com", "198.18.0.2", none, std::vector<Finding>{data}, kNow,
                    out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].data_class == "cn_resident_id");
  CHECK(out[0].locations == std::vector<std::string>{"response.body $.idCard"});
  out.clear();
  c.check_cleartext(t, "unknown.example.com", "198.18.0.77", bearer, {}, kNow, out);
  CHECK(out.empty());
}

TEST_CASE("TLS checks: disabled, and the host table's bound", "[tls]") {
  TlsCheckConfig off;
  off.enabled = false;
  TlsChecker c0{off};
  CHECK(check(c0, hello(0x0301, 0x0005)).empty());
  CHECK(c0.counters().handshakes == 0);

  TlsCheckConfig cfg;
  cfg.max_hosts = 64;
  TlsChecker c{cfg};
  const size_t mem = c.memory_bytes();
  for (int i = 0; i < 5000; ++i) {
    tls::TlsInfo h = hello(0x0304, 0x1301, "h" + std::to_string(i) + ".example.com");
    h.certificates.push_back(cert("f" + std::to_string(i)));
    check(c, h, kNow + i * kSec, "198.18.1." + std::to_string(i % 250));
  }
  CHECK(c.counters().hosts_evicted > 4000);
  CHECK(c.memory_bytes() < mem + 256);  // only the reused key buffers may grow
  CHECK(c.memory_bytes() < 64 * 1024 + 4096 * 24 + 1024);
}

}  // namespace mirador::detect

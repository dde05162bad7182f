// JA3 / JA4 arithmetic against the FoxIO specification's worked example, GREASE removal, the
// ALPN and count edge cases of JA4, and the version / cipher suite names.
#include <catch2/catch.hpp>

#include "decoders/tls/tls_fingerprint.h"
#include "decoders/tls/tls_handshake.h"
#include "decoders/tls/tls_info.h"
#include "tls_hello_builder.h"

using namespace mirador::tls;
using namespace mirador::tls::test;

namespace {

// The ClientHello of the specification's example (technical_details/JA4.md).
TlsInfo spec_example() {
  TlsInfo t;
  t.client_legacy_version = 0x0303;
  t.client_versions = {0x0304, 0x0303};
  t.cipher_suites = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                     0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  t.extensions = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
                  0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015};
  t.signature_algorithms = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
  t.alpn_offered = {"h2", "http/1.1"};
  return t;
}

}  // namespace

TEST_CASE("ja4: the specification's example") {
  TlsInfo t = spec_example();
  CHECK(ja4(t) == "t13d1516h2_8daaf6152771_e5627efa2ab1");
  t.signature_algorithms.clear();  // "the string ends without an underscore"
  CHECK(ja4(t) == "t13d1516h2_8daaf6152771_6d807ffa2a79");
  CHECK(ja4(t, 'q').substr(0, 1) == "q");
}

TEST_CASE("ja4: SNI, ALPN and count edge cases") {
  TlsInfo t = spec_example();
  t.extensions.erase(t.extensions.begin() + 1);  // no SNI: 'i', one extension less
  CHECK(ja4(t).substr(0, 10) == "t13i1515h2");
  t.alpn_offered.clear();
  CHECK(ja4(t).substr(0, 10) == "t13i151500");
  t.alpn_offered = {"http/1.1"};
  CHECK(ja4(t).substr(8, 2) == "h1");
  t.alpn_offered = {std::string("\xab\x01\xcd", 3)};  // not alphanumeric: hex first and last
  CHECK(ja4(t).substr(8, 2) == "ad");
  t.alpn_offered = {"x"};
  CHECK(ja4(t).substr(8, 2) == "xx");
  t.client_versions.clear();  // no supported_versions: the legacy version
  CHECK(ja4(t).substr(1, 2) == "12");
  t.cipher_suites.assign(120, 0x1301);
  CHECK(ja4(t).substr(4, 2) == "99");
  t.cipher_suites.clear();
  t.extensions.clear();
  t.alpn_offered.clear();
  t.signature_algorithms.clear();
  CHECK(ja4(t) == "t12i000000_000000000000_000000000000");
}

TEST_CASE("ja3: GREASE is removed from suites, extensions, groups, versions") {
  HelloSpec h;
  h.suites = {0x0a0a, 0x1301, 0xc02f};
  h.extensions = {{0x2a2a, ""},
                  {0, sni_ext("example.test")},
                  {10, u16_vector({0x3a3a, 29, 23})},
                  {11, std::string("\x01\x00", 2)},
                  {13, u16_vector({0x0403, 0x0804})},
                  {16, alpn_ext({"h2", "http/1.1"})},
                  {43, versions_ext({0x4a4a, 0x0304, 0x0303})}};
  std::string body = client_hello_body(h);
  TlsInfo t;
  ClientHelloExtra extra;
  REQUIRE(parse_client_hello(reinterpret_cast<const uint8_t*>(body.data()), body.size(), t, extra));
  CHECK(t.cipher_suites == std::vector<uint16_t>{0x1301, 0xc02f});
  CHECK(t.extensions == std::vector<uint16_t>{0, 10, 11, 13, 16, 43});
  CHECK(t.groups == std::vector<uint16_t>{29, 23});
  CHECK(t.client_versions == std::vector<uint16_t>{0x0304, 0x0303});
  CHECK(t.sni == "example.test");
  CHECK(t.alpn_offered == std::vector<std::string>{"h2", "http/1.1"});
  CHECK(t.ja3 == "771,4865-49199,0-10-11-13-16-43,29-23,0");
  CHECK(t.ja3_md5 == md5_hex("771,4865-49199,0-10-11-13-16-43,29-23,0"));
  CHECK(t.ja4.substr(0, 10) == "t13d0206h2");
}

TEST_CASE("ja3s and digests") {
  CHECK(ja3s_string(771, 4865, {43, 51}) == "771,4865,43-51");
  CHECK(md5_hex("771,4865,43-51") == "f4febc55ea12b31ae17cfb7e614afda8");  // tshark's
  CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
}

TEST_CASE("GREASE and names") {
  for (uint16_t g : {0x0a0a, 0x1a1a, 0x2a2a, 0x7a7a, 0xfafa}) CHECK(is_grease(g));
  for (uint16_t v : {0x0000, 0x0a1a, 0x1a0a, 0x0a0b, 0x1301, 0x0b0b}) CHECK(!is_grease(v));
  CHECK(version_name(0x0300) == "SSLv3");
  CHECK(version_name(0x0301) == "TLSv1.0");
  CHECK(version_name(0x0303) == "TLSv1.2");
  CHECK(version_name(0x0304) == "TLSv1.3");
  CHECK(version_name(0x7f1c) == "0x7f1c");
  CHECK(cipher_suite_name(0x1301) == "TLS_AES_128_GCM_SHA256");
  CHECK(cipher_suite_name(0xc030) == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
  CHECK(cipher_suite_name(0xcca8) == "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
  CHECK(cipher_suite_name(0x002f) == "TLS_RSA_WITH_AES_128_CBC_SHA");
  CHECK(cipher_suite_name(0x00ff) == "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
  CHECK(cipher_suite_name(0x1234) == "0x1234");
}

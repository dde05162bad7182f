// TlsSession on real captures (tests/data/tls, made by tools/make_tls_captures.sh): versions,
// suites, SNI, ALPN, JA3/JA3S (= tshark's), JA4 (= ja4_reference.py's), certificates, and the
// decrypted plaintext with the key logs the clients wrote; the same results however the bytes are
// cut.
#include <catch2/catch.hpp>

#include "decoders/tls/record_cipher.h"
#include "tls_capture.h"

using namespace mirador;
using namespace mirador::tls;
using namespace mirador::tls::test;

namespace {

struct Expected {
  const char* name;
  uint16_t version;
  uint16_t suite;
  const char* alpn;
  const char* ja4;
  bool decrypted;
  const char* request;  // start of the client's plaintext
  size_t certificates;  // with the key log
};

const Expected kCaptures[] = {
    {"tls13_aes128gcm", 0x0304, 0x1301, "http/1.1", "t13d0212h1_ec078ce24869_85302d7e289e", true,
     "GET / HTTP/1.1\r\n", 2},
    {"tls13_chacha20", 0x0304, 0x1303, "http/1.1", "t13d0212h1_bb76221c5b8c_85302d7e289e", true,
     "GET / HTTP/1.1\r\n", 2},
    {"tls12_ecdhe_rsa_aes256gcm", 0x0303, 0xc030, "http/1.1",
     "t12d0207h1_f09d9ff7e6fc_a44c6288192a", true, "GET / HTTP/1.1\r\n", 2},
    {"tls12_ecdhe_chacha20", 0x0303, 0xcca8, "http/1.1", "t12d0207h1_c5d8418a506e_a44c6288192a",
     true, "GET / HTTP/1.1\r\n", 2},
    {"tls10_cbc", 0x0301, 0x002f, "", "t10d020400_a5878986a7c9_23f7d3b00788", false, "", 2},
    {"tls13_expired_selfsigned", 0x0304, 0x1302, "http/1.1", "t13d3112h1_e8f1e7e78f70_b26ce05bbdd6",
     true, "GET / HTTP/1.1\r\n", 1},
    {"tls13_h2", 0x0304, 0x1302, "h2", "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6", true,
     "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 2},
    {"tls13_hrr", 0x0304, 0x1302, "http/1.1", "t13d3112h1_e8f1e7e78f70_b26ce05bbdd6", true,
     "GET / HTTP/1.1\r\n", 2},
};

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

TEST_CASE("tls: every capture's handshake, fingerprints and plaintext") {
  for (const Expected& e : kCaptures) {
    SECTION(e.name) {
      auto segs = read_segments(e.name);
      KeyLog keys;
      load_keys(keys, e.name);
      Run r = run_session(segs, &keys);
      const TlsInfo& t = r.info;
      CHECK(t.client_hello);
      CHECK(t.server_hello);
      CHECK(t.version == e.version);
      CHECK(t.cipher_suite == e.suite);
      CHECK(t.sni == "api.mirador.test");
      CHECK(t.alpn == e.alpn);
      CHECK(t.ja4 == e.ja4);
      // tshark's JA3 of the first ClientHello and JA3S of the last ServerHello.
      auto ja3 = tshark_ja3(e.name, 1);
      auto ja3s = tshark_ja3(e.name, 2);
      REQUIRE(!ja3.empty());
      REQUIRE(!ja3s.empty());
      CHECK(t.ja3 == ja3.front().string);
      CHECK(t.ja3_md5 == ja3.front().md5);
      CHECK(t.ja3s == ja3s.back().string);
      CHECK(t.ja3s_md5 == ja3s.back().md5);
      CHECK(t.certificates.size() == e.certificates);
      CHECK(t.decrypted == e.decrypted);
      CHECK(r.handshakes == 1);
      CHECK(r.handshake_before_plaintext);
      CHECK(r.counters.malformed == 0);
      CHECK(r.counters.decrypt_failures == 0);
      CHECK(t.records[0] > 0);
      CHECK(t.application_bytes[0] > 0);
      CHECK(t.application_bytes[1] > 0);
      if (e.decrypted) {
        CHECK(starts_with(r.plain[0], e.request));
        CHECK(t.decrypt_error.empty());
        CHECK(r.counters.decrypted_connections == 1);
        if (t.alpn == "h2")
          CHECK((r.plain[1].size() > 9 && r.plain[1][3] == 0x04));  // the server's SETTINGS
        else
          CHECK(starts_with(r.plain[1], "HTTP/1.1 200 OK\r\n"));
      } else {
        CHECK(r.plain[0].empty());
        CHECK(r.plain[1].empty());
      }
    }
  }
}

TEST_CASE("tls: TLS 1.3 hides ALPN and certificates without the key log; TLS 1.2 shows them") {
  Run r13 = run_session(read_segments("tls13_aes128gcm"), nullptr);
  CHECK(r13.info.version == 0x0304);
  CHECK(r13.info.alpn.empty());
  CHECK(r13.info.certificates.empty());
  CHECK(!r13.info.decrypted);
  CHECK(r13.info.decrypt_error.empty());  // no key log configured: nothing to report
  CHECK(r13.handshakes == 1);
  CHECK(r13.info.ja4 == kCaptures[0].ja4);

  Run r12 = run_session(read_segments("tls12_ecdhe_rsa_aes256gcm"), nullptr);
  CHECK(r12.info.alpn == "http/1.1");
  CHECK(r12.info.certificates.size() == 2);
  CHECK(r12.counters.application_records == 2);  // the request and the answer
}

TEST_CASE("tls: key log without this connection, and unsupported suites") {
  KeyLog empty;
  Run r = run_session(read_segments("tls12_ecdhe_chacha20"), &empty);
  CHECK(!r.info.decrypted);
  CHECK(r.info.decrypt_error == "no key");
  CHECK(r.counters.decrypt_no_key == 1);

  KeyLog keys;
  load_keys(keys, "tls10_cbc");
  Run cbc = run_session(read_segments("tls10_cbc"), &keys);
  CHECK(cbc.info.decrypt_error == "version TLSv1.0");
  CHECK(cbc.counters.decrypt_unsupported == 1);
  CHECK(cbc.info.alerts == 2);  // both close_notify, encrypted: counted, description unknown
  CHECK(!decryptable_suite(0x0303, 0x002f));
}

TEST_CASE("tls: a wrong key stops decryption of the direction and reports the loss") {
  for (const char* name : {"tls13_aes128gcm", "tls12_ecdhe_rsa_aes256gcm"}) {
    SECTION(name) {
      // The right client random, every secret's last byte flipped.
      std::ifstream f(data_dir() + name + ".keys");
      KeyLog keys;
      std::string line;
      while (std::getline(f, line)) {
        if (line.size() > 2 && line[0] != '#') line.back() = line.back() == '0' ? '1' : '0';
        keys.add_line(line);
      }
      Run r = run_session(read_segments(name), &keys);
      CHECK(!r.info.decrypted);
      CHECK(r.counters.decrypt_failures == 2);  // one per direction
      CHECK(r.info.decrypt_error == "record did not authenticate");
      CHECK(r.plain[0].empty());
      CHECK(r.gaps[0] >= 1);
      CHECK(r.gaps[1] >= 1);
      CHECK(r.handshakes == 1);
    }
  }
}

TEST_CASE("tls: certificate fields") {
  KeyLog keys;
  load_keys(keys, "tls13_aes128gcm");
  Run r = run_session(read_segments("tls13_aes128gcm"), &keys);  // read from the decrypted flight
  REQUIRE(r.info.certificates.size() == 2);
  const TlsCertificate& leaf = r.info.certificates[0];
  CHECK(leaf.subject == "CN=api.mirador.test,O=Mirador Test");
  CHECK(leaf.issuer == "CN=Mirador Test CA,O=Mirador Test");
  CHECK(leaf.key_type == "RSA");
  CHECK(leaf.key_bits == 2048);
  CHECK(leaf.signature_algorithm == "sha256WithRSAEncryption");
  CHECK(!leaf.self_signed);
  CHECK(leaf.dns_names == std::vector<std::string>{"api.mirador.test", "www.mirador.test"});
  // = openssl x509 -in tests/data/tls/certs/chain.pem -outform der | sha256sum
  CHECK(leaf.sha256 == "62bddc3556096cb93c32c153b0f489066c8e71b026d5490adc7ecdd0e04d1877");
  CHECK(leaf.not_after_s - leaf.not_before_s == 825 * 86400);
  CHECK(leaf.serial.size() == 40);
  const TlsCertificate& ca = r.info.certificates[1];
  CHECK(ca.subject == ca.issuer);
  CHECK(ca.self_signed);

  KeyLog old_keys;
  load_keys(old_keys, "tls13_expired_selfsigned");
  Run old = run_session(read_segments("tls13_expired_selfsigned"), &old_keys);
  REQUIRE(old.info.certificates.size() == 1);
  const TlsCertificate& c = old.info.certificates[0];
  CHECK(c.subject == "O=Mirador Old,CN=old.mirador.test");
  CHECK(c.self_signed);
  CHECK(c.not_before_s == 1577836800);  // 2020-01-01
  CHECK(c.not_after_s == 1609459200);   // 2021-01-01: expired
  CHECK(c.key_type == "EC");
  CHECK(c.key_bits == 256);
  CHECK(c.signature_algorithm == "ecdsa-with-SHA256");
  CHECK(c.serial == "01");
  CHECK(c.sha256 == "537282bf52174f6af7a0a022f8e9297f4374b6c6f06cbde3a6195d197e7e7d64");
}

TEST_CASE("tls: HelloRetryRequest is not the final ServerHello") {
  KeyLog keys;
  load_keys(keys, "tls13_hrr");
  Run r = run_session(read_segments("tls13_hrr"), &keys);
  CHECK(r.counters.client_hellos == 1);  // the second ClientHello does not replace the first
  CHECK(r.counters.server_hellos == 1);
  CHECK(r.info.groups == std::vector<uint16_t>{29, 23});
  CHECK(r.info.decrypted);
  CHECK(!r.info.resumed);
}

TEST_CASE("tls: the same results however the bytes are cut") {
  for (const Expected& e : kCaptures) {
    SECTION(e.name) {
      auto segs = read_segments(e.name);
      KeyLog keys;
      load_keys(keys, e.name);
      Run whole = run_session(segs, &keys);
      for (size_t chunk : {1, 2, 3, 5, 7, 100, 1000}) {
        Run cut = run_session(segs, &keys, chunk);
        CHECK(cut.info.ja3 == whole.info.ja3);
        CHECK(cut.info.ja4 == whole.info.ja4);
        CHECK(cut.info.ja3s == whole.info.ja3s);
        CHECK(cut.info.alpn == whole.info.alpn);
        CHECK(cut.info.certificates.size() == whole.info.certificates.size());
        CHECK(cut.info.records[0] == whole.info.records[0]);
        CHECK(cut.info.records[1] == whole.info.records[1]);
        CHECK(cut.plain[0] == whole.plain[0]);
        CHECK(cut.plain[1] == whole.plain[1]);
        CHECK(cut.counters.malformed == 0);
      }
      // Coalesced: all consecutive segments of one direction in one call.
      std::vector<Segment> merged;
      for (const Segment& s : segs) {
        if (!merged.empty() && merged.back().dir == s.dir)
          merged.back().bytes += s.bytes;
        else
          merged.push_back(s);
      }
      Run m = run_session(merged, &keys);
      CHECK(m.plain[0] == whole.plain[0]);
      CHECK(m.plain[1] == whole.plain[1]);
      CHECK(m.info.ja4 == whole.info.ja4);
    }
  }
}

TEST_CASE("tls: every split point of the first flights") {
  const char* name = "tls12_ecdhe_rsa_aes256gcm";
  auto segs = read_segments(name);
  KeyLog keys;
  load_keys(keys, name);
  Run whole = run_session(segs, &keys);
  // The ClientHello segment and the server's first segment (ServerHello, Certificate, ...).
  for (size_t which : {size_t{0}, size_t{1}}) {
    const std::string bytes = segs[which].bytes;
    for (size_t cut = 1; cut < bytes.size(); ++cut) {
      std::vector<Segment> split = segs;
      split[which].bytes = bytes.substr(0, cut);
      split.insert(split.begin() + static_cast<long>(which) + 1,
                   Segment{segs[which].dir, bytes.substr(cut), segs[which].ts_us});
      Run r = run_session(split, &keys);
      REQUIRE(r.info.ja3 == whole.info.ja3);
      REQUIRE(r.info.ja3s == whole.info.ja3s);
      REQUIRE(r.info.certificates.size() == 2);
      REQUIRE(r.plain[0] == whole.plain[0]);
    }
  }
}

TEST_CASE("tls: KeyUpdate in both directions is followed") {
  // openssl s_client 'K': the client updates its keys and asks the server to update its own.
  KeyLog keys;
  load_keys(keys, "tls13_keyupdate");
  Run r = run_session(read_segments("tls13_keyupdate"), &keys);
  CHECK(r.info.ja3 == tshark_ja3("tls13_keyupdate", 1).front().string);
  CHECK(r.info.ja4 == "t13d311000_e8f1e7e78f70_1f22a2ca17c4");
  CHECK(r.info.decrypted);
  CHECK(r.counters.decrypt_failures == 0);
  CHECK(r.gaps[0] + r.gaps[1] == 0);
  CHECK(r.plain[0].rfind("GET / HTTP/1.0\r\n", 0) == 0);  // sent after the KeyUpdate
  CHECK(r.plain[1].rfind("HTTP/1.0 200 ok\r\n", 0) == 0);
}

TEST_CASE("tls: 0-RTT early data is counted, not decrypted; the rest of the connection is") {
  // openssl s_client -sess_in -early_data: "GET /early" as 0-RTT, "GET /late" after the handshake.
  KeyLog keys;
  load_keys(keys, "tls13_early_data");
  Run r = run_session(read_segments("tls13_early_data"), &keys);
  CHECK(r.info.ja4 == "t13d311200_e8f1e7e78f70_87f12a3f655c");
  CHECK(r.info.resumed);
  CHECK(r.info.certificates.empty());  // a resumed handshake sends none
  CHECK(r.info.decrypted);
  CHECK(r.counters.early_data_records == 2);  // the request and EndOfEarlyData
  CHECK(r.counters.decrypt_failures == 0);
  CHECK(r.plain[0].find("GET /early") == std::string::npos);
  CHECK(r.plain[0].find("GET /late HTTP/1.0\r\n") != std::string::npos);
}

// Test helper: the TCP payloads of a one-connection capture (Ethernet, IPv4, TCP), in capture
// order with their direction (to_server when the destination port is the server's), duplicates
// (retransmissions) dropped; and a run of TlsSession over them that records what it reported.
#pragma once

#include <pcap/pcap.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "decoders/tls/key_log.h"
#include "decoders/tls/tls_session.h"

namespace mirador::tls::test {

struct Segment {
  Direction dir;
  std::string bytes;
  int64_t ts_us;
};

inline std::string data_dir() {
  const char* d = std::getenv("MIRADOR_TEST_DATA");
  return std::string(d ? d : "tests/data") + "/tls/";
}

inline std::vector<Segment> read_segments(const std::string& name) {
  char err[PCAP_ERRBUF_SIZE];
  std::string path = data_dir() + name + ".pcap";
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (!p) throw std::runtime_error(err);
  std::vector<Segment> out;
  uint16_t server_port = 0;
  std::map<int, uint32_t> next_seq;  // per direction
  pcap_pkthdr* h;
  const u_char* d;
  while (pcap_next_ex(p, &h, &d) == 1) {
    if (h->caplen < 14 + 20 || d[12] != 0x08 || d[13] != 0x00) continue;
    const u_char* ip = d + 14;
    size_t ihl = (ip[0] & 15) * 4u;
    size_t ip_len = (ip[2] << 8) | ip[3];
    if (ip[9] != 6 || 14 + ip_len > h->caplen) continue;
    const u_char* tcp = ip + ihl;
    uint16_t dport = (tcp[2] << 8) | tcp[3];
    uint32_t seq = (uint32_t{tcp[4]} << 24) | (tcp[5] << 16) | (tcp[6] << 8) | tcp[7];
    size_t off = (tcp[12] >> 4) * 4u;
    bool syn = tcp[13] & 0x02;
    if (syn && !(tcp[13] & 0x10)) server_port = dport;  // the SYN goes to the server
    Direction dir = dport == server_port ? Direction::to_server : Direction::to_client;
    int k = static_cast<int>(dir);
    if (syn) {
      next_seq[k] = seq + 1;
      continue;
    }
    size_t len = ip_len - ihl - off;
    if (!len) continue;
    auto it = next_seq.find(k);
    if (it != next_seq.end() && static_cast<int32_t>(seq - it->second) < 0) continue;  // dup
    next_seq[k] = seq + static_cast<uint32_t>(len);
    out.push_back({dir, std::string(reinterpret_cast<const char*>(tcp + off), len),
                   int64_t{h->ts.tv_sec} * 1000000 + h->ts.tv_usec});
  }
  pcap_close(p);
  return out;
}

inline void load_keys(KeyLog& keys, const std::string& name) {
  std::ifstream f(data_dir() + name + ".keys");
  std::string line;
  while (std::getline(f, line)) keys.add_line(line);
}

// What a session reported.
struct Run {
  TlsCounters counters;
  TlsInfo info;
  int handshakes = 0;
  bool handshake_before_plaintext = true;
  std::string plain[2];
  size_t gap_bytes[2] = {0, 0};
  int gaps[2] = {0, 0};
};

// Feeds `segs` to a new session; `chunk` > 0 re-cuts every segment into pieces of that size.
inline Run run_session(const std::vector<Segment>& segs, const KeyLog* keys, size_t chunk = 0,
                       TlsLimits limits = {}) {
  Run r;
  TlsCallbacks cb;
  cb.on_handshake = [&](const TlsInfo&) { ++r.handshakes; };
  cb.on_plaintext = [&](Direction d, const uint8_t* p, size_t n, int64_t) {
    if (!r.handshakes) r.handshake_before_plaintext = false;
    r.plain[static_cast<int>(d)].append(reinterpret_cast<const char*>(p), n);
  };
  cb.on_plaintext_gap = [&](Direction d, size_t n, int64_t) {
    ++r.gaps[static_cast<int>(d)];
    r.gap_bytes[static_cast<int>(d)] += n;
  };
  {
    TlsSession s(limits, r.counters, keys, cb);
    for (const Segment& seg : segs) {
      const auto* p = reinterpret_cast<const uint8_t*>(seg.bytes.data());
      size_t n = seg.bytes.size();
      size_t step = chunk ? chunk : n;
      for (size_t i = 0; i < n; i += step)
        s.on_data(seg.dir, p + i, std::min(step, n - i), seg.ts_us);
    }
    s.on_close(0);
    r.info = s.info();
  }
  return r;
}

// tshark's JA3 (type 1) and JA3S (type 2) strings and MD5s: tests/data/tls/tshark_ja3.tsv.
struct TsharkFingerprint {
  std::string string, md5;
};
inline std::vector<TsharkFingerprint> tshark_ja3(const std::string& name, int type) {
  std::ifstream f(data_dir() + "tshark_ja3.tsv");
  std::vector<TsharkFingerprint> out;
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string n, t, s, m;
    std::getline(in, n, '\t');
    std::getline(in, t, '\t');
    std::getline(in, s, '\t');
    std::getline(in, m, '\t');
    if (n == name && t == std::to_string(type)) out.push_back({s, m});
  }
  return out;
}

}  // namespace mirador::tls::test

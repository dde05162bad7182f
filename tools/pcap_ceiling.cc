// mirador-pcap-ceiling: the fastest a plain libpcap read loop can go over a capture file.
//
// It reads every packet with pcap_next_ex and folds every byte into a checksum (so the compiler
// cannot skip the reads), then prints packets, bytes, elapsed time, Gbit/s, packets/s and peak
// RSS. The sensor's file-replay benchmark is judged against these figures: whatever the sensor
// loses compared to this loop is decoding, reassembly and analysis cost.
#include <pcap/pcap.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace {

// Folds all bytes of a packet, 8 at a time; rotating keeps byte position significant.
uint64_t fold_bytes(uint64_t acc, const u_char* data, size_t len) {
  while (len >= 8) {
    uint64_t w;
    std::memcpy(&w, data, 8);
    acc = ((acc << 5) | (acc >> 59)) ^ w;
    data += 8;
    len -= 8;
  }
  while (len--) acc = ((acc << 5) | (acc >> 59)) ^ *data++;
  return acc;
}

int usage() {
  std::fprintf(stderr, "usage: mirador-pcap-ceiling [--json] FILE.pcap\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--json") {
      json = true;
    } else if (arg == "-h" || arg == "--help" || path) {
      return usage();
    } else {
      path = argv[i];
    }
  }
  if (!path) return usage();

  char errbuf[PCAP_ERRBUF_SIZE] = {};
  const auto start = std::chrono::steady_clock::now();
  // The same 1 MiB stdio buffer the sensor reads with, so the two read the file alike.
  std::FILE* file = std::fopen(path, "rb");
  if (!file) {
    std::fprintf(stderr, "mirador-pcap-ceiling: cannot open %s\n", path);
    return 1;
  }
  static char buffer[1u << 20];  // glibc ignores the size unless given the buffer
  std::setvbuf(file, buffer, _IOFBF, sizeof buffer);
  pcap_t* pcap = pcap_fopen_offline(file, errbuf);
  if (!pcap) {
    std::fclose(file);
    std::fprintf(stderr, "mirador-pcap-ceiling: %s\n", errbuf);
    return 1;
  }
  uint64_t packets = 0, bytes = 0, acc = 0;
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  int rc;
  while ((rc = pcap_next_ex(pcap, &hdr, &data)) == 1) {
    ++packets;
    bytes += hdr->caplen;
    acc = fold_bytes(acc, data, hdr->caplen);
  }
  if (rc == PCAP_ERROR) {
    std::fprintf(stderr, "mirador-pcap-ceiling: %s (after %llu packets)\n", pcap_geterr(pcap),
                 static_cast<unsigned long long>(packets));
  }
  pcap_close(pcap);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double gbps = elapsed > 0 ? static_cast<double>(bytes) * 8 / elapsed / 1e9 : 0;
  const double pps = elapsed > 0 ? static_cast<double>(packets) / elapsed : 0;
  const long rss_kib = ru.ru_maxrss;  // Linux reports KiB
  if (json) {
    std::printf(
        "{\"packets\": %llu, \"bytes\": %llu, \"elapsed_s\": %.6f, \"gbit_per_s\": %.3f, "
        "\"packets_per_s\": %.0f, \"peak_rss_kib\": %ld, \"checksum\": \"%016llx\"}\n",
        static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes), elapsed,
        gbps, pps, rss_kib, static_cast<unsigned long long>(acc));
  } else {
    std::printf(
        "packets %llu\nbytes %llu\nelapsed %.3f s\nthroughput %.3f Gbit/s\npackets/s %.0f\n"
        "peak RSS %.1f MiB\nchecksum %016llx\n",
        static_cast<unsigned long long>(packets), static_cast<unsigned long long>(bytes), elapsed,
        gbps, pps, static_cast<double>(rss_kib) / 1024.0, static_cast<unsigned long long>(acc));
  }
  return rc == PCAP_ERROR ? 1 : 0;
}

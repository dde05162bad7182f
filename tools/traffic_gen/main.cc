// mirador-gen: writes realistic HTTP/1.x or HTTP/2 API traffic to a pcap file, for tests and
// benchmarks.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "tools/traffic_gen/gen_options.h"
#include "tools/traffic_gen/generator.h"
#include "tools/traffic_gen/pcap_sink.h"

int main(int argc, char** argv) {
  using mirador::gen::GenOptions;
  GenOptions o;
  CLI::App app{"mirador-gen: deterministic generator of HTTP/1.x API traffic captures (pcap)"};
  app.add_option("-o,--output", o.output, "pcap file to write")->required();
  app.add_option("--seed", o.seed, "random seed; same seed and options give identical bytes")
      ->capture_default_str();
  app.add_option("--size", o.size_bytes, "stop at about this many bytes of file (e.g. 200M, 1G)")
      ->transform(CLI::AsSizeValue(false));
  app.add_option("--transactions", o.transactions,
                 "exact number of benign request/response pairs (default 1000 when --size is "
                 "absent)");
  app.add_option("--clients", o.clients, "distinct client addresses (198.18.0.0/16)")
      ->capture_default_str();
  app.add_option("--identities", o.identities,
                 "distinct users (own JWT, cookie, login) spread over the client addresses; "
                 "default: as many as --clients, at most 2000000");
  app.add_option("--identity-rate", o.identity_rate,
                 "average requests per identity per minute (paces the capture clock; 0: "
                 "connections back to back)")
      ->capture_default_str();
  app.add_option("--scenario", o.scenarios,
                 "inject an abuse scenario (repeatable): scrape, bulk_exposure, token_shared, "
                 "brute_force; its requests come on top of --transactions");
  app.add_option("--servers", o.servers, "distinct server addresses (198.19.0.0/16)")
      ->capture_default_str();
  app.add_option("--concurrency", o.concurrency, "connections open at the same time")
      ->capture_default_str();
  app.add_option("--requests-per-conn", o.requests_per_conn, "requests per keep-alive connection")
      ->capture_default_str();
  app.add_option("--pipeline", o.pipeline, "requests sent before their responses (pipelining)")
      ->capture_default_str();
  app.add_flag("--http2", o.http2,
               "HTTP/2 with prior knowledge (h2c): the same exchanges as HEADERS (HPACK) and DATA "
               "frames, concurrent streams per connection");
  app.add_option("--h2-streams", o.h2_streams,
                 "HTTP/2: requests sent as concurrent streams before their responses")
      ->capture_default_str();
  app.add_option("--chunked-ratio", o.chunked_ratio, "fraction of bodies sent chunked")
      ->capture_default_str();
  app.add_option("--gzip-ratio", o.gzip_ratio,
                 "fraction of bodies sent with Content-Encoding: gzip")
      ->capture_default_str();
  app.add_option("--loss", o.loss, "fraction of data segments missing from the capture")
      ->capture_default_str();
  app.add_option("--reorder", o.reorder, "chance that a data segment swaps with the next one")
      ->capture_default_str();
  app.add_option("--vlan", o.vlan, "802.1Q VLAN id of every (inner) frame");
  app.add_option("--erspan", o.erspan,
                 "wrap every frame in GRE/ERSPAN type II with this session id");
  app.add_option("--vxlan", o.vxlan, "wrap every frame in UDP 4789/VXLAN with this VNI");
  app.add_option("--mss", o.mss, "largest TCP payload per segment")->capture_default_str();
  app.add_option("--server-port", o.server_port, "server TCP port")->capture_default_str();
  app.add_option("--start-time", o.start_time, "timestamp of the first packet, epoch seconds")
      ->capture_default_str();
  app.add_option("--summary-json", o.summary_json,
                 "write the ground truth (transactions, methods, statuses...) as JSON");
  CLI11_PARSE(app, argc, argv);

  if (o.size_bytes == 0 && o.transactions == 0) o.transactions = 1000;
  if (const std::string err = o.validate(); !err.empty()) {
    std::cerr << "mirador-gen: " << err << "\n";
    return 2;
  }

  std::string error;
  auto sink = mirador::gen::PcapSink::open(o.output, error);
  if (!sink) {
    std::cerr << "mirador-gen: " << error << "\n";
    return 1;
  }
  mirador::gen::GenStats stats = mirador::gen::generate(o, *sink);
  if (!sink->close()) {
    std::cerr << "mirador-gen: error while writing " << o.output << "\n";
    return 1;
  }
  std::cerr << mirador::gen::format_stats(stats);

  if (!o.summary_json.empty()) {
    std::ofstream out(o.summary_json);
    out << mirador::gen::stats_json(stats, o.seed, o.to_json());
    if (!out) {
      std::cerr << "mirador-gen: cannot write " << o.summary_json << "\n";
      return 1;
    }
  }
  return 0;
}

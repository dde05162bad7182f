// mirador-collector: receives the sensors' events over gRPC (tools/collector/collector_service.h),
// drops duplicates, writes rotating JSON lines and forwards findings as CEF over syslog. Counters
// as one JSON line on stderr every --stats-interval seconds and at exit. With --kafka-brokers it
// also reads the sensors' Kafka topics as a member of a consumer group. SIGTERM/SIGINT: stop
// accepting, let in-flight batches finish, flush, persist the de-duplication state, drain syslog.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "tools/collector/collector_service.h"
#include "tools/collector/event_store.h"
#include "tools/collector/kafka_source.h"

namespace {

using namespace mirador::collector;

std::string read_text_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + what + " '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "host:port" or "[v6]:port".
bool split_host_port(const std::string& s, std::string& host, uint16_t& port) {
  const size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    const unsigned long p = std::stoul(s.substr(colon + 1));
    if (p == 0 || p > 65535) return false;
    port = static_cast<uint16_t>(p);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

void print_stats(const EventStore& store, const CollectorService& service, const KafkaSource* kafka,
                 double elapsed, bool final) {
  const StoreCounters c = store.counters();
  const ServiceCounters s = service.counters();
  char kafka_part[320] = "";
  if (kafka) {
    const KafkaSourceCounters k = kafka->counters();
    std::snprintf(
        kafka_part, sizeof kafka_part,
        ",\"kafka\":{\"messages\":%llu,\"commits\":%llu,\"errors\":%llu,"
        "\"rebalances\":%llu,\"skipped\":%llu,\"partitions\":%llu}",
        static_cast<unsigned long long>(k.messages), static_cast<unsigned long long>(k.commits),
        static_cast<unsigned long long>(k.errors), static_cast<unsigned long long>(k.rebalances),
        static_cast<unsigned long long>(k.skipped), static_cast<unsigned long long>(k.partitions));
  }
  std::fprintf(
      stderr,
      "{\"type\":\"collector_stats\",\"final\":%s,\"elapsed_s\":%.3f,"
      "\"streams\":{\"active\":%llu,\"total\":%llu,\"refused\":%llu,\"unauthenticated\":%llu,"
      "\"aborted\":%llu,\"write_failed\":%llu},"
      "\"batches\":%llu,\"acks\":%llu,\"events\":%llu,\"written\":%llu,\"duplicates\":%llu,"
      "\"below_floor\":%llu,\"untracked\":%llu,\"sensors\":%llu,\"invalid\":%llu,"
      "\"recovered_events\":%llu,\"torn_bytes_cut\":%llu,\"rotations\":%llu,"
      "\"write_errors\":%llu,\"failed_batches\":%llu,"
      "\"cef\":{\"sent\":%llu},\"syslog\":{\"queued\":%llu,\"sent\":%llu,\"dropped\":%llu,"
      "\"connects\":%llu,\"send_errors\":%llu}%s}\n",
      final ? "true" : "false", elapsed, static_cast<unsigned long long>(s.streams_active),
      static_cast<unsigned long long>(s.streams_total),
      static_cast<unsigned long long>(s.streams_refused),
      static_cast<unsigned long long>(s.unauthenticated),
      static_cast<unsigned long long>(s.streams_aborted),
      static_cast<unsigned long long>(s.streams_write_failed),
      static_cast<unsigned long long>(c.batches), static_cast<unsigned long long>(s.acks),
      static_cast<unsigned long long>(c.events), static_cast<unsigned long long>(c.written),
      static_cast<unsigned long long>(c.dedupe.duplicates),
      static_cast<unsigned long long>(c.dedupe.below_floor),
      static_cast<unsigned long long>(c.dedupe.untracked),
      static_cast<unsigned long long>(c.dedupe.sensors), static_cast<unsigned long long>(c.invalid),
      static_cast<unsigned long long>(c.recovered_events),
      static_cast<unsigned long long>(c.torn_bytes_cut),
      static_cast<unsigned long long>(c.rotations), static_cast<unsigned long long>(c.write_errors),
      static_cast<unsigned long long>(c.failed_batches),
      static_cast<unsigned long long>(c.cef_sent), static_cast<unsigned long long>(c.syslog.queued),
      static_cast<unsigned long long>(c.syslog.sent),
      static_cast<unsigned long long>(c.syslog.dropped),
      static_cast<unsigned long long>(c.syslog.connects),
      static_cast<unsigned long long>(c.syslog.send_errors), kafka_part);
  std::fflush(stderr);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "mirador-collector: receives events from Mirador sensors over gRPC, drops duplicates, "
      "writes JSON lines and forwards findings as CEF over syslog."};
  ServerConfig server_cfg;
  EventStoreConfig store_cfg;
  store_cfg.json_path = "-";
  CollectorServiceConfig service_cfg;
  std::string tls_cert, tls_key, client_ca, token_file, syslog_addr;
  double stats_interval = 60, shutdown_timeout = 5;
  app.add_option("--listen", server_cfg.listen, "gRPC address host:port (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--json", store_cfg.json_path, "JSON-lines output file ('-' = stdout)")
      ->capture_default_str();
  app.add_option("--rotate-bytes", store_cfg.rotation.max_bytes,
                 "Rotate the JSON file at this size (0 = never)");
  app.add_option("--rotate-seconds", store_cfg.rotation.max_seconds,
                 "Rotate the JSON file after this many seconds (0 = never)");
  app.add_option("--state-dir", store_cfg.state_dir,
                 "Where the de-duplication state lives (default: the JSON file's directory)");
  app.add_option("--dedupe-window", store_cfg.dedupe_window,
                 "Sequences remembered above each sensor's floor (out-of-order tolerance)")
      ->capture_default_str();
  app.add_option("--max-sensors", store_cfg.max_sensors,
                 "Sensors tracked for de-duplication (more are written unchecked, counted)")
      ->capture_default_str();
  app.add_option("--tls-cert", tls_cert, "Server certificate chain (PEM): enables TLS");
  app.add_option("--tls-key", tls_key, "Server private key (PEM)");
  app.add_option("--client-ca", client_ca,
                 "CA (PEM) for mutual TLS: client certificates are required and verified");
  app.add_option("--token-file", token_file,
                 "File holding the bearer token sensors must send (authorization metadata)");
  app.add_option("--syslog", syslog_addr, "Forward findings as CEF to this syslog TCP host:port");
  app.add_option("--syslog-facility", store_cfg.syslog.facility, "Syslog facility (0-23)")
      ->capture_default_str()
      ->check(CLI::Range(0, 23));
  app.add_option("--syslog-queue", store_cfg.syslog.max_queued,
                 "Messages queued for syslog at most (more are dropped, counted)")
      ->capture_default_str();
  app.add_option("--max-streams", service_cfg.max_streams, "Concurrent sensor streams at most")
      ->capture_default_str();
  app.add_option("--max-message-bytes", server_cfg.max_message_bytes,
                 "Largest gRPC message (one batch) accepted")
      ->capture_default_str()
      ->check(CLI::Range(1024, 1 << 30));
  app.add_option("--stats-interval", stats_interval,
                 "Seconds between counter lines on stderr (0 = only at exit)")
      ->capture_default_str();
  app.add_option("--shutdown-timeout", shutdown_timeout,
                 "Seconds in-flight streams get to finish at SIGTERM before they are cancelled")
      ->capture_default_str();
  // Kafka: a consumer-group member feeding the same store, beside the gRPC server.
  KafkaSourceConfig kafka_cfg;
  kafka_cfg.topics = {"mirador.http", "mirador.finding", "mirador.endpoint", "mirador.stats"};
  app.add_option("--kafka-brokers", kafka_cfg.brokers,
                 "Also read events from Kafka (bootstrap servers host:port[,...])");
  app.add_option("--kafka-group", kafka_cfg.group,
                 "Consumer group: collectors of one group share the partitions")
      ->capture_default_str();
  app.add_option("--kafka-topics", kafka_cfg.topics, "Topics to read (the sensor's defaults)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--kafka-config", kafka_cfg.extra,
                 "More librdkafka consumer settings, key=value (repeatable)");
  app.add_option("--kafka-batch-events", kafka_cfg.batch_events,
                 "Events written and committed together")
      ->capture_default_str();
  bool no_grpc = false;
  app.add_flag("--no-grpc", no_grpc, "Do not listen for gRPC (a Kafka-only collector)");
  CLI11_PARSE(app, argc, argv);
  if (no_grpc && kafka_cfg.brokers.empty()) {
    std::fprintf(stderr, "mirador-collector: --no-grpc needs --kafka-brokers\n");
    return 2;
  }

  // SIGINT/SIGTERM are blocked in every thread (gRPC's and syslog's inherit the mask) and taken
  // by sigtimedwait in the main loop below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  try {
    if (!tls_cert.empty()) server_cfg.tls_cert_pem = read_text_file(tls_cert, "--tls-cert");
    if (!tls_key.empty()) server_cfg.tls_key_pem = read_text_file(tls_key, "--tls-key");
    if (!client_ca.empty()) server_cfg.client_ca_pem = read_text_file(client_ca, "--client-ca");
    if (!token_file.empty()) {
      service_cfg.token = read_text_file(token_file, "--token-file");
      while (!service_cfg.token.empty() &&
             (service_cfg.token.back() == '\n' || service_cfg.token.back() == '\r')) {
        service_cfg.token.pop_back();
      }
      if (service_cfg.token.empty()) throw std::runtime_error("--token-file is empty");
    }
    if (!syslog_addr.empty() &&
        !split_host_port(syslog_addr, store_cfg.syslog.host, store_cfg.syslog.port)) {
      throw std::runtime_error("--syslog wants host:port, got '" + syslog_addr + "'");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mirador-collector: %s\n", e.what());
    return 2;
  }

  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  try {
    EventStore store(store_cfg);
    CollectorService service(store, service_cfg);
    std::unique_ptr<grpc::Server> server;
    if (!no_grpc) {
      int port = 0;
      server = start_collector_server(server_cfg, service, &port);
      const std::string host = server_cfg.listen.substr(0, server_cfg.listen.rfind(':'));
      std::fprintf(stderr, "mirador-collector: listening on %s:%d\n", host.c_str(), port);
      std::fflush(stderr);
    }
    // The Kafka source runs on its own thread; accept() returns once the batch is in the file,
    // and only then does the source commit its offsets.
    std::unique_ptr<KafkaSource> kafka;
    std::thread kafka_thread;
    std::string kafka_error;
    std::atomic<bool> kafka_done{false};
    if (!kafka_cfg.brokers.empty()) {
      kafka = std::make_unique<KafkaSource>(
          kafka_cfg, [&store](std::span<const std::string> batch) { store.accept(batch); });
      kafka_thread = std::thread([&] {
        try {
          kafka->run();
        } catch (const std::exception& e) {
          kafka_error = e.what();
        }
        kafka_done.store(true);
      });
      std::fprintf(stderr, "mirador-collector: reading Kafka %s as group '%s'\n",
                   kafka_cfg.brokers.c_str(), kafka_cfg.group.c_str());
      std::fflush(stderr);
    }

    auto next_stats = std::chrono::steady_clock::now() +
                      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::chrono::duration<double>(stats_interval));
    for (;;) {
      timespec one_second{1, 0};
      const int sig = sigtimedwait(&stop_signals, nullptr, &one_second);
      if (sig == SIGINT || sig == SIGTERM) break;
      if (kafka_done.load()) break;  // the Kafka source failed: stop cleanly, then report it
      store.tick();                  // time-based rotation with no traffic
      if (stats_interval > 0 && std::chrono::steady_clock::now() >= next_stats) {
        print_stats(store, service, kafka.get(), elapsed(), false);
        next_stats += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(stats_interval));
      }
    }
    // Stop accepting; streams get the grace period, then are cancelled. Shutdown returns once
    // every handler has returned, so no accept() runs after it.
    if (server) {
      server->Shutdown(std::chrono::system_clock::now() +
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(
                           std::chrono::duration<double>(shutdown_timeout)));
      server->Wait();
    }
    if (kafka) {  // commits what was accepted and leaves the group
      kafka->stop();
      kafka_thread.join();
    }
    store.close();
    print_stats(store, service, kafka.get(), elapsed(), true);
    if (!kafka_error.empty()) {
      std::fprintf(stderr, "mirador-collector: kafka: %s\n", kafka_error.c_str());
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mirador-collector: %s\n", e.what());
    return 1;
  }
  return 0;
}

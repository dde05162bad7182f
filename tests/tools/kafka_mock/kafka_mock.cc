// kafka-mock: librdkafka's mock cluster as a stand-alone process for end-to-end tests (a real
// sensor and real collectors talk to it as to any Kafka cluster). Prints "bootstrap HOST:PORT,..."
// on stdout once the topics exist, then runs until SIGTERM/SIGINT or --seconds pass.
//
// Usage: kafka-mock [--brokers N] [--partitions P] [--seconds S] TOPIC...
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {
volatile sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}
}  // namespace

int main(int argc, char** argv) {
  int brokers = 1, partitions = 4, seconds = 300;
  std::vector<std::string> topics;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--brokers" || a == "--partitions" || a == "--seconds") && i + 1 < argc) {
      const int v = std::atoi(argv[++i]);
      (a == "--brokers" ? brokers : a == "--partitions" ? partitions : seconds) = v;
    } else if (!a.empty() && a[0] != '-') {
      topics.push_back(a);
    } else {
      std::fprintf(stderr,
                   "usage: kafka-mock [--brokers N] [--partitions P] [--seconds S] TOPIC...\n");
      return 2;
    }
  }
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!host) {
    std::fprintf(stderr, "kafka-mock: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(host, brokers);
  if (!mc) {
    std::fprintf(stderr, "kafka-mock: cannot create the mock cluster\n");
    return 1;
  }
  for (const std::string& t : topics) {
    const rd_kafka_resp_err_t e =
        rd_kafka_mock_topic_create(mc, t.c_str(), partitions, brokers < 3 ? brokers : 3);
    if (e) {
      std::fprintf(stderr, "kafka-mock: topic %s: %s\n", t.c_str(), rd_kafka_err2str(e));
      return 1;
    }
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  std::printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
  std::fflush(stdout);
  for (int i = 0; i < seconds * 10 && !g_stop; ++i) usleep(100000);
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(host);
  return 0;
}

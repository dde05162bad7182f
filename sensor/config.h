// Sensor configuration: one YAML file with documented defaults (see `mirador --dump-config`);
// every key can also be set on the command line with `--set key=value`. Unknown keys and bad
// values are errors that name the key and, for files, the line.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "sensor/capture/pcap_source.h"
#include "sensor/output/event_queue.h"
#include "sensor/output/grpc_transport.h"
#include "sensor/output/jsonl_sink.h"
#include "sensor/output/kafka_transport.h"
#include "sensor/output/masking.h"
#include "sensor/output/reliable_sink.h"
#include "sensor/pipeline/pipeline_config.h"
#include "sensor/security/security_config.h"
#include "sensor/worker.h"

namespace mirador {

// The host name: what a sensor is called unless configured otherwise.
std::string default_sensor_id();

struct SensorConfig {
  std::string read_file;   // capture.file: read this pcap/pcapng file
  LiveCaptureConfig live;  // capture.interface and friends
  WorkerConfig worker;
  PipelineConfig pipeline;  // capture.workers, capture.worker_ring_bytes, capture.worker_reports
  // capture.dpdk.*: capture from a DPDK port instead (--dpdk); used only when built with DPDK.
  struct Dpdk {
    bool enabled = false;            // capture.dpdk.enabled (same as --dpdk)
    std::string eal_args;            // capture.dpdk.eal_args: whitespace-separated EAL arguments
    uint32_t port = 0;               // capture.dpdk.port
    uint32_t queues = 0;             // capture.dpdk.queues: RX queues (0: one per worker)
    uint32_t mbufs = 16383;          // capture.dpdk.mbufs: per queue's pool
    uint32_t rx_descriptors = 1024;  // capture.dpdk.rx_descriptors
    uint32_t burst = 32;             // capture.dpdk.burst
    std::chrono::milliseconds idle_stop{0};  // capture.dpdk.idle_stop: end after this idle
  } dpdk;
  std::string openapi_file;  // inventory.openapi_file: OpenAPI 3.0 export at the end; empty = none
  // inventory.openapi_spec: the operator's OpenAPI document (shadow/zombie endpoints); empty = off.
  std::string openapi_spec;
  // tls.keylog_file: NSS key log (SSLKEYLOGFILE) whose secrets decrypt TLS; empty = none.
  std::string tls_keylog_file;
  detect::OpenApiSpecLimits spec_limits;  // inventory.spec_max_paths, inventory.spec_max_operations
  std::string sensor_id = default_sensor_id();  // output.sensor_id: names this sensor's events
  std::string json_output = "-";                // output.json: path, or "-" for stdout; empty = off
  std::string protobuf_file;   // output.protobuf_file: length-delimited events; empty = off
  JsonRotation json_rotation;  // output.json_rotate_bytes, output.json_rotate_seconds
  EventQueueConfig queue;      // output.queue_events, output.queue_bytes
  MaskingConfig masking;       // output.mask_sensitive, output.sensitive_params
  GrpcConfig grpc;             // output.grpc*: the collector; address empty = no gRPC sink
  KafkaConfig kafka;           // output.kafka_*: brokers empty = no Kafka sink
  // output.spool_dir: with a remote sink, <spool_dir>/<sink name> is its spool and
  // <spool_dir>/sequence the sequence reservation (sequence_store.h).
  std::string spool_dir = "/var/lib/mirador/spool";
  // output.spool_* and output.remote_*: every remote sink's window, spool and backoff
  // (remote.spool_dir is set per sink from spool_dir).
  ReliableSinkConfig remote;
  bool stats_events = true;      // stats.events: each stats line is also a stats event
  double stats_interval_s = 60;  // stats.interval: seconds between stats lines; 0 = only at the end
  double duration_s = 0;         // live capture stops after this many seconds (0 = never)
  bool progress = true;          // stats.progress: progress line when stderr is a terminal
  security::SecurityConfig security;  // security.*: privilege drop, file modes, seccomp
};

// Applies a YAML document (file contents) onto `cfg`. `origin` names the source in errors.
// Throws std::runtime_error.
void apply_config_yaml(SensorConfig& cfg, const std::string& yaml_text, const std::string& origin);
void load_config_file(SensorConfig& cfg, const std::string& path);

// Applies one "dotted.key=value" override. Throws std::runtime_error.
void apply_config_override(SensorConfig& cfg, const std::string& assignment);

// The effective configuration as YAML, every key with its current value.
std::string dump_config(const SensorConfig& cfg);

// The keys whose values differ between `a` and `b`, in key order (a reload's report).
std::vector<std::string> changed_config_keys(const SensorConfig& a, const SensorConfig& b);

// One line per key with its meaning, for --help-config.
std::string describe_config_keys();

// "64MiB", "1G", "4096" → bytes; "30s", "10m", "1.5h", "250ms", "12" (seconds) → seconds.
uint64_t parse_size(const std::string& text);
double parse_duration(const std::string& text);

}  // namespace mirador

#include <catch2/catch.hpp>
#include <string>

#include "sensor/config.h"

using namespace mirador;

TEST_CASE("sizes and durations accept units") {
  CHECK(parse_size("4096") == 4096);
  CHECK(parse_size("64KiB") == 64 * 1024);
  CHECK(parse_size("64 MiB") == 64u << 20);
  CHECK(parse_size("1G") == 1u << 30);
  CHECK_THROWS(parse_size("12 parsecs"));
  CHECK_THROWS(parse_size("-5"));
  CHECK(parse_duration("30") == 30);
  CHECK(parse_duration("250ms") == Approx(0.25));
  CHECK(parse_duration("10m") == 600);
  CHECK(parse_duration("1.5h") == 5400);
  CHECK_THROWS(parse_duration("soon"));
}

TEST_CASE("a YAML file sets nested keys") {
  SensorConfig cfg;
  apply_config_yaml(cfg,
                    "flow:\n"
                    "  max_flows: 5000\n"
                    "  timeout:\n"
                    "    established: 2m\n"
                    "tcp:\n"
                    "  memcap: 16MiB\n"
                    "http:\n"
                    "  port_hints: [80, 8081]\n"
                    "  max_body_inspect: 64KiB\n",
                    "test.yaml");
  CHECK(cfg.worker.flows.max_flows == 5000);
  CHECK(cfg.worker.flows.timeouts.established_us == 120'000'000);
  CHECK(cfg.worker.tcp_memcap == 16u << 20);
  CHECK(cfg.worker.http_port_hints == std::vector<uint16_t>{80, 8081});
  CHECK(cfg.worker.http.max_body_inspect == 64 * 1024);
}

TEST_CASE("unknown keys and bad values are errors naming the key and line") {
  SensorConfig cfg;
  try {
    apply_config_yaml(cfg, "flow:\n  max_flow: 10\n", "bad.yaml");
    FAIL("no error");
  } catch (const std::exception& e) {
    std::string msg = e.what();
    CHECK(msg.find("bad.yaml:2") != std::string::npos);
    CHECK(msg.find("flow.max_flow") != std::string::npos);
  }
  CHECK_THROWS(apply_config_yaml(cfg, "flow:\n  max_flows: lots\n", "bad.yaml"));
  CHECK_THROWS(apply_config_yaml(cfg, "flow:\n  max_flows: 0\n", "bad.yaml"));
  CHECK_THROWS(apply_config_yaml(cfg, "flow: [1, 2\n", "bad.yaml"));
}

TEST_CASE("--set overrides any key; the dump is valid YAML that loads back") {
  SensorConfig cfg;
  apply_config_override(cfg, "flow.max_flows=123");
  apply_config_override(cfg, "http.max_line=1KiB");
  CHECK(cfg.worker.flows.max_flows == 123);
  CHECK(cfg.worker.http.max_line == 1024);
  CHECK_THROWS(apply_config_override(cfg, "flow.max_flows"));
  CHECK_THROWS(apply_config_override(cfg, "nope.key=1"));

  SensorConfig again;
  apply_config_yaml(again, dump_config(cfg), "dump");
  CHECK(again.worker.flows.max_flows == 123);
  CHECK(again.worker.http.max_line == 1024);
  CHECK(again.worker.flows.timeouts.closed_us == cfg.worker.flows.timeouts.closed_us);
  CHECK(dump_config(again) == dump_config(cfg));
}

TEST_CASE("output keys: sensor id defaults to the host name, protobuf file off by default") {
  SensorConfig cfg;
  CHECK(cfg.sensor_id == default_sensor_id());
  CHECK_FALSE(cfg.sensor_id.empty());
  CHECK(cfg.protobuf_file.empty());
  apply_config_override(cfg, "output.sensor_id=edge-7");
  apply_config_override(cfg, "output.protobuf_file=/tmp/events.pb");
  apply_config_override(cfg, "output.json=");
  CHECK(cfg.sensor_id == "edge-7");
  CHECK(cfg.protobuf_file == "/tmp/events.pb");
  CHECK(cfg.json_output.empty());
  CHECK(describe_config_keys().find("output.protobuf_file") != std::string::npos);
}

TEST_CASE("output keys: queue caps and JSON-lines rotation, with their units and bounds") {
  SensorConfig cfg;
  CHECK(cfg.json_rotation.max_bytes == 0);  // rotation off by default
  CHECK(cfg.json_rotation.max_seconds == 0);
  apply_config_override(cfg, "output.queue_events=1024");
  apply_config_override(cfg, "output.queue_bytes=8MiB");
  apply_config_override(cfg, "output.json_rotate_bytes=1G");
  apply_config_override(cfg, "output.json_rotate_seconds=1h");
  CHECK(cfg.queue.max_events == 1024);
  CHECK(cfg.queue.max_bytes == 8u << 20);
  CHECK(cfg.json_rotation.max_bytes == uint64_t{1} << 30);
  CHECK(cfg.json_rotation.max_seconds == 3600);
  CHECK_THROWS(apply_config_override(cfg, "output.queue_events=0"));
  CHECK_THROWS(apply_config_override(cfg, "output.queue_bytes=1"));
  SensorConfig again;
  apply_config_yaml(again, dump_config(cfg), "dump");
  CHECK(dump_config(again) == dump_config(cfg));
}

TEST_CASE("output keys: the gRPC sink, the spool and the remote window") {
  SensorConfig cfg;
  CHECK(cfg.grpc.address.empty());  // off by default
  CHECK(cfg.spool_dir == "/var/lib/mirador/spool");
  apply_config_yaml(cfg,
                    "output:\n"
                    "  grpc: collector.example:7443\n"
                    "  grpc_tls: true\n"
                    "  grpc_ca: /etc/mirador/ca.pem\n"
                    "  grpc_server_name: collector\n"
                    "  grpc_token_file: /etc/mirador/token\n"
                    "  grpc_connect_timeout: 2s\n"
                    "  spool_dir: /srv/spool\n"
                    "  spool_max_bytes: 2GiB\n"
                    "  remote_window_events: 1000\n"
                    "  remote_backoff_min: 250ms\n"
                    "  remote_backoff_max: 1m\n"
                    "  remote_drain_timeout: 3s\n",
                    "t.yaml");
  CHECK(cfg.grpc.address == "collector.example:7443");
  CHECK(cfg.grpc.tls);
  CHECK(cfg.grpc.ca_file == "/etc/mirador/ca.pem");
  CHECK(cfg.grpc.server_name == "collector");
  CHECK(cfg.grpc.token_file == "/etc/mirador/token");
  CHECK(cfg.grpc.connect_timeout == std::chrono::milliseconds(2000));
  CHECK(cfg.spool_dir == "/srv/spool");
  CHECK(cfg.remote.spool_max_bytes == (uint64_t{2} << 30));
  CHECK(cfg.remote.window_events == 1000);
  CHECK(cfg.remote.backoff_min == std::chrono::milliseconds(250));
  CHECK(cfg.remote.backoff_max == std::chrono::milliseconds(60000));
  CHECK(cfg.remote.drain_timeout == std::chrono::milliseconds(3000));
  apply_config_override(cfg, "output.grpc_cert=/c.pem");
  apply_config_override(cfg, "output.grpc_key=/k.pem");
  CHECK(cfg.grpc.cert_file == "/c.pem");
  CHECK_THROWS(apply_config_override(cfg, "output.remote_window_events=0"));
  CHECK_THROWS(apply_config_override(cfg, "output.remote_backoff_min=soon"));
  // The dump carries every key and loads back to the same configuration.
  const std::string dump = dump_config(cfg);
  CHECK(dump.find("grpc_token_file") != std::string::npos);
  SensorConfig again;
  apply_config_yaml(again, dump, "dump");
  CHECK(dump_config(again) == dump);
  CHECK(again.remote.backoff_max == std::chrono::milliseconds(60000));
  CHECK(describe_config_keys().find("output.remote_drain_timeout") != std::string::npos);
}

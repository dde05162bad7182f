// KafkaTransport: events to Kafka through librdkafka, as a RemoteTransport behind ReliableSink
// (which gives it the memory window, the disk spool and the replay).
//
// - Message value: the serialised mirador.v1.Event (the same bytes as every other sink).
// - Message key: the event's Community ID (HTTP transactions and findings), so every event of a
//   connection lands in one partition in order; the sensor id for events without a flow.
// - Topic per event kind: topic_http, topic_finding, topic_endpoint, topic_stats, topic_tls
//   (configurable).
// - Producer settings: enable.idempotence=true (no duplicates or reordering from librdkafka's own
//   retries), acks=all, message.timeout.ms from the config; `extra` passes any other librdkafka
//   setting ("key=value", e.g. security.protocol, sasl.*, test.mock.num.brokers).
// - acked(): the highest sequence S such that every event sent on this connection up to S has a
//   successful delivery report (reports come per partition, so out of order). A failed delivery
//   report (message timed out, broker refused) breaks the connection: ReliableSink re-sends.
// - can_send() is false while `max_in_flight` events await their report.
// - Payloads are produced with RD_KAFKA_MSG_F_COPY: librdkafka allocates one block per message
//   anyway and copies value and key into it, so copying costs a memcpy and no allocation, and
//   the caller's bytes (a window entry or a spool read buffer) need not outlive send().
// - Events that can never be delivered are counted and skipped (acknowledged) instead of breaking
//   the connection forever: bytes that do not parse as an Event with a payload, and events larger
//   than the producer's message.max.bytes (or refused by the broker as too large).
// - connect() starts a new connection on the same producer: it purges what the previous one left
//   queued or in flight (their late reports are ignored) and restarts acked() at 0. Only after a
//   fatal producer error (idempotence) does it create a new producer.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "sensor/output/remote_transport.h"

namespace mirador {

struct KafkaTransportCounters {
  uint64_t delivered = 0;           // successful delivery reports of the current connections
  uint64_t delivery_failures = 0;   // failed reports (each breaks its connection)
  uint64_t skipped_unparsable = 0;  // bytes that are not an Event with a payload
  uint64_t skipped_too_large = 0;   // larger than message.max.bytes, or refused as too large
  uint64_t stale_reports = 0;       // reports of an earlier or purged connection, ignored
  uint64_t client_errors = 0;       // librdkafka error callbacks (broker down, auth, ...)
  uint64_t producers_created = 0;   // 1, plus one per fatal error recovered by connect()
};

struct KafkaConfig {
  std::string brokers;                               // output.kafka_brokers; empty = no Kafka sink
  std::string topic_http = "mirador.http";           // output.kafka_topic_http
  std::string topic_finding = "mirador.finding";     // output.kafka_topic_finding
  std::string topic_endpoint = "mirador.endpoint";   // output.kafka_topic_endpoint
  std::string topic_stats = "mirador.stats";         // output.kafka_topic_stats
  std::string topic_tls = "mirador.tls";             // output.kafka_topic_tls
  std::chrono::milliseconds message_timeout{30000};  // output.kafka_message_timeout
  size_t max_in_flight = 100000;
  std::vector<std::string> extra;  // output.kafka_config: "key=value" librdkafka settings
};

class KafkaTransport final : public RemoteTransport {
 public:
  // Throws std::runtime_error when librdkafka refuses the configuration.
  explicit KafkaTransport(const KafkaConfig& cfg);
  ~KafkaTransport() override;

  std::string_view name() const override { return "kafka"; }
  void connect() override;
  State poll(std::chrono::milliseconds budget) override;
  bool can_send() const override;
  bool send(std::span<const OutgoingEvent> batch) override;
  uint64_t acked() const override;
  void close(std::chrono::milliseconds budget) override;
  const std::string& last_error() const override { return error_; }
  TransportCounters counters() const override { return c_; }

  KafkaTransportCounters kafka_counters() const;

  // The librdkafka producer handle (rd_kafka_t*), for tests that reach its mock cluster.
  void* native_handle() const;

 private:
  struct Impl;
  KafkaConfig cfg_;
  Impl* impl_ = nullptr;
  std::string error_;
  TransportCounters c_;
};

}  // namespace mirador

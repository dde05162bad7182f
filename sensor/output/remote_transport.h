// RemoteTransport: one network destination of events — the gRPC collector (grpc_transport.h) or
// Kafka (kafka_transport.h). A transport only moves bytes and reports acknowledgements; what to
// send, in which order, what to keep in memory and what to spool is ReliableSink's job.
//
// Contract:
// - Driven by one thread (the output thread, through ReliableSink). No call blocks for longer
//   than the `budget` given to poll(): connecting, writing and reading acks are asynchronous.
// - send() takes events in strictly increasing sequence order since the last connect(); after a
//   break the sink connects again and re-sends from its oldest unacknowledged event.
// - acked() is cumulative for the current connection: every event sent on it with a sequence
//   <= acked() is durable at the destination. It never goes back while the connection lives;
//   after connect() it restarts at 0 and grows again with the new connection's acks.
// - A transport that fails (connection refused or lost, write error, destination refusing)
//   reports State::broken from poll() with a reason in last_error(); nothing sent and not
//   acknowledged on that connection counts as delivered.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mirador {

namespace v1 {
class Event;
}

// One event to send: its sequence, its serialised bytes and, when the caller has it, the parsed
// message (events replayed from the spool have only bytes; a transport that needs fields — Kafka's
// key and topic — parses them then).
struct OutgoingEvent {
  uint64_t seq = 0;
  std::string_view bytes;
  const v1::Event* parsed = nullptr;
};

struct TransportCounters {
  uint64_t connects = 0;  // connection attempts
  uint64_t breaks = 0;    // connections that failed or were lost
  uint64_t batches_sent = 0;
  uint64_t events_sent = 0;  // re-sends after a break included
  uint64_t bytes_sent = 0;
};

class RemoteTransport {
 public:
  enum class State { disconnected, connecting, ready, broken };

  virtual ~RemoteTransport() = default;

  // Short name for stats and logs: "grpc", "kafka".
  virtual std::string_view name() const = 0;

  // Starts a new connection (dropping any previous one). Non-blocking: poll() reports progress.
  virtual void connect() = 0;

  // Makes progress on I/O (completions, acks, connection state) for at most `budget`, then
  // returns the state. broken stays until the next connect().
  virtual State poll(std::chrono::milliseconds budget) = 0;

  // True when send() would be accepted now (ready, and the transport's own in-flight limit not
  // reached).
  virtual bool can_send() const = 0;

  // Sends a batch (non-empty, increasing sequences). Returns false when the transport cannot take
  // it (then nothing of it was sent); the connection is then broken or not ready.
  virtual bool send(std::span<const OutgoingEvent> batch) = 0;

  // See the contract above.
  virtual uint64_t acked() const = 0;

  // Closes the connection (after a sink's final drain). Waits at most `budget`.
  virtual void close(std::chrono::milliseconds budget) = 0;

  virtual const std::string& last_error() const = 0;
  virtual TransportCounters counters() const = 0;
};

}  // namespace mirador

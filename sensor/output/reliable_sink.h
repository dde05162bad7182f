// ReliableSink: the EventSink for a remote destination (a RemoteTransport), with delivery that
// loses nothing it does not count. It runs on the output thread only.
//
// Memory window and disk spool:
// - While the destination keeps up, events live only in a bounded in-memory window (the events
//   sent or about to be sent and not yet acknowledged); an acknowledgement releases them.
// - When the window is full (destination down or slower than the sensor) the whole window is
//   spilled to the spool (spool.h) and from then on every new event is appended to the spool,
//   until the spool has drained (everything in it acknowledged); then the window is used again.
//   So the window holds events only while the spool is empty: the window's events are always
//   older than the spool's, and events go out in sequence order.
// - On a break the transport reconnects after a backoff (exponential, from backoff_min to
//   backoff_max, with jitter) and everything unacknowledged is sent again, window first, then the
//   spool from its oldest unacknowledged event (Spool::rewind). At-least-once: the collector drops
//   duplicates by (sensor_id, sequence).
// - Without a spool (spool_dir empty or spool_max_bytes 0) a full window drops the new event; with
//   a spool, an event the spool refuses (full, disk error) is dropped. Both are counted
//   (dropped_window_full, dropped_spool) and are gaps in the sequence the collector can see.
// - flush() (output thread idle) and pump() make progress without new events, so a spool drains
//   while the sensor is quiet. close() tries to deliver everything for up to drain_timeout, then
//   spills what is left of the window to the spool, which a restarted sensor replays first.
//
// A process restart replays the spool: events spooled by an earlier run go out before new ones
// (their sequences are lower, see sequence_store.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sensor/output/event_sink.h"
#include "sensor/output/remote_counters.h"
#include "sensor/output/remote_transport.h"
#include "sensor/output/spool.h"

namespace mirador {

struct ReliableSinkConfig {
  std::string spool_dir;                           // this sink's own directory; empty = no spool
  uint64_t spool_max_bytes = 1ull << 30;           // output.spool_max_bytes; 0 = no spool
  uint64_t spool_segment_bytes = 16ull << 20;      // output.spool_segment_bytes
  uint32_t spool_fsync_every = 0;                  // output.spool_fsync_every
  size_t window_events = 8192;                     // output.remote_window_events
  size_t window_bytes = 16u << 20;                 // output.remote_window_bytes
  size_t batch_events = 1024;                      // output.remote_batch_events: per send()
  size_t batch_bytes = 1u << 20;                   // output.remote_batch_bytes
  std::chrono::milliseconds backoff_min{100};      // output.remote_backoff_min
  std::chrono::milliseconds backoff_max{30000};    // output.remote_backoff_max
  std::chrono::milliseconds drain_timeout{10000};  // output.remote_drain_timeout
};

class ReliableSink final : public EventSink {
 public:
  // Opens the spool (throws std::runtime_error when its directory cannot be used) and starts
  // connecting.
  ReliableSink(std::unique_ptr<RemoteTransport> transport, const ReliableSinkConfig& cfg);
  ~ReliableSink() override;  // close()

  void write(const v1::Event& e, std::string_view encoded) override;
  void flush() override;  // pump(0): progress without blocking
  OutputCounters counters() const override;

  // Reconnects when the backoff has passed, sends what can be sent, applies acks. Waits at most
  // `budget` for the transport (the output thread passes its idle time here).
  void pump(std::chrono::milliseconds budget) override;
  // True while something is unacknowledged (the output thread then pumps more often).
  bool busy() const override;

  // Delivers for up to drain_timeout, spills the rest of the window to the spool, closes.
  // Idempotent.
  void close() override;

  ReliableSinkCounters remote_counters() const;
  std::string_view name() const { return transport_->name(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Held {
    uint64_t seq = 0;
    std::string bytes;
  };

  bool spool_mode() const { return spool_ && !spool_->empty(); }
  bool window_full(size_t next_bytes) const;
  void step(Clock::time_point deadline);
  void maybe_connect(Clock::time_point now);
  void apply_acks(Clock::time_point now);
  void send_some();
  size_t fill_from_window();
  size_t fill_from_spool();
  void to_spool(uint64_t seq, std::string_view bytes);
  void spill_window();
  void release_front();
  void on_break(Clock::time_point now);
  void log_break(Clock::time_point now);
  void log_restored();

  std::unique_ptr<RemoteTransport> transport_;
  ReliableSinkConfig cfg_;
  std::unique_ptr<Spool> spool_;
  std::deque<Held> window_;  // unacknowledged, oldest first (spool empty while non-empty)
  size_t window_sent_ = 0;   // window_[0, window_sent_) are in flight on this connection
  size_t window_bytes_ = 0;
  std::vector<std::string> spare_;  // strings of acknowledged events, capacity reused
  size_t fresh_events_ = 0;         // written since the last send attempt
  size_t fresh_bytes_ = 0;
  // Read from the spool, not sent yet (a batch is cut by bytes after the read).
  std::vector<SpoolEvent> spool_batch_;
  size_t spool_batch_pos_ = 0;
  // Spooled events in flight on this connection (sequence, bytes): bounded like the window.
  std::deque<std::pair<uint64_t, size_t>> spool_inflight_;
  size_t spool_inflight_bytes_ = 0;
  uint64_t sent_up_to_ = 0;     // highest sequence sent on this connection
  uint64_t max_sent_ever_ = 0;  // highest sequence sent on any connection (re-sends counted)
  uint64_t acked_ = 0;          // highest sequence known delivered, any connection
  std::vector<OutgoingEvent> batch_;

  RemoteTransport::State state_ = RemoteTransport::State::disconnected;
  bool had_break_ = false;  // the next connect() is a reconnect
  Clock::time_point next_connect_{};
  Clock::time_point ready_since_{};
  std::chrono::milliseconds backoff_{0};
  std::minstd_rand jitter_{12345};
  Clock::time_point last_ack_persist_{};

  // Logging (stderr, rate-limited): one line when the destination is lost, one when it is back.
  bool reported_down_ = false;
  uint64_t failures_since_report_ = 0;
  Clock::time_point last_down_log_{};

  bool closed_ = false;
  ReliableSinkCounters c_;
};

}  // namespace mirador

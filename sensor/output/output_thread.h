// OutputThread: the one thread that writes events. It drains every producer's EventQueue (the
// workers', the aggregator's, the capture loop's), numbers each event as it takes it — so the
// sinks and the spool see sequences in increasing order whatever the number of producers; a
// producer's dropped events leave their numbers unused, a gap a collector sees — parses it once
// into a reused message and hands message and bytes to every sink (EventFanout). Producers
// serialise events without a sequence; the number is written in front of the bytes (protobuf
// fields may come in any order), so no event is serialised twice. It flushes the sinks when the
// queue goes idle (so a quiet sensor's events reach the disk within `idle_flush`), and stop()
// delivers every queued event, flushes and joins: an end of file, SIGINT and SIGTERM lose nothing
// that was queued.
//
// Remote sinks need progress without new events (acks, reconnects, a spool to drain): while a
// sink is busy the thread pumps it instead of sleeping, so a spool drains at full speed on an
// idle sensor, and an idle sensor with nothing pending still sleeps. With a SequenceStore, every
// sequence is reserved (ensure) before its event reaches a sink.
//
// Only this thread touches the sinks (and, with a remote sink, the spool): the capture thread
// reads counters() — atomics and a snapshot of the remote sinks' counters, published here once
// per batch — and never waits for a disk.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "sensor/output/event_fanout.h"
#include "sensor/output/event_queue.h"
#include "sensor/output/sequence_store.h"

namespace mirador {

class OutputThread {
 public:
  // Starts the thread. `queues` (sharing one Doorbell) and `sinks` must outlive it. Events are
  // numbered from `first_sequence` (SequenceStore::start(): 1 on a first run).
  OutputThread(std::vector<EventQueue*> queues, EventFanout& sinks,
               std::chrono::milliseconds idle_flush = std::chrono::milliseconds(200),
               SequenceStore* sequences = nullptr, uint64_t first_sequence = 1);
  ~OutputThread();  // stop()
  OutputThread(const OutputThread&) = delete;
  OutputThread& operator=(const OutputThread&) = delete;

  // Call after the last push: drains the queue, flushes and closes every sink (a remote sink
  // drains for up to its drain timeout), joins. Idempotent.
  void stop();

  // written (events handed to the sinks), write_errors and rotations of the sinks, and events
  // that did not parse (counted as write errors; cannot happen with our own producer);
  // sequence_errors; the remote sinks' counters.
  OutputCounters counters() const;
  // The last sequence handed out (first_sequence - 1 before the first event). After stop().
  uint64_t last_sequence() const { return next_sequence_ - 1; }

 private:
  void run();
  bool deliver_all();  // false when every queue was empty
  void publish();

  std::vector<EventQueue*> queues_;
  uint64_t next_sequence_;
  std::string numbered_;  // sequence field + the queued bytes, capacity reused
  EventFanout& sinks_;
  std::chrono::milliseconds idle_flush_;
  std::atomic<bool> stopping_{false};
  SequenceStore* sequences_;
  std::atomic<uint64_t> written_{0}, write_errors_{0}, rotations_{0}, sequence_errors_{0};
  uint64_t parse_errors_ = 0;
  mutable std::mutex remotes_mu_;  // taken once per batch here, once per stats line there
  std::vector<RemoteSinkStats> remotes_;
  std::thread thread_;
};

}  // namespace mirador

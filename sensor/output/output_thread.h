// OutputThread: the one thread that writes events. It takes (sequence, bytes) from the
// EventQueue, parses each event once into a reused message and hands message and bytes to every
// sink (EventFanout). It flushes the sinks when the queue goes idle (so a quiet sensor's events
// reach the disk within `idle_flush`), and stop() delivers every queued event, flushes and joins:
// an end of file, SIGINT and SIGTERM lose nothing that was queued.
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
  // Starts the thread. `sinks` must outlive it.
  OutputThread(EventQueue& queue, EventFanout& sinks,
               std::chrono::milliseconds idle_flush = std::chrono::milliseconds(200),
               SequenceStore* sequences = nullptr);
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

 private:
  void run();
  void deliver_all();
  void publish();

  EventQueue& queue_;
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

// OutputThread: the one thread that writes events. It takes (sequence, bytes) from the
// EventQueue, parses each event once into a reused message and hands message and bytes to every
// sink (EventFanout). It flushes the sinks when the queue goes idle (so a quiet sensor's events
// reach the disk within `idle_flush`), and stop() delivers every queued event, flushes and joins:
// an end of file, SIGINT and SIGTERM lose nothing that was queued.
//
// Only this thread touches the sinks (and, with a remote sink, the spool): the capture thread
// reads counters() — atomics published here — and never waits for a disk.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

#include "sensor/output/event_fanout.h"
#include "sensor/output/event_queue.h"

namespace mirador {

class OutputThread {
 public:
  // Starts the thread. `sinks` must outlive it.
  OutputThread(EventQueue& queue, EventFanout& sinks,
               std::chrono::milliseconds idle_flush = std::chrono::milliseconds(200));
  ~OutputThread();  // stop()
  OutputThread(const OutputThread&) = delete;
  OutputThread& operator=(const OutputThread&) = delete;

  // Call after the last push: drains the queue, flushes every sink, joins. Idempotent.
  void stop();

  // written (events handed to the sinks), write_errors and rotations of the sinks, and events
  // that did not parse (counted as write errors; cannot happen with our own producer).
  OutputCounters counters() const;

 private:
  void run();
  void deliver_all();
  void publish();

  EventQueue& queue_;
  EventFanout& sinks_;
  std::chrono::milliseconds idle_flush_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> written_{0}, write_errors_{0}, rotations_{0};
  uint64_t parse_errors_ = 0;
  std::thread thread_;
};

}  // namespace mirador

#include "sensor/output/output_thread.h"

#include <pthread.h>

#include <csignal>

#include "mirador/v1/event.pb.h"

namespace mirador {

namespace {
// At most this much delay per batch; at 200k events/s a batch is ~200 events, far below the cap.
constexpr std::chrono::milliseconds kBatchWait{1};
// With the queue empty and a remote sink busy: pump it this long before looking at the queue
// again (events arriving meanwhile wait at most this, far below the queue's capacity).
constexpr std::chrono::milliseconds kBusyPump{10};
}  // namespace

OutputThread::OutputThread(std::vector<EventQueue*> queues, EventFanout& sinks,
                           std::chrono::milliseconds idle_flush, SequenceStore* sequences,
                           uint64_t first_sequence)
    : queues_(std::move(queues)),
      next_sequence_(first_sequence == 0 ? 1 : first_sequence),
      sinks_(sinks),
      idle_flush_(idle_flush),
      sequences_(sequences) {
  // The thread starts with SIGINT/SIGTERM blocked, so a stop signal interrupts the capture
  // thread's read rather than landing here.
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "mirador-output");
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

OutputThread::~OutputThread() {
  stop();
}

void OutputThread::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true, std::memory_order_release);
  if (!queues_.empty()) queues_.front()->wake();
  thread_.join();
}

namespace {

// Field 2 (sequence, varint) of mirador.v1.Event, then the number.
void put_sequence(std::string& out, uint64_t seq) {
  out.push_back(static_cast<char>(0x10));
  while (seq >= 0x80) {
    out.push_back(static_cast<char>((seq & 0x7f) | 0x80));
    seq >>= 7;
  }
  out.push_back(static_cast<char>(seq));
}

}  // namespace

bool OutputThread::deliver_all() {
  // One message for the life of the thread: parsing into it reuses its strings and submessages.
  static thread_local v1::Event event;
  bool any = false;
  // Round robin, a bounded batch per queue, so one busy producer cannot starve the others.
  for (bool more = true; more;) {
    more = false;
    for (EventQueue* queue : queues_) {
      for (int n = 0; n < 256; ++n) {
        const QueuedEvent* q = queue->front();
        if (!q) break;
        any = more = true;
        // The tag is how many events the producer dropped just before this one.
        const uint64_t seq = next_sequence_ + q->seq;
        next_sequence_ = seq + 1;
        // Reserved before any sink sees it: a crash never hands a delivered number out again.
        if (sequences_) sequences_->ensure(seq);
        numbered_.clear();
        put_sequence(numbered_, seq);
        numbered_ += q->bytes;
        if (event.ParseFromString(numbered_)) {
          sinks_.write(event, numbered_);
        } else {
          ++parse_errors_;
        }
        queue->pop();
      }
    }
  }
  return any;
}

void OutputThread::publish() {
  OutputCounters c = sinks_.counters();
  written_.store(c.records, std::memory_order_relaxed);
  write_errors_.store(c.write_errors + parse_errors_, std::memory_order_relaxed);
  rotations_.store(c.rotations, std::memory_order_relaxed);
  if (sequences_) sequence_errors_.store(sequences_->write_errors(), std::memory_order_relaxed);
  if (!c.remotes.empty()) {
    std::lock_guard lock(remotes_mu_);
    remotes_.swap(c.remotes);
  }
}

void OutputThread::run() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_flush = Clock::now();
  for (;;) {
    // Read the flag before draining: whatever was pushed before stop() is then delivered below.
    const bool last = stopping_.load(std::memory_order_acquire);
    const bool busy = sinks_.busy();
    if (EventQueue::wait_any(queues_.data(), queues_.size(),
                             last || busy ? std::chrono::milliseconds(0) : idle_flush_)) {
      const Clock::time_point batch_start = Clock::now();
      deliver_all();
      publish();
      // Let events gather before looking again: woken per event, this thread and the producer's
      // FUTEX_WAKE per push cost more than the events themselves (measured: half the throughput).
      // A busy remote sink spends that time on its I/O.
      if (!last) {
        sinks_.pump(kBatchWait);
        std::this_thread::sleep_until(batch_start + kBatchWait);
      }
      continue;
    }
    if (last) break;
    const Clock::time_point now = Clock::now();
    if (busy) {
      // Queue empty, a remote sink with work (acks to read, a spool to drain, a reconnect).
      sinks_.pump(kBusyPump);
      if (now - last_flush >= idle_flush_) {
        sinks_.flush();
        last_flush = now;
      }
      publish();
      continue;
    }
    // Idle: push buffered lines out (and let a sink rotate on time).
    sinks_.flush();
    last_flush = now;
    publish();
  }
  sinks_.flush();
  sinks_.close();  // a remote sink drains here, for up to its drain timeout
  publish();
}

OutputCounters OutputThread::counters() const {
  OutputCounters c;
  c.written = written_.load(std::memory_order_relaxed);
  c.write_errors = write_errors_.load(std::memory_order_relaxed);
  c.rotations = rotations_.load(std::memory_order_relaxed);
  c.sequence_errors = sequence_errors_.load(std::memory_order_relaxed);
  std::lock_guard lock(remotes_mu_);
  c.remotes = remotes_;
  return c;
}

}  // namespace mirador

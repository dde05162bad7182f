#include "sensor/output/reliable_sink.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "mirador/v1/event.pb.h"

namespace mirador {

namespace {

using namespace std::chrono_literals;

// The spool's ack file is rewritten at most this often (and whenever a segment can go).
constexpr auto kAckPersistEvery = 100ms;
// A connection that stays up this long counts as healthy: the next break starts the backoff over.
constexpr auto kStableConnection = 5s;
// A connection that is up this long (or has delivered) is reported as restored.
constexpr auto kRestoredAfter = 1s;
// Logging: one "lost" line per 10 s at most (a flapping link), then a reminder per minute.
constexpr auto kLostLogEvery = 10s;
constexpr auto kStillDownLogEvery = 60s;
// The last goodbye to the transport after the drain.
constexpr auto kTransportCloseBudget = 200ms;
constexpr size_t kMaxSpareStrings = 1024;

long long ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

ReliableSink::ReliableSink(std::unique_ptr<RemoteTransport> transport,
                           const ReliableSinkConfig& cfg)
    : transport_(std::move(transport)), cfg_(cfg) {
  cfg_.window_events = std::max<size_t>(cfg_.window_events, 1);
  cfg_.batch_events = std::max<size_t>(cfg_.batch_events, 1);
  cfg_.backoff_min = std::max(cfg_.backoff_min, std::chrono::milliseconds(1));
  cfg_.backoff_max = std::max(cfg_.backoff_max, cfg_.backoff_min);
  if (!cfg_.spool_dir.empty() && cfg_.spool_max_bytes > 0) {
    spool_ = std::make_unique<Spool>(SpoolConfig{cfg_.spool_dir, cfg_.spool_max_bytes,
                                                 cfg_.spool_segment_bytes, cfg_.spool_fsync_every});
  }
  maybe_connect(Clock::now());
}

ReliableSink::~ReliableSink() {
  close();
}

bool ReliableSink::window_full(size_t next_bytes) const {
  if (window_.size() >= cfg_.window_events) return true;
  // An event larger than the byte cap still goes alone.
  return !window_.empty() && window_bytes_ + next_bytes > cfg_.window_bytes;
}

void ReliableSink::to_spool(uint64_t seq, std::string_view bytes) {
  if (spool_->append(seq, bytes)) {
    ++c_.spooled;
  } else {
    ++c_.dropped_spool;
  }
}

void ReliableSink::write(const v1::Event& e, std::string_view encoded) {
  ++c_.events_in;
  if (closed_) {  // nobody writes after close(); if it happens it is counted, not lost silently
    ++c_.dropped_at_close;
    return;
  }
  const uint64_t seq = e.sequence();
  if (spool_mode()) {
    to_spool(seq, encoded);  // the spool drains first: new events queue up behind it, in order
  } else if (window_full(encoded.size())) {
    if (!spool_) {
      ++c_.dropped_window_full;
      return;
    }
    spill_window();
    to_spool(seq, encoded);
  } else {
    Held h;
    h.seq = seq;
    if (!spare_.empty()) {
      h.bytes = std::move(spare_.back());
      spare_.pop_back();
    }
    h.bytes.assign(encoded);
    window_bytes_ += h.bytes.size();
    window_.push_back(std::move(h));
  }
  // A batch is ready: send it now rather than at the next pump.
  ++fresh_events_;
  fresh_bytes_ += encoded.size();
  if (fresh_events_ >= cfg_.batch_events || fresh_bytes_ >= cfg_.batch_bytes) pump(0ms);
}

void ReliableSink::spill_window() {
  // Events of the window in flight stay in flight: remember them for the acks (the spool cursor
  // skips them, as they are at or below sent_up_to_).
  for (size_t i = 0; i < window_.size(); ++i) {
    const Held& h = window_[i];
    if (i < window_sent_) {
      spool_inflight_.emplace_back(h.seq, h.bytes.size());
      spool_inflight_bytes_ += h.bytes.size();
    }
    to_spool(h.seq, h.bytes);
  }
  while (!window_.empty()) release_front();
  window_sent_ = 0;
  window_bytes_ = 0;
}

void ReliableSink::release_front() {
  Held& h = window_.front();
  window_bytes_ -= h.bytes.size();
  if (spare_.size() < kMaxSpareStrings) spare_.push_back(std::move(h.bytes));
  window_.pop_front();
}

void ReliableSink::maybe_connect(Clock::time_point now) {
  using S = RemoteTransport::State;
  if ((state_ != S::disconnected && state_ != S::broken) || now < next_connect_) return;
  if (had_break_) ++c_.reconnects;
  transport_->connect();
  state_ = S::connecting;
  ready_since_ = {};
  // Everything unacknowledged goes again on the new connection: the window from its start, then
  // the spool from its oldest unacknowledged event.
  window_sent_ = 0;
  spool_inflight_.clear();
  spool_inflight_bytes_ = 0;
  spool_batch_.clear();
  spool_batch_pos_ = 0;
  sent_up_to_ = 0;
  if (spool_) spool_->rewind();
}

size_t ReliableSink::fill_from_window() {
  size_t bytes = 0;
  for (size_t i = window_sent_; i < window_.size() && batch_.size() < cfg_.batch_events; ++i) {
    const Held& h = window_[i];
    if (!batch_.empty() && bytes + h.bytes.size() > cfg_.batch_bytes) break;
    batch_.push_back({h.seq, h.bytes, nullptr});
    bytes += h.bytes.size();
  }
  return batch_.size();
}

size_t ReliableSink::fill_from_spool() {
  size_t bytes = 0;
  size_t taken = 0;  // from spool_batch_, skipped ones included
  size_t inflight = spool_inflight_.size();
  size_t inflight_bytes = spool_inflight_bytes_;
  while (batch_.size() < cfg_.batch_events) {
    if (spool_batch_pos_ + taken == spool_batch_.size()) {
      // Reading again reuses the strings batch_ points into: only with an empty batch.
      if (!batch_.empty()) break;
      spool_batch_pos_ = 0;
      taken = 0;
      if (spool_->peek_batch(cfg_.batch_events, spool_batch_) == 0) break;
    }
    const SpoolEvent& e = spool_batch_[spool_batch_pos_ + taken];
    if (e.seq <= sent_up_to_ || e.seq <= acked_) {  // in flight already, or delivered
      ++taken;
      continue;
    }
    // The spool's events in flight are bounded like the window.
    if (inflight >= cfg_.window_events ||
        (inflight > 0 && inflight_bytes + e.bytes.size() > cfg_.window_bytes)) {
      break;
    }
    if (!batch_.empty() && bytes + e.bytes.size() > cfg_.batch_bytes) break;
    batch_.push_back({e.seq, e.bytes, nullptr});
    bytes += e.bytes.size();
    ++inflight;
    inflight_bytes += e.bytes.size();
    ++taken;
  }
  return taken;
}

void ReliableSink::send_some() {
  fresh_events_ = 0;
  fresh_bytes_ = 0;
  while (transport_->can_send()) {
    batch_.clear();
    const bool from_window = !window_.empty();
    size_t taken = 0;
    if (from_window) {
      fill_from_window();
    } else if (spool_) {
      taken = fill_from_spool();
    }
    if (batch_.empty()) {
      spool_batch_pos_ += taken;  // skipped events only
      return;
    }
    if (!transport_->send(batch_)) return;  // not taken: the cursor stays, a break rewinds
    if (from_window) {
      window_sent_ += batch_.size();
    } else {
      spool_batch_pos_ += taken;
      for (const OutgoingEvent& o : batch_) {
        spool_inflight_.emplace_back(o.seq, o.bytes.size());
        spool_inflight_bytes_ += o.bytes.size();
      }
    }
    for (const OutgoingEvent& o : batch_) {
      if (o.seq <= max_sent_ever_) ++c_.replayed;
    }
    sent_up_to_ = batch_.back().seq;
    max_sent_ever_ = std::max(max_sent_ever_, sent_up_to_);
  }
}

void ReliableSink::apply_acks(Clock::time_point now) {
  const uint64_t a = transport_->acked();
  if (a > acked_) {
    acked_ = a;
    while (!window_.empty() && window_.front().seq <= a) {
      release_front();
      if (window_sent_ > 0) --window_sent_;
      ++c_.acked;
    }
    while (!spool_inflight_.empty() && spool_inflight_.front().first <= a) {
      spool_inflight_bytes_ -= spool_inflight_.front().second;
      spool_inflight_.pop_front();
      ++c_.acked;
    }
    // Acks of window events go to the spool too (no file write unless a segment goes).
    if (spool_) spool_->ack(a, false);
    log_restored();
  }
  if (spool_ && now - last_ack_persist_ >= kAckPersistEvery) {
    spool_->persist_ack();
    last_ack_persist_ = now;
  }
}

void ReliableSink::on_break(Clock::time_point now) {
  state_ = RemoteTransport::State::broken;
  had_break_ = true;
  ready_since_ = {};
  backoff_ = backoff_.count() == 0 ? cfg_.backoff_min : std::min(backoff_ * 2, cfg_.backoff_max);
  // Jitter: somewhere in [backoff/2, backoff], so sensors restarted together do not reconnect
  // together.
  const auto half = backoff_ / 2;
  std::uniform_int_distribution<long long> d(0, half.count());
  next_connect_ = now + backoff_ - half + std::chrono::milliseconds(d(jitter_));
  log_break(now);
}

void ReliableSink::log_break(Clock::time_point now) {
  ++failures_since_report_;
  const std::string name(transport_->name());
  if (!reported_down_) {
    if (last_down_log_ != Clock::time_point{} && now - last_down_log_ < kLostLogEvery) return;
    std::fprintf(stderr,
                 "mirador: %s: connection to the collector failed: %s (events are kept and sent "
                 "again on reconnect, next attempt in %lld ms)\n",
                 name.c_str(), transport_->last_error().c_str(), ms(next_connect_ - now));
    reported_down_ = true;
  } else if (now - last_down_log_ >= kStillDownLogEvery) {
    std::fprintf(stderr, "mirador: %s: still no connection after %llu attempts: %s\n", name.c_str(),
                 static_cast<unsigned long long>(failures_since_report_),
                 transport_->last_error().c_str());
  } else {
    return;
  }
  last_down_log_ = now;
  failures_since_report_ = 0;
}

void ReliableSink::log_restored() {
  if (!reported_down_) return;
  std::fprintf(stderr, "mirador: %s: connected to the collector again\n",
               std::string(transport_->name()).c_str());
  reported_down_ = false;
}

void ReliableSink::step(Clock::time_point deadline) {
  using S = RemoteTransport::State;
  Clock::time_point now = Clock::now();
  maybe_connect(now);
  if (state_ == S::broken || state_ == S::disconnected) {
    // Waiting out the backoff: sleep, do not spin.
    std::this_thread::sleep_until(std::min(deadline, next_connect_));
    return;
  }
  send_some();
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::max(deadline - now, 0ns));
  state_ = transport_->poll(left);
  now = Clock::now();
  if (state_ == S::broken) {
    on_break(now);
    return;
  }
  if (state_ == S::ready) {
    if (ready_since_ == Clock::time_point{}) ready_since_ = now;
    if (now - ready_since_ >= kStableConnection) backoff_ = 0ms;
    if (now - ready_since_ >= kRestoredAfter) log_restored();
  }
  apply_acks(now);
  send_some();
}

void ReliableSink::pump(std::chrono::milliseconds budget) {
  const Clock::time_point deadline = Clock::now() + budget;
  do {
    step(deadline);
  } while (busy() && Clock::now() < deadline);
}

bool ReliableSink::busy() const {
  return !window_.empty() || spool_mode();
}

void ReliableSink::flush() {
  if (!closed_) pump(0ms);
}

void ReliableSink::close() {
  if (closed_) return;
  const Clock::time_point deadline = Clock::now() + cfg_.drain_timeout;
  while (busy()) {
    const auto left = deadline - Clock::now();
    if (left <= 0ns) break;
    pump(std::min(std::chrono::duration_cast<std::chrono::milliseconds>(left) + 1ms,
                  std::chrono::milliseconds(50)));
  }
  // What is left goes to the spool, which the next run replays first; without one it is lost,
  // and counted.
  if (!window_.empty()) {
    if (spool_) {
      spill_window();
    } else {
      c_.dropped_at_close += window_.size();
      while (!window_.empty()) release_front();
      window_sent_ = 0;
    }
  }
  transport_->close(std::chrono::duration_cast<std::chrono::milliseconds>(kTransportCloseBudget));
  state_ = RemoteTransport::State::disconnected;
  if (spool_) spool_->close();  // persists the ack point, syncs the segment
  closed_ = true;
}

ReliableSinkCounters ReliableSink::remote_counters() const {
  ReliableSinkCounters c = c_;
  c.window_events = window_.size();
  c.connected = state_ == RemoteTransport::State::ready;
  c.transport = transport_->counters();
  if (spool_) {
    c.spool = spool_->counters();
    c.spool_bytes = c.spool.bytes;
    c.spool_events_pending = spool_->empty() ? 0 : spool_->last_seq() - spool_->acked();
  }
  return c;
}

OutputCounters ReliableSink::counters() const {
  OutputCounters o;
  o.records = c_.events_in;
  o.write_errors = c_.dropped_window_full + c_.dropped_spool + c_.dropped_at_close;
  o.remotes.push_back({std::string(transport_->name()), remote_counters()});
  return o;
}

}  // namespace mirador

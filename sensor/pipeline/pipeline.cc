#include "sensor/pipeline/pipeline.h"

#include <pthread.h>

#include <csignal>
#include <stdexcept>
#include <string>

#include "detectors/auth/identity_hash.h"
#include "sensor/flow_key.h"

namespace mirador {

namespace {

constexpr int64_t kTickEveryUs = 1'000'000;  // workers' housekeeping: once per capture second
constexpr auto kIdleWait = std::chrono::milliseconds(10);
constexpr auto kFullWait = std::chrono::microseconds(20);
constexpr auto kBatchWait = std::chrono::microseconds(500);
constexpr auto kIdleNap = std::chrono::microseconds(100);

// Threads start with SIGINT/SIGTERM blocked, so a stop signal interrupts the capture thread's
// read rather than landing in a worker.
template <class Fn>
std::thread start_thread(Fn fn) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  std::thread t(std::move(fn));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return t;
}

}  // namespace

uint32_t resolve_workers(uint32_t configured) {
  if (configured > 0) return configured;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

// A worker's reports: full ones to the aggregator, handled ones back. At most `cap` exist, so
// neither ring can overflow.
class Pipeline::Channel final : public ReportChannel {
 public:
  Channel(uint32_t cap, Doorbell& aggregator, PauseGate& gate)
      : to_aggregator(cap), back(cap), cap_(cap), gate_(gate) {
    to_aggregator.set_doorbell(&aggregator);
  }
  TransactionReport* acquire() override {
    TransactionReport* r = nullptr;
    if (back.pop(r)) return r;
    if (owned_.size() < cap_) {
      owned_.push_back(std::make_unique<TransactionReport>());
      return owned_.back().get();
    }
    ++waits;
    while (!back.pop(r)) {
      gate_.check();  // the aggregator may be parked for a stats read
      std::this_thread::sleep_for(kFullWait);
    }
    return r;
  }
  void submit(TransactionReport* r) override {
    // Never full: at most cap_ reports exist.
    while (!to_aggregator.push(r)) std::this_thread::sleep_for(kFullWait);
  }

  SpscRing<TransactionReport*> to_aggregator;
  SpscRing<TransactionReport*> back;
  uint64_t waits = 0;

 private:
  uint32_t cap_;
  PauseGate& gate_;
  std::vector<std::unique_ptr<TransactionReport>> owned_;
};

struct Pipeline::WorkerSlot {
  WorkerSlot(const WorkerConfig& wcfg, const PipelineConfig& pcfg, TransactionSink& sink,
             std::shared_ptr<const detect::CompiledRules> rules, Doorbell& bell, PauseGate& gate)
      : ring(pcfg.ring_bytes),
        channel(pcfg.reports_per_worker, bell, gate),
        worker(wcfg, sink, std::move(rules), rules_on(wcfg) ? &channel : nullptr) {}
  static bool rules_on(const WorkerConfig& c) { return c.detect.enabled; }

  PacketRing ring;
  Channel channel;
  Worker worker;
  std::thread thread;
  alignas(64) std::atomic<uint64_t> pushed{0};     // the last index put in `ring`
  alignas(64) std::atomic<uint64_t> processed{0};  // the last index the worker is done with
};

Pipeline::Pipeline(const WorkerConfig& wcfg, const PipelineConfig& pcfg, EventOutputs& outputs,
                   std::shared_ptr<const detect::CompiledRules> rules)
    : cfg_(pcfg), decoder_(wcfg.decoder) {
  cfg_.workers = resolve_workers(cfg_.workers);
  if (cfg_.reports_per_worker == 0) cfg_.reports_per_worker = 1;
  // One identity key for every worker (a random one per process when none is configured), so
  // an identity hashes the same whichever worker sees it.
  WorkerConfig shared = wcfg;
  if (shared.identity_hash_key.empty()) shared.identity_hash_key = detect::random_identity_key();
  const bool detect = rules && shared.detect.enabled;
  if (detect) stage_ = std::make_unique<StatefulStage>(shared, outputs.producer(cfg_.workers));
  for (uint32_t i = 0; i < cfg_.workers; ++i) {
    workers_.push_back(std::make_unique<WorkerSlot>(
        shared, cfg_, outputs.producer(i), detect ? rules : nullptr, aggregator_bell_, gate_));
  }
  for (size_t i = 0; i < workers_.size(); ++i) {
    WorkerSlot* slot = workers_[i].get();
    slot->thread = start_thread([this, slot] { run_worker(*slot); });
    // Named for top -H, perf and gdb.
    const std::string name = "mirador-w" + std::to_string(i);
    pthread_setname_np(slot->thread.native_handle(), name.c_str());
  }
  aggregator_ = start_thread([this] { run_aggregator(); });
  pthread_setname_np(aggregator_.native_handle(), "mirador-aggr");
}

Pipeline::~Pipeline() {
  finish();
}

bool Pipeline::push_or_wait(WorkerSlot& w, const PacketView* v, PacketRing::Kind kind,
                            int64_t ts_us) {
  for (bool waited = false;; waited = true) {
    const bool ok = v ? w.ring.push_packet(*v, index_) : w.ring.push_control(kind, ts_us, index_);
    if (ok) {
      w.pushed.store(index_, std::memory_order_release);
      return true;
    }
    if (v && !cfg_.wait_when_full) return false;
    if (!waited) ++dispatch_.ring_waits;
    std::this_thread::sleep_for(kFullWait);
  }
}

void Pipeline::broadcast(PacketRing::Kind kind, int64_t ts_us) {
  ++index_;
  for (auto& w : workers_) push_or_wait(*w, nullptr, kind, ts_us);
  published_.store(index_, std::memory_order_release);
}

void Pipeline::packet(int link_type, const RawPacket& pkt) {
  if (pkt.ts_us > now_us_) now_us_ = pkt.ts_us;
  if (now_us_ >= next_tick_us_) tick(now_us_);
  if (decoder_.decode(link_type, pkt.data, pkt.cap_len, pkt.wire_len, pkt.ts_us, view_) !=
      DecodeResult::ok) {
    return;
  }
  if (view_.l4 == L4Proto::other) {
    ++dispatch_.other_l4;
    return;
  }
  uint8_t side = 0;
  const uint64_t h = flow_hash(make_flow_key(view_, side));
  // The high half picks the worker: the low bits index the worker's own flow table, and taking
  // them here would leave that table's slots for other remainders empty.
  const size_t n = workers_.size();
  const size_t w = n == 1 ? 0 : static_cast<size_t>(((h >> 32) * n) >> 32);
  PacketRing& ring = workers_[w]->ring;
  ++index_;
  const bool pushed = push_or_wait(*workers_[w], &view_, PacketRing::Kind::packet, 0);
  published_.store(index_, std::memory_order_release);
  if (!pushed) {
    if (!ring.fits(view_.payload_len)) {
      ++dispatch_.too_big_drops;
    } else {
      ++dispatch_.ring_full_drops;
    }
    return;
  }
  ++dispatch_.dispatched;
}

void Pipeline::tick(int64_t now_us) {
  if (now_us > now_us_) now_us_ = now_us;
  next_tick_us_ = now_us_ + kTickEveryUs;
  decoder_.expire(now_us_);
  broadcast(PacketRing::Kind::tick, now_us_);
}

void Pipeline::run_worker(WorkerSlot& slot) {
  PacketRing& ring = slot.ring;
  int idle_rounds = 0;
  for (;;) {
    gate_.check();
    const PacketRing::Record* r = ring.front();
    if (!r) {
      // Short naps first: a worker asleep on the futex costs the capture thread a wake-up
      // system call per packet; napping, it costs nothing and lets packets gather.
      if (++idle_rounds < 32) {
        std::this_thread::sleep_for(kIdleNap);
      } else {
        ring.wait(kIdleWait);
      }
      continue;
    }
    idle_rounds = 0;
    // A batch between looks at the gate.
    bool end = false;
    uint64_t index = 0;
    for (int n = 0; r && n < 64; ++n, r = ring.front()) {
      index = r->index;
      if (r->kind == PacketRing::Kind::packet) {
        slot.worker.process_view(r->view, index);
      } else if (r->kind == PacketRing::Kind::tick) {
        slot.worker.tick(r->view.ts_us, index);
      } else if (r->kind == PacketRing::Kind::end) {
        end = true;
        break;
      }
      ring.pop();
      slot.processed.store(index, std::memory_order_release);
    }
    if (end) {
      slot.worker.finish(index);
      ring.pop();
      slot.processed.store(index, std::memory_order_release);
      break;
    }
  }
  workers_done_.fetch_add(1, std::memory_order_acq_rel);
  aggregator_bell_.wake();
  gate_.exited();
}

bool Pipeline::merge_reports(bool all_done) {
  const size_t n = workers_.size();
  // How far each worker is known to be done: read the dispatcher's index first, then what was
  // put in the worker's ring, then what the worker finished. A worker that finished all it was
  // given can produce no report with an index up to the dispatcher's.
  thread_local std::vector<uint64_t> done_to;
  done_to.assign(n, 0);
  const uint64_t dispatched = published_.load(std::memory_order_acquire);
  for (size_t v = 0; v < n; ++v) {
    const uint64_t pushed = workers_[v]->pushed.load(std::memory_order_acquire);
    const uint64_t processed = workers_[v]->processed.load(std::memory_order_acquire);
    done_to[v] = all_done ? UINT64_MAX : processed >= pushed ? dispatched : processed;
  }
  bool any = false;
  for (;;) {
    // The smallest report at the head of a worker's ring.
    size_t best = n;
    TransactionReport* head = nullptr;
    for (size_t v = 0; v < n; ++v) {
      TransactionReport* r = nullptr;
      if (!workers_[v]->channel.to_aggregator.peek(r)) continue;
      if (best == n || r->key < head->key) {
        best = v;
        head = r;
      }
    }
    if (best == n) return any;
    // Every other worker with nothing waiting must be past this report's index; one whose
    // report arrived since the choice above may hold a smaller one: choose again.
    bool again = false;
    for (size_t v = 0; v < n && !again; ++v) {
      if (v == best) continue;
      TransactionReport* r = nullptr;
      if (workers_[v]->channel.to_aggregator.peek(r)) {
        again = r->key < head->key;
      } else if (done_to[v] < head->key.packet) {
        return any;
      }
    }
    if (again) continue;
    Channel& c = workers_[best]->channel;
    c.to_aggregator.pop(head);
    if (stage_) stage_->on_report(*head);
    c.back.push(head);
    any = true;
    reports_.store(reports_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
}

void Pipeline::run_aggregator() {
  const uint32_t n = static_cast<uint32_t>(workers_.size());
  int idle_rounds = 0;
  for (;;) {
    gate_.check();
    const auto start = std::chrono::steady_clock::now();
    // Read before merging: reports submitted before a worker said it was done are merged below.
    const bool all_done = workers_done_.load(std::memory_order_acquire) == n;
    const bool any = merge_reports(all_done);
    if (all_done && !any) break;
    idle_rounds = any ? 0 : idle_rounds + 1;
    if (idle_rounds < 64) {
      // Let reports gather: woken per report, this thread and the workers' futex wakes cost
      // more than the reports (as for the output thread). A worker holds up to
      // capture.worker_reports of them meanwhile.
      std::this_thread::sleep_until(start + kBatchWait);
      continue;
    }
    // Idle for a while (a quiet live link): sleep until a report arrives.
    aggregator_bell_.wait(
        [this] {
          for (auto& w : workers_)
            if (w->channel.to_aggregator.ready()) return true;
          return false;
        },
        kIdleWait);
  }
  if (stage_) {
    int64_t now = 0;
    for (auto& w : workers_) now = std::max(now, w->worker.now_us());
    stage_->finish(now);
  }
  gate_.exited();
}

void Pipeline::finish() {
  if (finished_) return;
  finished_ = true;
  broadcast(PacketRing::Kind::end, now_us_);
  for (auto& w : workers_) {
    w->ring.wake();
    w->thread.join();
  }
  aggregator_bell_.wake();
  aggregator_.join();
  read_report_counters();
}

// The aggregator's and the workers' report counters, while they are parked or gone.
void Pipeline::read_report_counters() {
  dispatch_.reports = reports_.load(std::memory_order_relaxed);
  dispatch_.report_waits = 0;
  for (auto& w : workers_) dispatch_.report_waits += w->channel.waits;
}

void Pipeline::pause() {
  if (finished_) return;
  gate_.pause(threads(), [this] {
    for (auto& w : workers_) w->ring.wake();
    aggregator_bell_.wake();
  });
  read_report_counters();
}

void Pipeline::resume() {
  if (finished_) return;
  gate_.resume();
}

StatsSources Pipeline::stats_sources() const {
  StatsSources s;
  for (const auto& w : workers_) s.workers.push_back(&w->worker);
  s.dispatch_decode = &decoder_.counters();
  s.stage = stage_.get();
  s.dispatch = &dispatch_;
  return s;
}

}  // namespace mirador

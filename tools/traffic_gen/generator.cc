#include "tools/traffic_gen/generator.h"

#include <chrono>
#include <memory>
#include <queue>
#include <vector>

#include "tools/traffic_gen/body_pool.h"
#include "tools/traffic_gen/fake_data.h"
#include "tools/traffic_gen/frame_builder.h"
#include "tools/traffic_gen/http_builder.h"
#include "tools/traffic_gen/tcp_connection.h"

namespace mirador::gen {
namespace {

constexpr uint32_t kClientBase = 0xC6120001;  // 198.18.0.1
constexpr uint32_t kServerBase = 0xC6130001;  // 198.19.0.1
constexpr int kBodyVariants = 96;

std::array<uint8_t, 6> mac_for(uint32_t ip) {
  // Locally administered unicast MAC derived from the address: stable and readable.
  return {0x02,
          0x00,
          static_cast<uint8_t>(ip >> 24),
          static_cast<uint8_t>(ip >> 16),
          static_cast<uint8_t>(ip >> 8),
          static_cast<uint8_t>(ip)};
}

class Scheduler {
 public:
  Scheduler(const GenOptions& o, PcapSink& sink)
      : o_(o),
        sink_(sink),
        rng_(derive_seed(o.seed, 1)),
        pool_(o.seed, kBodyVariants, o.start_time),
        http_(pool_, HttpMix{o.chunked_ratio, o.gzip_ratio}),
        frames_(o.encapsulation(), o.mss),
        config_{o.mss, o.pipeline, o.loss, o.reorder},
        next_port_(o.clients) {
    for (uint32_t i = 0; i < o.clients; ++i) {
      next_port_[i] = static_cast<uint16_t>(32768 + rng_.below(28000));
    }
  }

  void run() {
    const uint32_t slots = o_.concurrency;
    conns_.reserve(slots);
    uint64_t t = static_cast<uint64_t>(o_.start_time) * 1000000;
    for (uint32_t s = 0; s < slots && can_open(); ++s) {
      conns_.push_back(std::make_unique<TcpConnection>(config_, http_, stats_));
      open(s, t + rng_.below(2000));
    }
    while (!queue_.empty()) {
      const auto [ts, slot] = queue_.top();
      queue_.pop();
      TcpConnection& c = *conns_[slot];
      c.emit_next(frames_, sink_, stopping());
      if (!c.done()) {
        queue_.emplace(c.next_time_us(), slot);
      } else if (can_open()) {
        open(slot, ts + rng_.range(20, 3000));
      }
    }
  }

  GenStats& stats() { return stats_; }

 private:
  bool stopping() const { return o_.size_bytes != 0 && sink_.bytes() >= o_.size_bytes; }

  bool can_open() const {
    if (o_.transactions != 0) return assigned_ < o_.transactions;
    return !stopping();
  }

  void open(uint32_t slot, uint64_t start_us) {
    uint32_t n = o_.requests_per_conn;
    if (o_.transactions != 0)
      n = static_cast<uint32_t>(std::min<uint64_t>(n, o_.transactions - assigned_));
    assigned_ += n;
    const uint32_t ci = static_cast<uint32_t>(rng_.below(o_.clients));
    const uint32_t si = static_cast<uint32_t>(rng_.below(o_.servers));
    Endpoint client{kClientBase + ci, next_port_[ci], mac_for(kClientBase + ci)};
    Endpoint server{kServerBase + si, o_.server_port, mac_for(kServerBase + si)};
    next_port_[ci] = static_cast<uint16_t>(next_port_[ci] >= 60999 ? 32768 : next_port_[ci] + 1);

    ClientContext ctx;
    ctx.host = "api" + std::to_string(si) + ".shop.example";
    ctx.user_agent = HttpBuilder::pick_user_agent(ci);
    ctx.token = &pool_.token(ci);
    Rng crng(derive_seed(o_.seed, 0x10000 + ci));  // a client keeps its cookie
    ctx.cookie = "session=";
    append_hex(ctx.cookie, crng, 16);
    ctx.cookie += "; lang=en-US; _ga=GA1.2.";
    ctx.cookie += std::to_string(crng.range(100000000, 999999999));

    conns_[slot]->open(client, server, std::move(ctx), n, start_us,
                       derive_seed(o_.seed, 0x100000000ULL + opened_++));
    queue_.emplace(conns_[slot]->next_time_us(), slot);
  }

  const GenOptions& o_;
  PcapSink& sink_;
  Rng rng_;
  BodyPool pool_;
  HttpBuilder http_;
  FrameBuilder frames_;
  ConnectionConfig config_;
  GenStats stats_;
  std::vector<uint16_t> next_port_;
  std::vector<std::unique_ptr<TcpConnection>> conns_;
  // Earliest packet first; ties broken by slot so the order is fully determined.
  using Entry = std::pair<uint64_t, uint32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue_;
  uint64_t assigned_ = 0;
  uint64_t opened_ = 0;
};

}  // namespace

GenStats generate(const GenOptions& options, PcapSink& sink) {
  const auto start = std::chrono::steady_clock::now();
  Scheduler scheduler(options, sink);
  scheduler.run();
  GenStats stats = scheduler.stats();
  stats.packets = sink.packets();
  stats.bytes = sink.bytes();
  stats.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace mirador::gen

#include "tools/traffic_gen/generator.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "tools/traffic_gen/body_pool.h"
#include "tools/traffic_gen/fake_data.h"
#include "tools/traffic_gen/frame_builder.h"
#include "tools/traffic_gen/http_builder.h"
#include "tools/traffic_gen/identities.h"
#include "tools/traffic_gen/scenario.h"
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

std::string dotted(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." +
         std::to_string((ip >> 8) & 255) + "." + std::to_string(ip & 255);
}

// One injected scenario: its attacker, its script position and its own connection slot.
struct ScenarioRun {
  ScenarioKind kind = ScenarioKind::kNone;
  uint64_t identity = 0;
  uint32_t connections = 0;  // to open in all
  uint32_t requests_per_conn = 0;
  uint32_t opened = 0;
  uint64_t step = 0;
  uint64_t first_id = 0;  // scrape / bulk_exposure: first user id of its script
  std::string victim;     // brute_force: the account tried
  uint32_t slot = 0;
};

class Scheduler {
 public:
  Scheduler(const GenOptions& o, PcapSink& sink)
      : o_(o),
        sink_(sink),
        rng_(derive_seed(o.seed, 1)),
        pool_(o.seed, kBodyVariants, o.start_time),
        identities_(o.seed, o.identity_count(), o.clients, o.start_time),
        http_(pool_, HttpMix{o.chunked_ratio, o.gzip_ratio}),
        frames_(o.encapsulation(), o.mss),
        config_{o.mss, o.pipeline, o.loss, o.reorder, o.http2, o.h2_streams},
        next_port_(o.clients) {
    // A slot opens a connection of requests_per_conn requests every `concurrency / rate`
    // seconds when identities × identity_rate requests are to arrive per minute.
    if (o.identity_rate > 0) {
      const double per_minute = static_cast<double>(identities_.count()) * o.identity_rate;
      pacing_us_ = static_cast<uint64_t>(static_cast<double>(o.concurrency) * o.requests_per_conn *
                                         60e6 / per_minute);
    }
    for (uint32_t i = 0; i < o.clients; ++i) {
      next_port_[i] = static_cast<uint16_t>(32768 + rng_.below(28000));
    }
    for (size_t k = 0; k < o.scenarios.size(); ++k) {
      ScenarioRun run;
      run.kind = *scenario_from_name(o.scenarios[k]);
      const ScenarioShape shape = scenario_shape(run.kind);
      run.identity = identities_.count() + k;  // outside the benign cycle
      run.connections = shape.connections;
      if (run.kind == ScenarioKind::kTokenShared) {
        run.connections = std::min(run.connections, o.clients);
      }
      run.requests_per_conn = shape.requests_per_conn;
      run.first_id = kScrapeFirstId + k * kScrapeIdsPerScenario;
      // The victim: a benign identity, so its account also sees ordinary logins.
      run.victim = identities_.login_name((k * 7919) % identities_.count());
      run.slot = o.concurrency + static_cast<uint32_t>(k);
      ScenarioRecord rec;
      rec.name = std::string(scenario_name(run.kind));
      if (run.kind != ScenarioKind::kBruteForce)
        rec.subject = "user-" + std::to_string(run.identity);
      if (run.kind == ScenarioKind::kBruteForce) rec.account = run.victim;
      rec.client = dotted(kClientBase + identities_.home_client(run.identity));
      rec.clients = run.kind == ScenarioKind::kTokenShared ? run.connections : 1;
      rec.findings = shape.findings;
      stats_.scenarios.push_back(std::move(rec));
      scenarios_.push_back(std::move(run));
    }
  }

  void run() {
    const uint32_t slots = o_.concurrency;
    conns_.reserve(slots + scenarios_.size());
    uint64_t t = static_cast<uint64_t>(o_.start_time) * 1000000;
    for (uint32_t s = 0; s < slots && can_open(); ++s) {
      conns_.push_back(std::make_unique<TcpConnection>(config_, http_, stats_));
      open(s, t + rng_.below(2000));
    }
    while (conns_.size() < slots) {
      conns_.push_back(std::make_unique<TcpConnection>(config_, http_, stats_));
    }
    // Scenarios start a quarter second apart, a quarter second in, beside the benign traffic.
    for (size_t k = 0; k < scenarios_.size(); ++k) {
      conns_.push_back(std::make_unique<TcpConnection>(config_, http_, stats_));
      open_scenario(scenarios_[k], t + 250000 * (k + 1));
    }
    bool first = true;
    while (!queue_.empty()) {
      const auto [ts, slot] = queue_.top();
      queue_.pop();
      if (first) stats_.first_us = ts;
      first = false;
      stats_.last_us = ts;
      TcpConnection& c = *conns_[slot];
      const bool scenario = slot >= slots;
      // A scenario always completes: its findings are promised in the summary.
      c.emit_next(frames_, sink_, scenario ? false : stopping());
      if (!c.done()) {
        queue_.emplace(c.next_time_us(), slot);
      } else if (scenario) {
        ScenarioRun& run = scenarios_[slot - slots];
        if (run.opened < run.connections) open_scenario(run, ts + rng_.range(50, 500));
      } else if (can_open()) {
        // Uniform around the pacing interval (the connection's own time is not subtracted:
        // the rate stays at or under the target).
        open(slot, ts + rng_.range(20, 3000) + (pacing_us_ ? rng_.below(2 * pacing_us_) : 0));
      }
    }
    stats_.identities_used = std::min<uint64_t>(benign_opened_, identities_.count());
  }

  GenStats& stats() { return stats_; }

 private:
  bool stopping() const { return o_.size_bytes != 0 && sink_.bytes() >= o_.size_bytes; }

  bool can_open() const {
    if (o_.transactions != 0) return assigned_ < o_.transactions;
    return !stopping();
  }

  // The identity's fixed properties; the caller sets host and scenario fields.
  ClientContext context_for(uint64_t id) const {
    ClientContext ctx;
    ctx.user_agent = HttpBuilder::pick_user_agent(identities_.user_agent_index(id));
    ctx.token = identities_.token(id);
    ctx.cookie = identities_.cookie(id);
    ctx.user_id = Identities::user_id(id);
    ctx.friends = identities_.friend_user_ids(id);
    ctx.login_name = identities_.login_name(id);
    ctx.password = identities_.password(id);
    return ctx;
  }

  Endpoint client_endpoint(uint32_t ci) {
    Endpoint client{kClientBase + ci, next_port_[ci], mac_for(kClientBase + ci)};
    next_port_[ci] = static_cast<uint16_t>(next_port_[ci] >= 60999 ? 32768 : next_port_[ci] + 1);
    return client;
  }

  void open(uint32_t slot, uint64_t start_us) {
    uint32_t n = o_.requests_per_conn;
    if (o_.transactions != 0)
      n = static_cast<uint32_t>(std::min<uint64_t>(n, o_.transactions - assigned_));
    assigned_ += n;
    const uint64_t id = identities_.for_connection(benign_opened_++);
    const uint32_t ci = identities_.home_client(id);
    const uint32_t si = static_cast<uint32_t>(rng_.below(o_.servers));
    const Endpoint client = client_endpoint(ci);
    Endpoint server{kServerBase + si, o_.server_port, mac_for(kServerBase + si)};

    ClientContext ctx = context_for(id);
    ctx.host = "api" + std::to_string(si) + ".shop.example";
    conns_[slot]->open(client, server, std::move(ctx), n, start_us,
                       derive_seed(o_.seed, 0x100000000ULL + opened_++));
    queue_.emplace(conns_[slot]->next_time_us(), slot);
  }

  void open_scenario(ScenarioRun& run, uint64_t start_us) {
    const uint32_t home = identities_.home_client(run.identity);
    // token_shared: each connection from the next address; the others from the home one.
    const uint32_t ci = run.kind == ScenarioKind::kTokenShared
                            ? static_cast<uint32_t>((home + run.opened) % o_.clients)
                            : home;
    const Endpoint client = client_endpoint(ci);
    Endpoint server{kServerBase, o_.server_port, mac_for(kServerBase)};
    ClientContext ctx = context_for(run.identity);
    ctx.host = "api0.shop.example";
    ctx.scenario = run.kind;
    ctx.step = run.step;
    ctx.scrape_first_id = run.first_id;
    if (run.kind == ScenarioKind::kBruteForce) {  // a script: no token, no cookies
      ctx.token.clear();
      ctx.cookie.clear();
      ctx.user_agent = "python-requests/2.31.0";
      ctx.victim_login = run.victim;
    }
    if (run.kind == ScenarioKind::kScrape) ctx.user_agent = "python-requests/2.31.0";
    run.step += run.requests_per_conn;
    ++run.opened;
    ScenarioRecord& rec = stats_.scenarios[run.slot - o_.concurrency];
    ++rec.connections;
    rec.requests += run.requests_per_conn;
    conns_[run.slot]->open(
        client, server, std::move(ctx), run.requests_per_conn, start_us,
        derive_seed(o_.seed, 0x200000000ULL + run.slot * 0x10000ULL + run.opened),
        run.kind != ScenarioKind::kTokenShared);
    queue_.emplace(conns_[run.slot]->next_time_us(), run.slot);
  }

  const GenOptions& o_;
  PcapSink& sink_;
  Rng rng_;
  BodyPool pool_;
  Identities identities_;
  HttpBuilder http_;
  FrameBuilder frames_;
  ConnectionConfig config_;
  GenStats stats_;
  std::vector<uint16_t> next_port_;
  std::vector<std::unique_ptr<TcpConnection>> conns_;
  std::vector<ScenarioRun> scenarios_;
  // Earliest packet first; ties broken by slot so the order is fully determined.
  using Entry = std::pair<uint64_t, uint32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue_;
  uint64_t assigned_ = 0;
  uint64_t opened_ = 0;
  uint64_t benign_opened_ = 0;
  uint64_t pacing_us_ = 0;  // mean extra gap between a slot's connections
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

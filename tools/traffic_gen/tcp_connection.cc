#include "tools/traffic_gen/tcp_connection.h"

#include <algorithm>
#include <utility>

namespace mirador::gen {
namespace {

// Time for a segment to leave a 1 Gbit/s interface, plus jitter: keeps bursts realistic.
uint64_t wire_gap_us(Rng& rng, uint32_t len) {
  return 1 + (len + 78) * 8 / 1000 + rng.below(4);
}

constexpr uint64_t kServerReactUs = 30;  // server kernel answering SYN / ACKing at the tap

}  // namespace

TcpConnection::TcpConnection(const ConnectionConfig& config, HttpBuilder& http, GenStats& stats)
    : config_(config), http_(http), stats_(stats) {
  flight_.reserve(64);
  if (config.http2) h2_ = std::make_unique<H2Framer>();
}

void TcpConnection::open(const Endpoint& client, const Endpoint& server, ClientContext context,
                         uint32_t transactions, uint64_t start_us, uint64_t seed, bool scripted) {
  rng_.reseed(seed);
  net_rng_.reseed(derive_seed(seed, 0x1055));
  client_ = client;
  server_ = server;
  context_ = std::move(context);
  remaining_ = transactions;
  client_ip_id_ = static_cast<uint16_t>(rng_.next());
  server_ip_id_ = static_cast<uint16_t>(rng_.next());
  rtt_us_ = static_cast<uint32_t>(rng_.range(200, 40000));
  scripted_ = scripted;
  if (scripted) rtt_us_ = 200 + rtt_us_ % 800;
  ++stats_.connections;
  if (h2_) h2_->reset();
  plan_handshake(start_us);
}

void TcpConnection::add(uint64_t ts, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack,
                        uint32_t offset, uint32_t len, bool syn_options) {
  flight_.push_back(Planned{ts, seq, ack, offset, len, flags, from_client, syn_options, false});
}

void TcpConnection::plan_handshake(uint64_t t) {
  flight_.clear();
  next_ = 0;
  const uint32_t client_isn = static_cast<uint32_t>(rng_.next());
  const uint32_t server_isn = static_cast<uint32_t>(rng_.next());
  using namespace tcp_flag;
  add(t, true, kSyn, client_isn, 0, 0, 0, true);
  t += kServerReactUs;
  add(t, false, kSyn | kAck, server_isn, client_isn + 1, 0, 0, true);
  t += rtt_us_;
  add(t, true, kAck, client_isn + 1, server_isn + 1);
  client_seq_ = client_isn + 1;
  server_seq_ = server_isn + 1;
  phase_ = Phase::kHandshake;
}

void TcpConnection::plan_request_batch(uint64_t t) {
  flight_.clear();
  next_ = 0;
  request_.clear();
  response_.clear();
  const uint32_t n = std::min(h2_ ? config_.h2_streams : config_.pipeline, remaining_);
  remaining_ -= n;
  // HTTP/2: the exchanges are written as HTTP/1.1 first, then framed as streams.
  std::string& req = h2_ ? h1_request_ : request_;
  std::string& resp = h2_ ? h1_response_ : response_;
  req.clear();
  resp.clear();
  std::vector<std::pair<size_t, size_t>> ends;  // HTTP/2: where each exchange's messages end
  for (uint32_t i = 0; i < n; ++i) {
    const ExchangeInfo info =
        http_.append_exchange(req, resp, rng_, context_, static_cast<int64_t>(t / 1000000));
    ++stats_.requests;
    ++stats_.responses;
    ++stats_.methods[static_cast<size_t>(info.method)];
    ++stats_.statuses[info.status];
    stats_.chunked_responses += info.chunked && !h2_;  // HTTP/2 has no chunked coding
    stats_.gzip_responses += info.gzip;
    if (h2_) ends.emplace_back(req.size(), resp.size());
  }
  if (h2_) {
    h2_batch_.clear();
    size_t req_start = 0, resp_start = 0;
    for (const auto& [req_end, resp_end] : ends) {
      h2_batch_.push_back({std::string_view(req).substr(req_start, req_end - req_start),
                           std::string_view(resp).substr(resp_start, resp_end - resp_start)});
      req_start = req_end;
      resp_start = resp_end;
    }
    h2_->frame_batch(h2_batch_, rng_, request_, response_);
  }
  // The server answers with the response, which carries the ACK: no trailing pure ACK.
  plan_data(true, static_cast<uint32_t>(request_.size()), t, false);
  phase_ = Phase::kRequests;
}

void TcpConnection::plan_teardown(uint64_t t) {
  flight_.clear();
  next_ = 0;
  using namespace tcp_flag;
  add(t, true, kFin | kAck, client_seq_, server_seq_);
  t += kServerReactUs;
  add(t, false, kFin | kAck, server_seq_, client_seq_ + 1);
  t += rtt_us_;
  add(t, true, kAck, client_seq_ + 1, server_seq_ + 1);
  phase_ = Phase::kTeardown;
}

void TcpConnection::plan_data(bool from_client, uint32_t len, uint64_t t, bool trailing_ack) {
  using namespace tcp_flag;
  uint32_t& seq = from_client ? client_seq_ : server_seq_;
  const uint32_t peer_seq = from_client ? server_seq_ : client_seq_;
  // The tap sits by the server: its ACKs show up at once, the client's one RTT later.
  const uint64_t ack_delay = from_client ? kServerReactUs : rtt_us_;
  uint32_t segments = 0;
  for (uint32_t off = 0; off < len;) {
    const uint32_t n = std::min(config_.mss, len - off);
    const bool last = off + n == len;
    add(t, from_client, static_cast<uint8_t>(kAck | (last ? kPsh : 0)), seq + off, peer_seq, off,
        n);
    ++segments;
    off += n;
    if (segments % 2 == 0 || (last && trailing_ack)) {
      add(t + ack_delay, !from_client, kAck, peer_seq, seq + off);
    }
    t += wire_gap_us(rng_, n);
  }
  seq += len;
  stats_.data_segments += segments;
  finish_flight();
}

void TcpConnection::finish_flight() {
  // Insertion sort: only the peer's ACKs are out of place, so this is linear, stable and, unlike
  // std::stable_sort, never allocates.
  for (size_t i = 1; i < flight_.size(); ++i) {
    for (size_t j = i; j > 0 && flight_[j].ts_us < flight_[j - 1].ts_us; --j) {
      std::swap(flight_[j], flight_[j - 1]);
    }
  }
  // Only neighbours with no ACK between them swap, so no ACK covers bytes not yet seen.
  for (size_t i = 0; i + 1 < flight_.size(); ++i) {
    Planned& p = flight_[i];
    Planned& q = flight_[i + 1];
    if (p.len == 0 || q.len == 0 || !net_rng_.chance(config_.reorder)) continue;
    std::swap(p.seq, q.seq);
    std::swap(p.offset, q.offset);
    std::swap(p.len, q.len);
    std::swap(p.flags, q.flags);
    ++stats_.reordered_pairs;
    ++i;  // a segment moves by one place at most
  }
  for (Planned& p : flight_) {
    if (p.len != 0 && net_rng_.chance(config_.loss)) {
      p.dropped = true;
      ++stats_.dropped_segments;
    }
  }
}

void TcpConnection::plan_next(uint64_t now_us, bool stopping) {
  switch (phase_) {
    case Phase::kHandshake:
    case Phase::kResponses:
      if (remaining_ > 0 && !stopping) {
        // Client think time before the next request (first one: right after the handshake).
        const uint64_t think = phase_ == Phase::kHandshake ? rng_.range(5, 300)
                               : scripted_                 ? rng_.range(20, 500)
                                                           : rng_.range(500, 30000);
        plan_request_batch(now_us + think);
      } else {
        plan_teardown(now_us + rng_.range(100, 5000));
      }
      return;
    case Phase::kRequests:
      flight_.clear();
      next_ = 0;
      // Server processing time, then the responses in request order.
      plan_data(false, static_cast<uint32_t>(response_.size()), now_us + rng_.range(200, 20000),
                true);
      phase_ = Phase::kResponses;
      return;
    case Phase::kTeardown:
    case Phase::kDone:
      phase_ = Phase::kDone;
      return;
  }
}

void TcpConnection::emit_next(FrameBuilder& frames, PcapSink& sink, bool stopping) {
  const Planned& p = flight_[next_];
  if (!p.dropped) {
    Segment seg;
    seg.flags = p.flags;
    seg.seq = p.seq;
    seg.ack = p.ack;
    seg.syn_options = p.syn_options;
    seg.mss = static_cast<uint16_t>(config_.mss);
    seg.window = p.syn_options ? (p.from_client ? 64240 : 65160) : (p.from_client ? 502 : 509);
    seg.ttl = p.from_client ? 57 : 64;
    seg.ip_id = p.from_client ? client_ip_id_++ : server_ip_id_++;
    if (p.len) {
      const std::string& buf = p.from_client ? request_ : response_;
      seg.payload = reinterpret_cast<const uint8_t*>(buf.data()) + p.offset;
      seg.payload_len = p.len;
    }
    const auto frame =
        p.from_client ? frames.build(client_, server_, seg) : frames.build(server_, client_, seg);
    sink.write(p.ts_us, frame);
  }
  const uint64_t now = p.ts_us;
  if (++next_ == flight_.size()) plan_next(now, stopping);
}

}  // namespace mirador::gen

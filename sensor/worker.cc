#include "sensor/worker.h"

#include <algorithm>
#include <cstring>

#include "decoders/ascii.h"
#include "sensor/app_detect.h"
#include "sensor/community_id.h"
#include "sensor/output/record_fields.h"

namespace mirador {

namespace {

constexpr int64_t kExpireEveryUs = 1'000'000;  // housekeeping once per second of capture time

void add_counters(TcpStreamCounters& to, const TcpStreamCounters& c) {
  to.segments += c.segments;
  to.bytes_delivered += c.bytes_delivered;
  to.out_of_order += c.out_of_order;
  to.retransmissions += c.retransmissions;
  to.overlaps += c.overlaps;
  to.overlap_conflicts += c.overlap_conflicts;
  to.gaps += c.gaps;
  to.gap_bytes += c.gap_bytes;
  to.stream_cap_hits += c.stream_cap_hits;
  to.out_of_window += c.out_of_window;
  to.after_fin += c.after_fin;
  to.syn_ignored += c.syn_ignored;
  to.fin_ignored += c.fin_ignored;
}

}  // namespace

// Routes one direction's reassembled bytes to the worker. Built on the stack per segment: no
// allocation, just two pointers and a side.
class Worker::SideSink final : public StreamSink {
 public:
  SideSink(Worker& w, Flow& f, uint8_t side) : w_(w), f_(f), side_(side) {}
  void on_data(const uint8_t* data, size_t len, int64_t ts_us) override {
    w_.on_stream_data(f_, side_, data, len, ts_us);
  }
  void on_gap(size_t len, int64_t ts_us) override { w_.on_stream_gap(f_, side_, len, ts_us); }

 private:
  Worker& w_;
  Flow& f_;
  uint8_t side_;
};

// Who made each request: the credential, and the keyed hash identities leave the sensor as.
struct Worker::Auth {
  explicit Auth(const WorkerConfig& c)
      : identity(c.identity), hasher(c.identity_hash_key), labels(kLabelSlots) {}
  // The keyed hash of the identity, from a small direct-mapped cache: HMAC-SHA256 costs ~2 µs,
  // and most transactions come from identities seen a moment ago.
  std::string_view label(const detect::Identity& id, uint64_t& id_hash) {
    detect::identity_key(id, key);
    const uint64_t h = detect::abuse_hash(key);
    id_hash = h;
    Label& slot = labels[h & (kLabelSlots - 1)];
    if (slot.hash != h || slot.len == 0) {
      const std::string s = hasher.hash(key);
      slot.hash = h;
      slot.len = static_cast<uint8_t>(std::min(s.size(), sizeof slot.text));
      std::memcpy(slot.text, s.data(), slot.len);
    }
    return {slot.text, slot.len};
  }

  detect::IdentityExtractor identity;
  detect::IdentityHasher hasher;
  std::string client_ip, key;

  struct Label {
    uint64_t hash = 0;
    uint8_t len = 0;
    char text[32];
  };
  static constexpr size_t kLabelSlots = 4096;
  std::vector<Label> labels;
};

Worker::Worker(const WorkerConfig& cfg, TransactionSink& sink,
               std::shared_ptr<const detect::CompiledRules> rules, ReportChannel* reports)
    : cfg_(cfg),
      sink_(sink),
      reports_(reports),
      decoder_(cfg.decoder),
      flows_(cfg.flows, [this](Flow& f, ReleaseReason why) { release(f, why); }) {
  tcp_mem_.cap = cfg_.tcp_memcap;
  // HTTP/2 bodies follow HTTP/1.x's inspection caps.
  cfg_.http2_limits.max_body_inspect = cfg_.http.max_body_inspect;
  cfg_.http2_limits.max_decompress_ratio = cfg_.http.max_decompress_ratio;
  cfg_.http2_limits.max_decoded_body = cfg_.http.max_decoded_body;
  if (rules && cfg_.detect.enabled) {
    detect_ = std::make_unique<detect::DetectionEngine>(std::move(rules), cfg_.detect);
    if (cfg_.auth) auth_ = std::make_unique<Auth>(cfg_);
    if (!reports_) {
      stage_ = std::make_unique<StatefulStage>(cfg_, sink_);
      own_report_ = std::make_unique<TransactionReport>();
    }
  }
}

const detect::IdentityExtractor* Worker::identity() const {
  return auth_ ? &auth_->identity : nullptr;
}

Worker::~Worker() = default;

bool Worker::port_hint(uint16_t port) const {
  return std::find(cfg_.http_port_hints.begin(), cfg_.http_port_hints.end(), port) !=
         cfg_.http_port_hints.end();
}

void Worker::process(int link_type, const uint8_t* data, uint32_t cap_len, uint32_t wire_len,
                     int64_t ts_us) {
  if (ts_us > now_us_) now_us_ = ts_us;
  if (now_us_ >= next_expire_us_) tick(now_us_);

  ++index_;
  DecodeResult r = decoder_.decode(link_type, data, cap_len, wire_len, ts_us, view_);
  if (r != DecodeResult::ok) return;
  handle_view(view_);
}

void Worker::process_view(const PacketView& p, uint64_t index) {
  if (p.ts_us > now_us_) now_us_ = p.ts_us;
  if (now_us_ >= next_expire_us_) tick(now_us_, index);
  index_ = index;
  handle_view(p);
}

void Worker::handle_view(const PacketView& p) {
  if (p.l4 == L4Proto::other) {
    ++counters_.other_packets;
    return;
  }
  uint8_t side = 0;
  FlowKey key = make_flow_key(p, side);
  bool created = false;
  const uint64_t hash = flow_hash(key);
  Flow* fp = &flows_.lookup_or_create(key, hash, now_us_, created);
  if (!created && p.l4 == L4Proto::tcp && (p.tcp_flags & tcp_flag::syn) &&
      !(p.tcp_flags & tcp_flag::ack) &&
      (fp->state == TcpState::closed ||
       (fp->state == TcpState::closing && fp->fin_seen[0] && fp->fin_seen[1]))) {
    // A client reusing its port after the previous connection ended (sqlmap, load tools and
    // NATs do): the old flow is finished and released, the SYN starts a new one.
    flows_.release_for_reuse(*fp);
    fp = &flows_.lookup_or_create(key, hash, now_us_, created);
  }
  Flow& f = *fp;
  if (created) {
    f.tunnel = p.tunnel;
    f.tunnel_id = p.tunnel_id;
    f.order = index_;
    f.reports = 0;
  }
  ++f.packets[side];
  f.bytes[side] += p.wire_len;
  if (p.l4 == L4Proto::udp) {
    ++counters_.udp_packets;
    return;
  }
  ++counters_.tcp_packets;
  handle_tcp(f, p, side);
}

void Worker::handle_tcp(Flow& f, const PacketView& p, uint8_t side) {
  if (f.state == TcpState::closed) return;  // lingering after RST/close: absorb retransmissions
  for (auto& s : f.stream) {
    if (!s) s.emplace(cfg_.tcp, tcp_mem_);
  }
  const uint8_t flags = p.tcp_flags;
  const uint8_t peer = side ^ 1;
  TcpStream& mine = *f.stream[side];
  TcpStream& theirs = *f.stream[peer];

  if (flags & tcp_flag::rst) {
    close_flow(f, p.ts_us);
    return;
  }
  uint32_t seq = p.seq;
  if (flags & tcp_flag::syn) {
    mine.on_syn(p.seq);
    f.syn_seen[side] = true;
    seq += 1;  // SYN occupies one sequence number
    if (f.state == TcpState::none)
      f.state = (flags & tcp_flag::ack) ? TcpState::syn_recv : TcpState::syn_sent;
    else if (f.state == TcpState::syn_sent && (flags & tcp_flag::ack))
      f.state = TcpState::syn_recv;
  }
  if ((flags & tcp_flag::ack) && theirs.started()) {
    SideSink sink(*this, f, peer);
    theirs.on_peer_ack(p.ack, p.ts_us, sink);
  }
  if (p.payload_len > 0) {
    SideSink sink(*this, f, side);
    const uint64_t conflicts = mine.counters().overlap_conflicts;
    mine.on_segment(seq, p.payload, p.payload_len, p.ts_us, sink);
    // Evasion signs (rare): laid on the HTTP message these bytes belong to.
    uint32_t ev = p.frag_overlap ? static_cast<uint32_t>(HttpEvasion::ip_fragment_overlap) : 0;
    if (mine.counters().overlap_conflicts != conflicts)
      ev |= static_cast<uint32_t>(HttpEvasion::tcp_overlap_conflict);
    if (ev != 0) note_evasion(f, side, ev, mine.held_bytes() > 0);
  }
  if (f.state == TcpState::none || f.state == TcpState::syn_recv) {
    // Midstream pickup, or the handshake's final ACK / first data.
    if (!(flags & tcp_flag::syn)) f.state = TcpState::established;
  }
  if (f.state == TcpState::established) flows_.set_class(f, TimeoutClass::established);
  if (flags & tcp_flag::fin) {
    mine.on_fin(seq + p.payload_len);
    f.fin_seen[side] = true;
    f.state = TcpState::closing;
    flows_.set_class(f, TimeoutClass::closing);
  }
  maybe_end(f, side, p.ts_us);
  maybe_end(f, peer, p.ts_us);
  if (f.ended[0] && f.ended[1]) close_flow(f, p.ts_us);
}

void Worker::maybe_end(Flow& f, uint8_t side, int64_t ts) {
  if (f.ended[side] || !f.stream[side] || !f.stream[side]->finished()) return;
  f.ended[side] = true;
  if (f.client_side < 0) return;
  if (f.tls) {
    f.tls->on_end(dir_of(f, side), ts);
  } else {
    http_end(f, dir_of(f, side), ts);
  }
}

void Worker::close_flow(Flow& f, int64_t ts) {
  for (uint8_t s = 0; s < 2; ++s) {
    if (f.stream[s]) {
      SideSink sink(*this, f, s);
      f.stream[s]->flush(ts, sink);
      add_counters(counters_.tcp, f.stream[s]->counters());
      f.stream[s].reset();
    }
  }
  if (f.tls) {
    f.tls->on_close(ts);  // may still deliver plaintext and the handshake event
  }
  http_close(f, ts);
  f.state = TcpState::closed;
  f.ended[0] = f.ended[1] = true;
  flows_.set_class(f, TimeoutClass::closed);
}

namespace {

// What a session costs the flow table's memcap (FlowTable::charge): the heap it takes when it
// starts, measured with mallinfo2 and rounded up (tests/sensor/flow_memory_test.cc checks that
// these cover the real growth and are not more than twice it). Bodies, reassembly and HPACK
// tables grow under caps of their own (http.*, tcp.memcap, http2.*).
constexpr uint32_t kHttp1SessionBytes = 4608;  // measured 3,979 (a first request line held)
constexpr uint32_t kHttp2SessionBytes = 6144;  // measured 5,046 (preface and SETTINGS)
constexpr uint32_t kTlsSessionBytes = 3072;    // measured 1,958 (a ClientHello)

}  // namespace

Http1Session& Worker::new_http1(Flow& f) {
  flows_.charge(f, kHttp1SessionBytes);
  Flow* fp = &f;
  f.http = std::make_unique<Http1Session>(
      cfg_.http, http_counters_, [this, fp](HttpTransaction&& t) { emit(*fp, std::move(t)); },
      &http_pool_);
  if (cfg_.http2) f.http->set_takeover("h2c");
  return *f.http;
}

Http2Session& Worker::new_http2(Flow& f) {
  flows_.charge(f, kHttp2SessionBytes);
  Flow* fp = &f;
  f.h2 = std::make_unique<Http2Session>(
      cfg_.http2_limits, http2_counters_,
      [this, fp](HttpTransaction&& t) { emit(*fp, std::move(t)); }, &http_pool_);
  return *f.h2;
}

void Worker::start_http(Flow& f, uint8_t client_side, bool resync) {
  f.app = AppProto::http1;
  f.client_side = static_cast<int8_t>(client_side);
  ++counters_.http_flows;
  if (resync) ++counters_.http_flows_by_port;
  new_http1(f);
  for (uint8_t s = 0; s < 2; ++s) {
    if (f.evasion_pending[s] != 0) f.http->mark_evasion(dir_of(f, s), f.evasion_pending[s], true);
    f.evasion_pending[s] = 0;
  }
  replay_sniffed(f, client_side, resync);
}

void Worker::note_evasion(Flow& f, uint8_t side, uint32_t bits, bool ahead) {
  if (f.http && f.client_side >= 0) {
    f.http->mark_evasion(dir_of(f, side), bits, ahead);
  } else if (f.app == AppProto::unknown && !f.not_http[side]) {
    f.evasion_pending[side] |= bits;  // the protocol is not known yet
  } else {
    ++counters_.evasion_unattributed;
  }
}

void Worker::start_http2(Flow& f, uint8_t client_side, H2Start how) {
  f.app = AppProto::http2;
  f.client_side = static_cast<int8_t>(client_side);
  ++counters_.http2_flows;
  new_http2(f);
  if (how == H2Start::midstream) f.h2->start_midstream();
  replay_sniffed(f, client_side, false);
}

void Worker::start_tls(Flow& f, uint8_t client_side) {
  f.app = AppProto::tls;
  f.client_side = static_cast<int8_t>(client_side);
  ++counters_.tls_flows;
  if (cfg_.keylog && now_us_ - keylog_refreshed_us_ >= cfg_.tls_keylog_refresh_us) {
    // Clients append their secrets as they connect: a live sensor reads what was added.
    keylog_refreshed_us_ = now_us_;
    cfg_.keylog->refresh();
  }
  Flow* fp = &f;
  tls::TlsCallbacks cb;
  cb.on_handshake = [this, fp](const tls::TlsInfo& info) { on_tls_handshake(*fp, info); };
  cb.on_plaintext = [this, fp](Direction d, const uint8_t* data, size_t len, int64_t ts) {
    http_data(*fp, d, data, len, ts);
  };
  cb.on_plaintext_gap = [this, fp](Direction d, size_t len, int64_t ts) {
    http_gap(*fp, d, len, ts);
  };
  flows_.charge(f, kTlsSessionBytes);
  f.tls = std::make_unique<tls::TlsSession>(cfg_.tls_limits, tls_counters_, cfg_.keylog.get(),
                                            std::move(cb));
  replay_sniffed(f, client_side, false);
}

// Replays what detection held back, client first so requests precede their responses. A side
// whose first bytes were not what the protocol starts with is entered through a gap, which makes
// a parser resynchronise.
void Worker::replay_sniffed(Flow& f, uint8_t client_side, bool resync) {
  const uint8_t order[2] = {client_side, static_cast<uint8_t>(client_side ^ 1)};
  for (uint8_t s : order) {
    const Direction d = dir_of(f, s);
    if (f.app == AppProto::http1 && (f.not_http[s] || resync)) f.http->on_gap(d, 0, f.last_ts_us);
    const uint8_t len = f.sniff_len[s];
    f.sniff_len[s] = 0;
    if (len == 0) continue;
    if (f.tls) {
      f.tls->on_data(d, f.sniff[s], len, f.last_ts_us);
    } else {
      http_data(f, d, f.sniff[s], len, f.last_ts_us);
    }
  }
}

void Worker::http_data(Flow& f, Direction d, const uint8_t* data, size_t len, int64_t ts) {
  if (f.h2) {
    f.h2->on_data(d, data, len, ts);
    return;
  }
  if (!f.http) {
    // Inside TLS: the protocol the server selected by ALPN, else HTTP/1.x.
    if (!f.tls) return;
    const tls::TlsInfo& info = f.tls->info();
    if (cfg_.http2 && info.alpn == "h2") {
      new_http2(f).on_data(d, data, len, ts);
      return;
    }
    new_http1(f);
  }
  f.http->on_data(d, data, len, ts);
  if (f.http->switch_pending()) switch_to_h2c(f);
}

void Worker::http_gap(Flow& f, Direction d, size_t len, int64_t ts) {
  if (f.h2) {
    f.h2->on_gap(d, len, ts);
  } else if (f.http) {
    f.http->on_gap(d, len, ts);
    if (f.http->switch_pending()) switch_to_h2c(f);
  }
}

void Worker::http_end(Flow& f, Direction d, int64_t ts) {
  if (f.h2) {
    f.h2->on_end(d, ts);
  } else if (f.http) {
    f.http->on_end(d, ts);
    if (f.http->switch_pending()) switch_to_h2c(f);
  }
}

void Worker::http_close(Flow& f, int64_t ts) {
  if (f.http) {
    if (f.http->switch_pending()) switch_to_h2c(f);
    if (f.http) f.http->on_close(ts);
  }
  if (f.h2) f.h2->on_close(ts);
}

// "Upgrade: h2c" answered 101: the request becomes stream 1 of an HTTP/2 session, which takes
// the bytes that followed the switch.
void Worker::switch_to_h2c(Flow& f) {
  Http1Session& h1 = *f.http;
  HttpTransaction up = h1.take_switch();
  const std::string to_server = h1.take_after_switch(Direction::to_server);
  const std::string to_client = h1.take_after_switch(Direction::to_client);
  const int64_t ts = up.end_ts_us;
  new_http2(f);
  f.h2->start_upgraded(std::move(up));
  f.http.reset();
  if (!f.tls) {
    f.app = AppProto::http2;
    ++counters_.http2_flows;
  }
  const auto* s = reinterpret_cast<const uint8_t*>(to_server.data());
  const auto* c = reinterpret_cast<const uint8_t*>(to_client.data());
  if (!to_server.empty()) f.h2->on_data(Direction::to_server, s, to_server.size(), ts);
  if (!to_client.empty()) f.h2->on_data(Direction::to_client, c, to_client.size(), ts);
}

void Worker::on_stream_data(Flow& f, uint8_t side, const uint8_t* data, size_t len, int64_t ts) {
  switch (f.app) {
    case AppProto::http1:
    case AppProto::http2:
      http_data(f, dir_of(f, side), data, len, ts);
      return;
    case AppProto::tls:
      f.tls->on_data(dir_of(f, side), data, len, ts);
      return;
    case AppProto::none:
      return;
    case AppProto::unknown:
      break;
  }
  if (f.not_http[side]) return;

  // Accumulate the first bytes of this side until the protocol can be told.
  size_t take = std::min(len, kSniffBytes - f.sniff_len[side]);
  std::memcpy(f.sniff[side] + f.sniff_len[side], data, take);
  f.sniff_len[side] = static_cast<uint8_t>(f.sniff_len[side] + take);
  const uint8_t peer = side ^ 1;
  const uint8_t* buf = f.sniff[side];
  const size_t have = f.sniff_len[side];
  bool wait = false;
  // TLS first (its records start with a byte no HTTP message starts with), then the HTTP/2
  // preface (which reads like an HTTP/1.x request line: "PRI * HTTP/2.0"), then HTTP/1.x.
  if (cfg_.tls) {
    switch (tls::sniff_tls(buf, have)) {
      case tls::TlsSniff::client_hello:
        start_tls(f, side);
        break;
      case tls::TlsSniff::server_hello:
        start_tls(f, peer);
        break;
      case tls::TlsSniff::need_more:
        wait = true;
        break;
      case tls::TlsSniff::not_tls:
        break;
    }
  }
  if (f.app == AppProto::unknown && cfg_.http2 && http2_preface_prefix(buf, have)) {
    if (have >= kHttp2PrefaceLen) {
      start_http2(f, side, H2Start::preface);
    } else {
      wait = true;
    }
  }
  if (f.app == AppProto::unknown) {
    SniffResult verdict = sniff_http1(buf, have);
    if (verdict == SniffResult::need_more && f.sniff_len[side] == kSniffBytes)
      verdict = SniffResult::not_http;  // cannot happen with today's rules; never hold more
    if (verdict == SniffResult::need_more) wait = true;
    if (verdict == SniffResult::http_request) {
      start_http(f, side, false);
    } else if (verdict == SniffResult::http_response) {
      start_http(f, peer, false);
    } else if (verdict == SniffResult::not_http && !wait) {
      f.not_http[side] = true;
      const uint16_t sport = side == 0 ? f.key.lo_port : f.key.hi_port;
      const uint16_t dport = side == 0 ? f.key.hi_port : f.key.lo_port;
      if (cfg_.http2 && http2_looks_like_frames(buf, have)) {
        f.not_http[side] = false;
        if (f.sniff_len[peer] == 0 && !f.not_http[peer]) {
          // Frames before the peer said anything: an HTTP/2 server's SETTINGS, sent as soon as
          // it accepts (gRPC servers do), ahead of the client's preface.
          start_http2(f, peer, H2Start::preface);
        } else {
          // Frames from both sides and no preface: picked up midstream. The client is the side
          // that talks to the lower (service) port.
          start_http2(f, dport <= sport ? side : peer, H2Start::midstream);
        }
      } else {
        f.sniff_len[side] = 0;
        if (port_hint(dport)) {
          start_http(f, side, true);
        } else if (port_hint(sport)) {
          start_http(f, peer, true);
        } else if (f.not_http[peer]) {
          f.app = AppProto::none;
          ++counters_.non_http_flows;
        }
        if (f.app == AppProto::http1) http_data(f, dir_of(f, side), data, len, ts);
        return;
      }
    }
  }
  if (f.app == AppProto::unknown) return;  // waiting: take == len here
  // Detection consumed `take` bytes (replayed by start_*); the rest goes straight through.
  if (take < len) on_stream_data(f, side, data + take, len - take, ts);
}

void Worker::on_stream_gap(Flow& f, uint8_t side, size_t len, int64_t ts) {
  if (f.app == AppProto::http1 || f.app == AppProto::http2) {
    http_gap(f, dir_of(f, side), len, ts);
    return;
  }
  if (f.app == AppProto::tls) {
    f.tls->on_gap(dir_of(f, side), len, ts);
    return;
  }
  if (f.app == AppProto::unknown && f.sniff_len[side] > 0) {
    // The bytes before the gap can no longer be trusted as the start of a message.
    f.sniff_len[side] = 0;
    f.not_http[side] = true;
  }
}

void Worker::release(Flow& f, ReleaseReason) {
  if (f.state != TcpState::closed && f.is_tcp()) close_flow(f, now_us_);
}

FlowContext Worker::flow_context(Flow& f) const {
  const bool client_lo = f.client_side == 0;
  FlowContext ctx;
  ctx.client_ip = client_lo ? &f.key.lo_ip : &f.key.hi_ip;
  ctx.client_port = client_lo ? f.key.lo_port : f.key.hi_port;
  ctx.server_ip = client_lo ? &f.key.hi_ip : &f.key.lo_ip;
  ctx.server_port = client_lo ? f.key.hi_port : f.key.lo_port;
  ctx.vlan = f.key.vlan;
  ctx.vlan_count = f.key.vlan_count;
  ctx.tunnel = f.tunnel;
  ctx.tunnel_id = f.tunnel_id;
  if (f.community_id.empty()) {
    f.community_id = community_id_v1(*ctx.client_ip, ctx.client_port, *ctx.server_ip,
                                     ctx.server_port, f.key.proto);
  }
  ctx.community_id = f.community_id;
  ctx.decrypted = f.tls != nullptr;
  return ctx;
}

TransactionReport& Worker::take_report() {
  return reports_ ? *reports_->acquire() : *own_report_;
}

void Worker::hand_over(TransactionReport& r) {
  if (reports_) {
    reports_->submit(&r);
  } else {
    stage_->on_report(r);
  }
}

void Worker::on_tls_handshake(Flow& f, const tls::TlsInfo& info) {
  const FlowContext ctx = flow_context(f);
  const int64_t ts = now_us_;
  sink_.write_tls(ctx, info, ts);
  if (!detect_ || !cfg_.tls_checks.enabled) return;
  TransactionReport& r = take_report();
  r.kind = TransactionReport::Kind::tls_handshake;
  r.key = {index_, f.order, f.reports++};
  r.set_flow(ctx);
  r.tls = info;
  r.time_us = ts;
  hand_over(r);
}

void Worker::emit(Flow& f, HttpTransaction&& txn) {
  ++counters_.transactions;
  FlowContext ctx = flow_context(f);
  if (!detect_) {
    sink_.write(ctx, txn);
    return;
  }
  // The transaction moves into the report (the session's pool gets the report's previous one):
  // what the stateful stage reads stays valid after this flow is gone.
  TransactionReport& r = take_report();
  r.kind = TransactionReport::Kind::transaction;
  r.key = {index_, f.order, f.reports++};
  r.set_flow(ctx);
  std::swap(r.txn, txn);
  // Who made the request, before the http event is written: the event names the identity.
  r.has_identity = auth_ != nullptr;
  r.auth_kind = "none";
  if (auth_) {
    Auth& a = *auth_;
    char ip[kIpTextMax];  // text on the stack: no allocation per transaction
    a.client_ip.assign(ip, ip_text(*ctx.client_ip, ip));
    a.identity.extract(r.txn, a.client_ip, r.id);
    r.auth_kind = detect::credential_kind_name(r.id.kind);
    r.id_label.assign(a.label(r.id, r.id_hash));
    ctx.auth_kind = r.auth_kind;
    ctx.identity = r.id_label;
  }
  sink_.write(ctx, r.txn);
  if (cfg_.rules_slot && cfg_.rules_slot->generation() != rules_generation_) {
    // A reload: one atomic read per transaction, the lock only when it moved.
    rules_generation_ = cfg_.rules_slot->generation();
    RulesSlot::Set set = cfg_.rules_slot->current();
    detect_->reload(std::move(set.rules));
    detect_->set_reporting(set.reporting);
    ++counters_.rules_reloads;
  }
  detect_->inspect(r.txn);
  detect_->take_results(r.fields, r.found);
  hand_over(r);
}

void Worker::tick(int64_t now_us, uint64_t index) {
  index_ = index ? index : index_ + 1;
  if (now_us > now_us_) now_us_ = now_us;
  next_expire_us_ = now_us_ + kExpireEveryUs;
  flows_.expire(now_us_);
  decoder_.expire(now_us_);
  if (cfg_.keylog) cfg_.keylog->refresh();  // secrets appended by clients since (live capture)
}

void Worker::finish(uint64_t index) {
  index_ = index ? index : index_ + 1;
  flows_.release_all();
  if (stage_) stage_->finish(now_us_);
}

}  // namespace mirador

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

struct Worker::ObservationScratch {
  detect::Observation o;
  std::string request_type, response_type;
  // Parameters of this transaction: (in, name, type), names normalised ("items[].sku").
  struct Param {
    const char* in;
    std::string name;
    const char* type;
  };
  std::vector<Param> params;
  size_t used = 0;
};

namespace {

// "application/json; charset=utf-8" → "application/json".
void media_type(const std::vector<HttpHeader>& headers, std::string& out) {
  out.clear();
  for (const HttpHeader& h : headers) {
    if (!ascii_iequals(h.name, "Content-Type")) continue;
    std::string_view v = h.value;
    v = v.substr(0, v.find(';'));
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    for (const char c : v.substr(0, 128)) out += ascii_lower(c);
    return;
  }
}

// The JSON type a value's text suggests (query and form values are text: "42" reads as an
// integer there too).
const char* value_type(std::string_view v) {
  if (v == "true" || v == "false") return "boolean";
  if (v.empty()) return "string";
  size_t i = v[0] == '-' ? 1 : 0;
  if (i == v.size()) return "string";
  bool digits = false, dot = false, exp = false;
  for (; i < v.size(); ++i) {
    const char c = v[i];
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot && !exp) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits && !exp) {
      exp = true;
      if (i + 1 < v.size() && (v[i + 1] == '+' || v[i + 1] == '-')) ++i;
    } else {
      return "string";
    }
  }
  if (!digits) return "string";
  return dot || exp ? "number" : "integer";
}

// "$.items[3].sku" → "items[].sku"; "meta$.user.id" (a multipart part) → "meta.user.id".
void param_name(std::string_view path, std::string& out) {
  out.clear();
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '$') continue;
    if (c == '[' && i + 1 < path.size() && path[i + 1] >= '0' && path[i + 1] <= '9') {
      size_t j = i + 1;
      while (j < path.size() && path[j] >= '0' && path[j] <= '9') ++j;
      if (j < path.size() && path[j] == ']') {
        out += "[]";
        i = j;
        continue;
      }
    }
    if (c == '.' && out.empty()) continue;
    out += c;
  }
}

}  // namespace

struct Worker::Auth {
  explicit Auth(const WorkerConfig& c)
      : identity(c.identity),
        hygiene(hygiene_config(c)),
        hasher(c.identity_hash_key),
        builder(c.activity),
        labels(kLabelSlots) {
    if (c.abuse.enabled) abuse = std::make_unique<detect::AbuseDetector>(c.abuse);
  }
  static detect::HygieneConfig hygiene_config(const WorkerConfig& c) {
    detect::HygieneConfig h = c.hygiene;
    h.mask = c.detect.mask_samples;
    return h;
  }
  // The keyed hash of the identity, from a small direct-mapped cache: HMAC-SHA256 costs ~2 µs,
  // and most transactions come from identities seen a moment ago.
  std::string_view label(const detect::Identity& id) {
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
  detect::HygieneChecker hygiene;
  detect::IdentityHasher hasher;
  detect::ActivityBuilder builder;
  detect::Activity activity;
  std::unique_ptr<detect::AbuseDetector> abuse;
  detect::Identity id;
  std::string_view id_label;  // into `labels`, for the transaction being emitted
  uint64_t id_hash = 0;       // abuse_hash of its identity key
  std::vector<detect::Finding> findings;
  std::string client_ip, key;
  uint64_t below_min_severity = 0;

  struct Label {
    uint64_t hash = 0;
    uint8_t len = 0;
    char text[32];
  };
  static constexpr size_t kLabelSlots = 4096;
  std::vector<Label> labels;
};

Worker::Worker(const WorkerConfig& cfg, TransactionSink& sink,
               std::shared_ptr<const detect::CompiledRules> rules)
    : cfg_(cfg),
      sink_(sink),
      decoder_(cfg.decoder),
      flows_(cfg.flows, [this](Flow& f, ReleaseReason why) { release(f, why); }) {
  tcp_mem_.cap = cfg_.tcp_memcap;
  // HTTP/2 bodies follow HTTP/1.x's inspection caps.
  cfg_.http2_limits.max_body_inspect = cfg_.http.max_body_inspect;
  cfg_.http2_limits.max_decompress_ratio = cfg_.http.max_decompress_ratio;
  cfg_.http2_limits.max_decoded_body = cfg_.http.max_decoded_body;
  if (rules && cfg_.detect.enabled) {
    detect_ = std::make_unique<detect::DetectionEngine>(std::move(rules), cfg_.detect);
    templater_ = std::make_unique<detect::PathTemplater>(cfg_.templates);
    inventory_ = std::make_unique<detect::Inventory>(cfg_.inventory);
    obs_ = std::make_unique<ObservationScratch>();
    if (cfg_.auth) auth_ = std::make_unique<Auth>(cfg_);
    if (cfg_.tls && cfg_.tls_checks.enabled)
      tls_checker_ = std::make_unique<detect::TlsChecker>(cfg_.tls_checks);
    if (cfg_.spec) {
      detect::SpecConformanceConfig sc = cfg_.spec_check;
      sc.min_severity = cfg_.detect.min_severity;
      spec_check_ = std::make_unique<detect::SpecConformance>(cfg_.spec, sc);
    }
  }
}

const detect::IdentityExtractor* Worker::identity() const {
  return auth_ ? &auth_->identity : nullptr;
}

const detect::HygieneChecker* Worker::hygiene() const {
  return auth_ ? &auth_->hygiene : nullptr;
}

const detect::AbuseDetector* Worker::abuse() const {
  return auth_ ? auth_->abuse.get() : nullptr;
}

uint64_t Worker::auth_below_min_severity() const {
  return auth_ ? auth_->below_min_severity : 0;
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

  DecodeResult r = decoder_.decode(link_type, data, cap_len, wire_len, ts_us, view_);
  if (r != DecodeResult::ok) return;
  const PacketView& p = view_;
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
    mine.on_segment(seq, p.payload, p.payload_len, p.ts_us, sink);
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

Http1Session& Worker::new_http1(Flow& f) {
  Flow* fp = &f;
  f.http = std::make_unique<Http1Session>(
      cfg_.http, http_counters_, [this, fp](HttpTransaction&& t) { emit(*fp, std::move(t)); },
      &http_pool_);
  if (cfg_.http2) f.http->set_takeover("h2c");
  return *f.http;
}

Http2Session& Worker::new_http2(Flow& f) {
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
  replay_sniffed(f, client_side, resync);
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

void Worker::on_tls_handshake(Flow& f, const tls::TlsInfo& info) {
  const FlowContext ctx = flow_context(f);
  const int64_t ts = now_us_;
  sink_.write_tls(ctx, info, ts);
  if (!tls_checker_) return;
  tls_findings_.clear();
  char ip[kIpTextMax];
  const std::string_view server(ip, ip_text(*ctx.server_ip, ip));
  tls_checker_->check_handshake(info, server, ctx.server_port, ts, tls_findings_);
  if (tls_findings_.empty()) return;
  // A handshake finding belongs to no transaction: an empty one carries its time.
  HttpTransaction none;
  none.request_ts_us = ts;
  none.end_ts_us = ts;
  for (detect::Finding& finding : tls_findings_) {
    if (finding.severity < cfg_.detect.min_severity) continue;
    sink_.write_finding(ctx, none, finding);
  }
}

void Worker::emit(Flow& f, HttpTransaction&& txn) {
  ++counters_.transactions;
  FlowContext ctx = flow_context(f);
  // Who made the request, before the http event is written: the event names the identity.
  std::string_view auth_kind = "none";
  if (auth_) {
    Auth& a = *auth_;
    a.client_ip = ctx.client_ip->to_string();
    a.identity.extract(txn, a.client_ip, a.id);
    auth_kind = detect::credential_kind_name(a.id.kind);
    a.id_label = a.label(a.id);
    ctx.auth_kind = auth_kind;
    ctx.identity = a.id_label;
  }
  sink_.write(ctx, txn);
  if (!detect_) return;
  std::vector<detect::Finding>& found = detect_->inspect(txn);
  endpoint_of(txn);
  const std::string_view identity = auth_ ? auth_->id_label : std::string_view();
  for (detect::Finding& finding : found) {
    finding.endpoint = endpoint_;
    finding.identity.assign(identity);
    sink_.write_finding(ctx, txn, finding);
  }
  if (auth_) {
    Auth& a = *auth_;
    a.findings.clear();
    a.hygiene.check(txn, a.id, found, /*cleartext=*/!ctx.decrypted, a.findings, endpoint_);
    if (tls_checker_ && !ctx.decrypted) {
      char ip[kIpTextMax];  // text on the stack: no allocation per transaction
      const std::string_view server(ip, ip_text(*ctx.server_ip, ip));
      tls_checker_->check_cleartext(txn, host_, server, a.id, found, txn.request_ts_us, a.findings);
    }
    // The stateful detectors see every transaction that has a request.
    if (a.abuse && !txn.method.empty()) {
      a.builder.build(txn, a.id, a.id_hash, a.id_label, detect_->fields(), found, host_, path_,
                      template_, endpoint_, a.activity);
      a.abuse->observe(a.activity, a.findings);
    }
    for (detect::Finding& finding : a.findings) {
      finding.endpoint = endpoint_;
      finding.identity.assign(identity);
      if (finding.severity < cfg_.detect.min_severity) {
        ++a.below_min_severity;
        continue;
      }
      sink_.write_finding(ctx, txn, finding);
    }
  }
  if (spec_check_) {
    spec_findings_.clear();
    const int status = txn.has_response ? txn.status : 0;
    spec_check_->check({host_, txn.method, path_, endpoint_, status, txn.request_ts_us}, found,
                       spec_findings_);
    for (detect::Finding& finding : spec_findings_) {
      finding.endpoint = endpoint_;
      finding.identity.assign(identity);
      sink_.write_finding(ctx, txn, finding);
    }
  }
  observe(txn, found, auth_kind);
}

// "GET /users/{id}": the method and the template of the path on its host (the Host header,
// lower-case; an absolute-form target's authority; HTTP/2's :authority).
void Worker::endpoint_of(const HttpTransaction& t) {
  std::string_view path = t.uri;
  host_.clear();
  const size_t scheme = path.find("://");
  if (scheme != std::string_view::npos && scheme < 16 && path.front() != '/') {
    const size_t slash = path.find('/', scheme + 3);
    host_.assign(path.substr(scheme + 3, slash - (scheme + 3)));
    path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
  if (host_.empty()) {
    for (const HttpHeader& h : t.request_headers) {
      if (ascii_iequals(h.name, "Host")) {
        host_.assign(h.value);
        break;
      }
    }
  }
  if (host_.empty()) host_.assign(t.authority);  // HTTP/2
  for (char& c : host_) c = ascii_lower(c);
  path = path.substr(0, path.find_first_of("?#"));
  path_ = path;
  templater_->templ(host_, path, template_);
  endpoint_.assign(t.method);
  endpoint_ += ' ';
  endpoint_ += template_;
}

void Worker::observe(const HttpTransaction& t, const std::vector<detect::Finding>& found,
                     std::string_view auth_kind) {
  // A response whose request was never seen (picked up midstream, after a gap) names no
  // endpoint.
  if (t.method.empty()) return;
  ObservationScratch& s = *obs_;
  detect::Observation& o = s.o;
  o.host = host_;
  o.method = t.method;
  o.path_template = template_;
  o.time_us = t.request_ts_us;
  o.status = t.has_response ? t.status : 0;
  o.auth_kind = auth_kind;
  media_type(t.request_headers, s.request_type);
  media_type(t.response_headers, s.response_type);
  o.request_content_type = s.request_type;
  o.response_content_type = s.response_type;

  // Parameters: query names and body keys, once each (a JSON list repeats its keys per item).
  s.used = 0;
  const detect::FieldList& fields = detect_->fields();
  std::string name;
  for (size_t i = 0; i < fields.size(); ++i) {
    const detect::Field f = fields[i];
    // The extractor lists the request's fields first: the response's (most of them, in a JSON
    // list) are not parameters.
    if (f.part == detect::Part::response_header || f.part == detect::Part::response_body) break;
    const bool query = f.part == detect::Part::request_query;
    if (!query && (f.part != detect::Part::request_body || f.raw)) continue;
    param_name(query ? f.key : f.path, name);
    if (name.empty()) continue;
    const char* in = query ? "query" : "body";
    const char* type = value_type(f.value);
    bool seen = false;
    for (size_t k = 0; k < s.used && !seen; ++k) {
      ObservationScratch::Param& p = s.params[k];
      if (p.in == in && p.name == name) {
        if (std::strcmp(p.type, type) != 0) p.type = "mixed";
        seen = true;
      }
    }
    if (seen) continue;
    if (s.used == cfg_.inventory.max_params) break;  // the inventory counts what it refuses
    if (s.used == s.params.size()) s.params.emplace_back();
    ObservationScratch::Param& p = s.params[s.used++];
    p.in = in;
    p.name = name;
    p.type = type;
  }
  o.params.clear();
  for (size_t k = 0; k < s.used; ++k)
    o.params.push_back({s.params[k].in, s.params[k].name, s.params[k].type});

  o.request_data_classes.clear();
  o.response_data_classes.clear();
  for (const detect::Finding& f : found) {
    if (f.kind != detect::RuleKind::data) continue;
    (f.in_response ? o.response_data_classes : o.request_data_classes).push_back(f.data_class);
  }
  inventory_->observe(o);
  inventory_->take_changed(
      [&](const detect::Endpoint& ep) { sink_.write_endpoint(ep, t.request_ts_us); });
  if (last_inventory_report_us_ == 0) last_inventory_report_us_ = t.request_ts_us;
  if (t.request_ts_us - last_inventory_report_us_ >= cfg_.inventory_report_us) {
    report_inventory(t.request_ts_us);
  }
}

void Worker::report_inventory(int64_t time_us) {
  last_inventory_report_us_ = time_us;
  inventory_->take_changed([](const detect::Endpoint&) {});  // all of them follow
  inventory_->for_each([&](const detect::Endpoint& ep) { sink_.write_endpoint(ep, time_us); });
}

void Worker::tick(int64_t now_us) {
  if (now_us > now_us_) now_us_ = now_us;
  next_expire_us_ = now_us_ + kExpireEveryUs;
  flows_.expire(now_us_);
  decoder_.expire(now_us_);
  if (cfg_.keylog) cfg_.keylog->refresh();  // secrets appended by clients since (live capture)
}

void Worker::finish() {
  flows_.release_all();
  // The inventory as it stands at the end: every endpoint once more.
  if (inventory_ && inventory_->size() > 0) report_inventory(now_us_);
}

}  // namespace mirador

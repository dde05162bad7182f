// Pairs the two directions' messages into transactions. Choices where RFC 9112 leaves a passive
// observer room:
// - Content-Length and Transfer-Encoding together: flagged cl_and_te, chunked wins (§6.3 p3).
// - Differing Content-Length values, or an unparsable one: the framing is unknown, so the message
//   ends with its header section (flagged) and the direction resynchronises at the next message
//   start, as a server that rejects the message and closes would leave the stream.
// - Transfer-Encoding whose final coding is not chunked: a request has no determinable length
//   (§6.3 p4: an error) and is handled like the case above; a response is close-delimited.
// - A gap inside a message head leaves the message in the queue flagged gap_*, so the responses
//   that follow still pair in order; a gap between messages flags the next message found.
// - CONNECT and Upgrade requests hold the client's following bytes (up to max_hold) until the
//   response says whether the protocol switched.
#include "decoders/http1/http1_session.h"

#include <algorithm>
#include <cctype>
#include <deque>

#include "decoders/ascii.h"
#include "decoders/http1/body_coding.h"
#include "decoders/http1/http1_parser.h"
#include "decoders/http1/http1_syntax.h"

namespace mirador {

namespace {

// Interim responses kept per transaction; a server looping on 1xx cannot grow the record.
constexpr size_t kMaxInfoCodes = 16;

// Pool bounds: spares beyond these are freed, so a pool never holds much.
constexpr size_t kMaxSpareTransactions = 32;
constexpr size_t kMaxSpareHeaders = 2048;
constexpr size_t kMaxSpareDecoders = 16;
constexpr size_t kMaxSpareBuffer = 64 * 1024;  // larger strings are freed, not kept
constexpr size_t kMaxSpareEntries = 2;         // per session

struct Entry {
  HttpTransaction tx;
  bool req_done = false;
  bool resp_done = false;  // final response complete
  bool head_method = false;
  bool connect = false;
  bool wants_upgrade = false;
  bool http09 = false;
  bool takeover = false;  // switched to the takeover protocol: handed over, not emitted
};

// Where one message's body goes: de-chunked bytes in, decoded bytes kept up to the cap.
class BodySink {
 public:
  explicit BodySink(Http1Pool& pool) : pool_(pool) {}
  ~BodySink() {
    if (dec_) pool_.give(std::move(dec_));
  }
  BodySink(const BodySink&) = delete;
  BodySink& operator=(const BodySink&) = delete;

  // `size_hint`: the body's length when the framing says it (0: unknown).
  void start(std::string* out, uint64_t* wire_len, uint64_t* len, std::string_view encoding,
             const Http1Limits& limits, HttpTransaction& tx, uint64_t size_hint = 0) {
    out_ = out;
    wire_ = wire_len;
    len_ = len;
    holed_ = false;
    if (dec_) pool_.give(std::move(dec_));
    cap_ = limits.max_body_inspect;
    dec_ = take_body_decoder(pool_, encoding, limits.max_body_inspect, limits.max_decompress_ratio,
                             limits.max_decoded_body, tx);
    if (!dec_ && size_hint > 0 && !tx.has(HttpAnomaly::unknown_content_encoding)) {
      // Kept identity bytes arrive in many appends: one reservation, no regrowth copies.
      out_->reserve(out_->size() + static_cast<size_t>(std::min<uint64_t>(size_hint, cap_)));
    }
  }

  bool active() const { return out_ != nullptr; }

  void data(const uint8_t* p, size_t n) {
    if (!out_) return;
    *wire_ += n;
    if (dec_) {
      if (!holed_) dec_->feed(p, n, *out_);
    } else if (out_->size() < cap_) {
      // Identity (or unknown coding): keep the raw bytes up to the cap, copy nothing more.
      out_->append(reinterpret_cast<const char*>(p), std::min(n, cap_ - out_->size()));
    }
  }

  void gap(size_t n) {
    if (!out_) return;
    *wire_ += n;
    holed_ = true;  // a compressed stream with a hole cannot be decoded further
  }

  void finish(HttpTransaction& tx, Http1Counters& counters) {
    if (!out_) return;
    *len_ = finish_body(tx, dec_.get(), holed_, false, *wire_, cap_, counters);
    out_ = nullptr;
    if (dec_) pool_.give(std::move(dec_));
  }

 private:
  Http1Pool& pool_;
  std::string* out_ = nullptr;
  uint64_t* wire_ = nullptr;
  uint64_t* len_ = nullptr;
  size_t cap_ = 0;
  bool holed_ = false;
  std::unique_ptr<ContentDecoder> dec_;
};

std::string upgrade_token(std::string_view v) {
  v = http1::trim_ows(v.substr(0, v.find(',')));
  std::string out(v.substr(0, 64));
  for (auto& c : out) c = ascii_lower(c);
  return out;
}

}  // namespace

struct Http1Session::Impl {
  Impl(const Http1Limits& l, Http1Counters& c, TransactionFn fn, Http1Pool* shared_pool)
      : limits(l),
        counters(c),
        on_tx(std::move(fn)),
        own_pool(shared_pool ? nullptr : std::make_unique<Http1Pool>()),
        pool(shared_pool ? *shared_pool : *own_pool),
        req_cb(*this),
        resp_cb(*this),
        req(true, limits, counters, req_cb, pool),
        resp(false, limits, counters, resp_cb, pool),
        req_body(pool),
        resp_body(pool) {}

  // The parser's callbacks for one direction, routed to that direction's half of the session.
  template <bool kRequest>
  struct DirectionCallbacks : Http1ParserCallbacks {
    explicit DirectionCallbacks(Impl& s) : s(s) {}
    void on_message_begin(const Http1MessageHead& h, int64_t ts) override {
      if constexpr (kRequest)
        s.req_begin(h, ts);
      else
        s.resp_begin(h, ts);
    }
    Http1Framing on_headers_complete(Http1MessageHead& h) override {
      if constexpr (kRequest)
        return s.req_headers(h);
      else
        return s.resp_headers(h);
    }
    void on_body(const uint8_t* p, size_t n) override { body().data(p, n); }
    void on_body_gap(size_t n) override { body().gap(n); }
    void on_trailer(std::string_view n, std::string_view v) override {
      if (auto* cur = current())
        headers(cur->tx).push_back(HttpHeader{std::string(n), std::string(v)});
    }
    void on_anomaly(HttpAnomaly a) override {
      if (auto* cur = current()) cur->tx.flag(a);
    }
    void on_evasion(HttpEvasion e) override {
      if (auto* cur = current()) cur->tx.flag(e);
    }
    void on_message_complete(int64_t ts) override {
      if constexpr (kRequest)
        s.req_complete(ts);
      else
        s.resp_complete(ts);
    }
    auto& body() {
      if constexpr (kRequest)
        return s.req_body;
      else
        return s.resp_body;
    }
    auto* current() {
      if constexpr (kRequest)
        return s.req_cur;
      else
        return s.resp_cur;
    }
    static std::vector<HttpHeader>& headers(HttpTransaction& tx) {
      if constexpr (kRequest)
        return tx.request_headers;
      else
        return tx.response_headers;
    }
    Impl& s;
  };
  using RequestCallbacks = DirectionCallbacks<true>;
  using ResponseCallbacks = DirectionCallbacks<false>;

  // --- requests -------------------------------------------------------------------------------

  void req_begin(const Http1MessageHead& h, int64_t ts) {
    ++counters.requests;
    if (fifo.size() >= limits.max_pending) {
      ++counters.pending_overflow;  // parsed for framing, then dropped
      scratch = Entry{};
      req_cur = &scratch;
    } else {
      fifo.push_back(new_entry());
      req_cur = fifo.back().get();
      req_cur->tx.trans_depth = ++depth;
    }
    Entry& e = *req_cur;
    e.tx.evasions |= next_evasions[0];
    next_evasions[0] = 0;
    e.tx.request_ts_us = ts;
    e.tx.end_ts_us = ts;
    e.tx.method = h.method;
    e.tx.uri = h.target;
    e.tx.version = h.version;
    e.http09 = h.http09;
    e.head_method = h.method == "HEAD";
    e.connect = h.method == "CONNECT";
  }

  Http1Framing req_headers(Http1MessageHead& h) {
    Entry& e = *req_cur;
    // Swapped, not moved: the parser keeps the recycled vector's capacity.
    e.tx.request_headers.swap(h.headers);
    pool.give_headers(h.headers);
    Http1Framing f;
    if (h.http09) return f;
    e.wants_upgrade = !e.tx.request_header("Upgrade").empty();
    if (e.connect || e.wants_upgrade) f.after = AfterMessage::pause;
    using Cl = Http1MessageHead::Cl;
    if (h.has_transfer_encoding) {
      if (h.content_length_state != Cl::none) e.tx.flag(HttpAnomaly::cl_and_te);
      if (h.te_chunked_last) {
        f.body = BodyFraming::chunked;
      } else {
        e.tx.flag(HttpAnomaly::te_not_chunked_last);
        f.body = BodyFraming::invalid;
      }
    } else if (h.content_length_state == Cl::conflict || h.content_length_state == Cl::bad) {
      f.body = BodyFraming::invalid;
    } else if (h.content_length_state == Cl::valid && h.content_length > 0) {
      f.body = BodyFraming::length;
      f.length = h.content_length;
    }
    if (f.body == BodyFraming::length || f.body == BodyFraming::chunked) {
      req_body.start(&e.tx.request_body, &e.tx.request_body_wire_len, &e.tx.request_body_len,
                     e.tx.request_header("Content-Encoding"), limits, e.tx, f.length);
    }
    return f;
  }

  void req_complete(int64_t ts) {
    Entry* e = req_cur;
    req_cur = nullptr;
    if (!e) return;
    req_body.finish(e->tx, counters);
    e->req_done = true;
    if (!e->tx.has_response) e->tx.end_ts_us = ts;
    if (req.paused()) {
      // CONNECT / Upgrade: wait for the response unless it already came (or cannot come).
      if (e == &scratch || e->resp_done) {
        resume_pending = true;
      } else {
        hold_entry = e;
      }
    }
    try_emit();
  }

  // --- responses ------------------------------------------------------------------------------

  Entry* response_target() {
    for (auto& e : fifo) {
      if (!e->resp_done) return e.get();
    }
    return nullptr;
  }

  void resp_begin(const Http1MessageHead& h, int64_t ts) {
    Entry* e = response_target();
    if (!e) {
      if (fifo.size() >= limits.max_pending) {
        ++counters.pending_overflow;
        scratch = Entry{};
        e = &scratch;
      } else {
        fifo.push_back(new_entry());
        e = fifo.back().get();
        e->tx.trans_depth = ++depth;
      }
      e->req_done = true;
      e->tx.request_ts_us = ts;
      e->tx.flag(HttpAnomaly::unsolicited_response);
    }
    resp_cur = e;
    e->tx.evasions |= next_evasions[1];
    next_evasions[1] = 0;
    interim = false;
    tunnel = false;
    e->tx.has_response = true;
    e->tx.end_ts_us = ts;
    // Start-line fields now: a head cut by a gap or the close still says what it was.
    e->tx.response_version = h.version;
    e->tx.status = h.status;
    e->tx.status_msg = h.reason;
    if (h.http09) {  // raw HTTP/0.9 response: no head, the whole direction is the body
      ++counters.responses;
      e->tx.response_version = "0.9";
      resp_body.start(&e->tx.response_body, &e->tx.response_body_wire_len, &e->tx.response_body_len,
                      {}, limits, e->tx);
    }
  }

  Http1Framing resp_headers(Http1MessageHead& h) {
    Entry& e = *resp_cur;
    Http1Framing f;
    e.tx.response_version = h.version;
    e.tx.status = h.status;
    e.tx.status_msg = h.reason;
    tunnel = false;
    interim = h.status >= 100 && h.status < 200 && h.status != 101;
    if (interim) {
      if (e.tx.info_codes.size() < kMaxInfoCodes) e.tx.info_codes.push_back(h.status);
      return f;
    }
    ++counters.responses;
    e.tx.response_headers.swap(h.headers);
    pool.give_headers(h.headers);
    if (h.status == 101) {
      std::string_view up = e.tx.response_header("Upgrade");
      if (up.empty()) up = e.tx.request_header("Upgrade");
      e.tx.upgrade = up.empty() ? std::string("unknown") : upgrade_token(up);
      tunnel = true;
    } else if (e.connect && h.status >= 200 && h.status < 300) {
      e.tx.upgrade = "connect";
      tunnel = true;
    }
    if (hold_entry == &e) {
      hold_entry = nullptr;
      if (!tunnel) resume_pending = true;
    }
    if (tunnel) {
      f.after = AfterMessage::stop;
      return f;
    }
    if (e.head_method || h.status == 204 || h.status == 304) return f;
    using Cl = Http1MessageHead::Cl;
    if (h.has_transfer_encoding) {
      if (h.content_length_state != Cl::none) e.tx.flag(HttpAnomaly::cl_and_te);
      if (h.te_chunked_last) {
        f.body = BodyFraming::chunked;
      } else {
        e.tx.flag(HttpAnomaly::te_not_chunked_last);
        f.body = BodyFraming::close;
      }
    } else if (h.content_length_state == Cl::conflict || h.content_length_state == Cl::bad) {
      f.body = BodyFraming::invalid;
    } else if (h.content_length_state == Cl::valid) {
      f.body = BodyFraming::length;
      f.length = h.content_length;
    } else {
      f.body = BodyFraming::close;
    }
    if (f.body != BodyFraming::invalid && !(f.body == BodyFraming::length && f.length == 0)) {
      resp_body.start(&e.tx.response_body, &e.tx.response_body_wire_len, &e.tx.response_body_len,
                      e.tx.response_header("Content-Encoding"), limits, e.tx, f.length);
    }
    return f;
  }

  void resp_complete(int64_t ts) {
    Entry* e = resp_cur;
    resp_cur = nullptr;
    if (!e) return;
    e->tx.end_ts_us = ts;
    if (interim) {
      interim = false;
      return;
    }
    resp_body.finish(e->tx, counters);
    e->resp_done = true;
    if (tunnel) {
      upgraded = true;
      ++counters.upgrades;
      if (!takeover_proto.empty() && e->tx.upgrade == takeover_proto) {
        e->takeover = true;
        switched = true;
        // The client's bytes held since its Upgrade request belong to the new protocol.
        after[0].swap(hold);
      }
      // The client's side is now another protocol: its message in progress ends here.
      if (req_cur) {
        req_body.finish(req_cur->tx, counters);
        req_cur->req_done = true;
        req_cur = nullptr;
      }
      req.stop();
      resp.stop();
      hold.clear();
      hold_entry = nullptr;
      resume_pending = false;
    }
    try_emit();
    // A refused CONNECT / Upgrade: the held requests come before the next response's pairing.
    drain_hold();
  }

  // --- plumbing -------------------------------------------------------------------------------

  void try_emit() {
    while (!fifo.empty() && fifo.front()->req_done && fifo.front()->resp_done) emit_front();
  }

  void emit_front() {
    ++counters.transactions;
    std::unique_ptr<Entry> e = std::move(fifo.front());
    fifo.pop_front();
    if (e->takeover) {
      switch_tx = std::move(e->tx);
      e->tx = HttpTransaction{};
      if (spare_entries.size() < kMaxSpareEntries) spare_entries.push_back(std::move(e));
      return;
    }
    on_tx(std::move(e->tx));
    // Whether or not the callee moved from it, the transaction's buffers go back to the pool.
    pool.give(std::move(e->tx));
    if (spare_entries.size() < kMaxSpareEntries) spare_entries.push_back(std::move(e));
  }

  std::unique_ptr<Entry> new_entry() {
    std::unique_ptr<Entry> e;
    if (spare_entries.empty()) {
      e = std::make_unique<Entry>();
    } else {
      e = std::move(spare_entries.back());
      spare_entries.pop_back();
      *e = Entry{};
    }
    e->tx = pool.take_transaction();
    return e;
  }

  void feed_request(const uint8_t* data, size_t len, int64_t ts) {
    if (req.paused()) {
      hold_bytes(data, len, ts);
      return;
    }
    size_t used = req.feed(data, len, ts);
    if (used < len) hold_bytes(data + used, len - used, ts);
  }

  void hold_bytes(const uint8_t* data, size_t len, int64_t ts) {
    if (hold.empty()) hold_ts = ts;
    size_t keep = std::min(len, limits.max_hold - std::min(limits.max_hold, hold.size()));
    hold.append(reinterpret_cast<const char*>(data), keep);
    if (keep < len) hold_gap += len - keep;
  }

  // The held request bytes turned out to be HTTP after all: parse them now.
  void drain_hold() {
    while (resume_pending && !upgraded && !closed) {
      resume_pending = false;
      req.resume();
      std::string pending;
      pending.swap(hold);
      size_t gap = hold_gap;
      hold_gap = 0;
      size_t used =
          req.feed(reinterpret_cast<const uint8_t*>(pending.data()), pending.size(), hold_ts);
      if (used < pending.size()) {
        hold.assign(pending, used);
        hold_gap = gap;
      } else if (gap > 0) {
        req.gap(gap);
      }
      pending.clear();
      if (hold.empty()) hold.swap(pending);  // keep the buffer's capacity
    }
  }

  const Http1Limits limits;
  Http1Counters& counters;
  TransactionFn on_tx;
  std::unique_ptr<Http1Pool> own_pool;  // when no worker pool is given
  Http1Pool& pool;
  RequestCallbacks req_cb;
  ResponseCallbacks resp_cb;
  Http1Parser req;
  Http1Parser resp;
  BodySink req_body;
  BodySink resp_body;

  // Transactions in order, until both sides are complete. Entries are heap objects (stable
  // addresses for req_cur / resp_cur / hold_entry) recycled through spare_entries.
  std::deque<std::unique_ptr<Entry>> fifo;
  std::vector<std::unique_ptr<Entry>> spare_entries;
  Entry scratch;  // receives messages dropped past max_pending
  Entry* req_cur = nullptr;
  Entry* resp_cur = nullptr;
  bool interim = false;  // the response in progress is a 1xx
  bool tunnel = false;   // the response in progress switches protocols
  uint32_t depth = 0;
  uint32_t next_evasions[2] = {0, 0};  // mark_evasion() bits for the next message, per direction

  std::string hold;  // request bytes held while a CONNECT / Upgrade awaits its response
  int64_t hold_ts = 0;
  size_t hold_gap = 0;
  Entry* hold_entry = nullptr;
  bool resume_pending = false;

  bool upgraded = false;
  bool closed = false;

  std::string takeover_proto;  // set_takeover()
  bool switched = false;       // switched to it; the caller has not taken over yet
  HttpTransaction switch_tx;
  std::string after[2];  // bytes after the switch, per direction (0: to the server)

  void keep_after(Direction dir, const uint8_t* data, size_t len) {
    std::string& a = after[dir == Direction::to_server ? 0 : 1];
    a.append(reinterpret_cast<const char*>(data),
             std::min(len, limits.max_hold - std::min(limits.max_hold, a.size())));
  }
};

// --- Http1Pool ------------------------------------------------------------------------------

HttpTransaction Http1Pool::take_transaction() {
  if (txs_.empty()) return HttpTransaction{};
  HttpTransaction t = std::move(txs_.back());
  txs_.pop_back();
  return t;
}

void Http1Pool::give(HttpTransaction&& t) {
  give_headers(t.request_headers);
  give_headers(t.response_headers);
  give_headers(t.response_trailers);
  if (txs_.size() >= kMaxSpareTransactions) return;
  // Only the buffers move to a fresh transaction: every other field is reset, whatever it is.
  HttpTransaction fresh;
  auto keep = [](std::string& to, std::string& from) {
    if (from.capacity() > kMaxSpareBuffer) return;
    from.clear();
    to.swap(from);
  };
  keep(fresh.method, t.method);
  keep(fresh.uri, t.uri);
  keep(fresh.version, t.version);
  keep(fresh.request_body, t.request_body);
  keep(fresh.response_version, t.response_version);
  keep(fresh.status_msg, t.status_msg);
  keep(fresh.response_body, t.response_body);
  keep(fresh.upgrade, t.upgrade);
  keep(fresh.authority, t.authority);
  keep(fresh.scheme, t.scheme);
  keep(fresh.grpc_message, t.grpc_message);
  fresh.request_headers.swap(t.request_headers);
  fresh.response_headers.swap(t.response_headers);
  fresh.response_trailers.swap(t.response_trailers);
  t.info_codes.clear();
  fresh.info_codes.swap(t.info_codes);
  txs_.push_back(std::move(fresh));
}

void Http1Pool::take_header(HttpHeader& h) {
  if (headers_.empty()) return;
  // Move-assignment steals the spare's buffers (h's own are the empty local ones: nothing lost);
  // cheaper than a three-way swap.
  h.name = std::move(headers_.back().name);
  h.value = std::move(headers_.back().value);
  headers_.pop_back();
}

void Http1Pool::give_headers(std::vector<HttpHeader>& headers) {
  for (auto& h : headers) {
    if (headers_.size() >= kMaxSpareHeaders) break;
    if (h.name.capacity() > kMaxSpareBuffer || h.value.capacity() > kMaxSpareBuffer) continue;
    headers_.push_back(std::move(h));
  }
  headers.clear();
}

std::unique_ptr<ContentDecoder> Http1Pool::take_decoder(ContentEncoding enc,
                                                        const BodyLimits& limits) {
  if (decoders_.empty()) return std::make_unique<ContentDecoder>(enc, limits);
  std::unique_ptr<ContentDecoder> d = std::move(decoders_.back());
  decoders_.pop_back();
  d->reset(enc, limits);
  return d;
}

void Http1Pool::give(std::unique_ptr<ContentDecoder> d) {
  // A brotli state can hold a window of megabytes and has no reset: never kept.
  if (d->encoding() == ContentEncoding::br || decoders_.size() >= kMaxSpareDecoders) return;
  decoders_.push_back(std::move(d));
}

// --- Http1Session ---------------------------------------------------------------------------

Http1Session::Http1Session(const Http1Limits& limits, Http1Counters& counters,
                           TransactionFn on_transaction, Http1Pool* pool)
    : impl_(std::make_unique<Impl>(limits, counters, std::move(on_transaction), pool)) {}

Http1Session::~Http1Session() = default;

void Http1Session::on_data(Direction dir, const uint8_t* data, size_t len, int64_t ts_us) {
  Impl& s = *impl_;
  if (s.switched) {
    s.keep_after(dir, data, len);
    return;
  }
  if (s.upgraded || s.closed || len == 0) return;
  if (dir == Direction::to_server) {
    s.feed_request(data, len, ts_us);
  } else {
    if (s.resp.idle()) {
      Entry* target = s.response_target();
      if (target && target->http09) s.resp.begin_raw_body(ts_us);
    }
    const size_t used = s.resp.feed(data, len, ts_us);
    // The switch happened inside this segment: what follows the 101 is the new protocol's.
    if (s.switched && used < len) s.keep_after(dir, data + used, len - used);
  }
  s.drain_hold();
}

void Http1Session::on_gap(Direction dir, size_t len, int64_t /*ts_us*/) {
  Impl& s = *impl_;
  ++s.counters.gaps;
  if (s.upgraded || s.closed) return;
  if (dir == Direction::to_server) {
    if (s.req.paused()) {
      s.hold_gap += len;
    } else {
      s.req.gap(len);
    }
  } else {
    s.resp.gap(len);
  }
  s.drain_hold();
}

void Http1Session::on_end(Direction dir, int64_t /*ts_us*/) {
  Impl& s = *impl_;
  if (s.closed) return;
  if (dir == Direction::to_server) {
    if (!s.req.paused()) s.req.finish();
  } else {
    s.resp.finish();
  }
  s.drain_hold();
}

void Http1Session::on_close(int64_t /*ts_us*/) {
  Impl& s = *impl_;
  if (s.closed) return;
  s.drain_hold();
  s.req.finish();
  s.resp.finish();
  s.closed = true;
  while (!s.fifo.empty()) {
    Entry& e = *s.fifo.front();
    if (!e.resp_done) e.tx.flag(HttpAnomaly::no_response);
    s.emit_front();
  }
}

void Http1Session::mark_evasion(Direction dir, uint32_t bits, bool ahead) {
  Impl& s = *impl_;
  const bool request = dir == Direction::to_server;
  if (Entry* cur = request ? s.req_cur : s.resp_cur) {
    cur->tx.evasions |= bits;
  } else if (!ahead && request && !s.fifo.empty() && s.fifo.back()->req_done) {
    s.fifo.back()->tx.evasions |= bits;  // bytes of the request just completed, not yet answered
  } else {
    s.next_evasions[request ? 0 : 1] |= bits;
  }
}

bool Http1Session::upgraded() const {
  return impl_->upgraded;
}

void Http1Session::set_takeover(std::string_view protocol) {
  impl_->takeover_proto.assign(protocol);
}

bool Http1Session::switch_pending() const {
  return impl_->switched;
}

HttpTransaction Http1Session::take_switch() {
  impl_->switched = false;
  return std::move(impl_->switch_tx);
}

std::string Http1Session::take_after_switch(Direction dir) {
  return std::move(impl_->after[dir == Direction::to_server ? 0 : 1]);
}

bool http1_looks_like_request(const uint8_t* data, size_t len) {
  std::string_view v(reinterpret_cast<const char*>(data), len);
  size_t eol = v.find('\n');
  if (eol != std::string_view::npos) {
    v = v.substr(0, eol);
    if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
    return http1::looks_like_request_line(v, false, false);
  }
  return http1::looks_like_request_line(v, false, true);
}

bool http1_looks_like_response(const uint8_t* data, size_t len) {
  return http1::looks_like_status_line(
      std::string_view(reinterpret_cast<const char*>(data), std::min<size_t>(len, 13)));
}

}  // namespace mirador

// Streams, pairing and emission for one HTTP/2 connection. Choices a passive observer has to
// make where RFC 9113 only tells endpoints what to refuse:
// - Every header block is decoded, even on a stream that is refused, closed or unknown: skipping
//   one would desynchronise the HPACK table for the rest of the connection.
// - A failed block contributes no field at all (fields are committed only when the whole block
//   decoded); the stream keeps what else is known (status, bodies, ends).
// - After a gap (or midstream) a frame on a stream never seen creates it with what is known: the
//   request's headers are unknown (h2_headers_unknown) and method stays empty.
// - A dynamic table size update above the acknowledged SETTINGS_HEADER_TABLE_SIZE is counted and
//   flagged as a protocol error but decoded (up to Http2Limits::max_header_table).
// - Refused streams (over max_streams) are emitted at once with their request headers, flagged
//   h2_stream_refused, and nothing more of them is tracked.
// - RST_STREAM(NO_ERROR) after a complete response is the RFC's way to stop an upload: not a reset.
#include "decoders/http2/http2_session.h"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "decoders/ascii.h"
#include "decoders/http2/frame_parser.h"
#include "decoders/http2/hpack_decoder.h"
#include "decoders/http2/stream_body.h"

namespace mirador {

namespace {

// Version "2" without assigning a literal: GCC 12 at -O3 inlines string::operator=(const char*)
// here into a memcpy it then mistakes for an overlapping one (-Wrestrict, GCC bug 105329).
void set_version_2(std::string& v) {
  v.clear();
  v.push_back('2');
}

constexpr size_t kMaxInfoCodes = 16;
constexpr size_t kMaxSpareStreams = 4;
constexpr size_t kMaxPendingSettings = 4;
constexpr uint32_t kDefaultTableSize = 4096;
constexpr uint16_t kSettingsHeaderTableSize = 1;
constexpr uint16_t kSettingsMaxFrameSize = 5;
constexpr uint32_t kMaxAllowedFrame = (1u << 24) - 1;
// Ids of the last streams emitted or refused: after a loss, frames on them create nothing.
constexpr size_t kClosedRing = 64;

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

int parse_int(std::string_view v, int fallback) {
  int out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size() || v.empty()) return fallback;
  return out;
}

struct Stream {
  explicit Stream(Http1Pool& pool) : req_body(pool), resp_body(pool) {}
  uint32_t id = 0;
  HttpTransaction tx;
  bool req_headers = false;  // the request's header block came (or is known to be lost)
  bool req_done = false;
  bool req_unknown = false;  // created from the response side: the request's end was not seen
  bool resp_final = false;
  bool resp_done = false;
  bool grpc = false;
  size_t kept = 0;  // body bytes counted in the connection's buffered total
  StreamBody req_body;
  StreamBody resp_body;
};

// Decoded fields of one block, held until the block decodes completely.
struct Pseudo {
  std::string method, path, authority, scheme, status;
  bool has_method = false, has_path = false, has_status = false;
  bool bad = false;  // unknown pseudo-header, or one after a regular field
  bool regular_seen = false;
  void clear() {
    method.clear();
    path.clear();
    authority.clear();
    scheme.clear();
    status.clear();
    has_method = has_path = has_status = bad = regular_seen = false;
  }
};

struct PendingSettings {
  bool has_table = false;
  bool has_frame = false;
  uint32_t table = 0;
  uint32_t frame = 0;
};

}  // namespace

struct Http2Session::Impl {
  // One direction's parser callbacks, routed to the session with the direction attached.
  struct DirSink : Http2FrameSink {
    DirSink(Impl& s, Direction d) : s(s), dir(d) {}
    void on_header_block(const Http2HeaderBlock& b) override { s.header_block(dir, b); }
    void on_data(uint32_t id, const uint8_t* p, size_t n, int64_t ts) override {
      s.data(dir, id, p, n, ts);
    }
    void on_data_end(uint32_t id, bool end_stream, int64_t ts) override {
      s.data_end(dir, id, end_stream, ts);
    }
    void on_rst_stream(uint32_t id, uint32_t code, int64_t ts) override {
      s.rst_stream(id, code, ts);
    }
    void on_settings(bool ack, const uint8_t* p, size_t n, int64_t) override {
      s.settings(dir, ack, p, n);
    }
    void on_goaway(uint32_t last, uint32_t, int64_t ts) override { s.goaway(dir, last, ts); }
    void on_protocol_error(uint32_t id) override {
      if (Stream* st = s.find(id)) st->tx.flag(HttpAnomaly::h2_protocol_error);
    }
    Impl& s;
    Direction dir;
  };

  struct FieldSink : HpackFieldSink {
    explicit FieldSink(Impl& s) : s(s) {}
    void on_field(std::string_view name, std::string_view value) override {
      if (!name.empty() && name[0] == ':') {
        if (pseudo.regular_seen) pseudo.bad = true;
        if (name == ":method") {
          pseudo.method.assign(value);
          pseudo.has_method = true;
        } else if (name == ":path") {
          pseudo.path.assign(value);
          pseudo.has_path = true;
        } else if (name == ":authority") {
          pseudo.authority.assign(value);
        } else if (name == ":scheme") {
          pseudo.scheme.assign(value);
        } else if (name == ":status") {
          pseudo.status.assign(value);
          pseudo.has_status = true;
        } else if (name != ":protocol") {
          pseudo.bad = true;
        }
        return;
      }
      pseudo.regular_seen = true;
      fields.emplace_back();
      HttpHeader& h = fields.back();
      s.pool.take_header(h);
      h.name.assign(name);
      h.value.assign(value);
    }
    Impl& s;
    Pseudo pseudo;
    std::vector<HttpHeader> fields;
  };

  Impl(const Http2Limits& l, Http2Counters& c, TransactionFn fn, Http1Pool* shared_pool)
      : limits(l),
        counters(c),
        on_tx(std::move(fn)),
        own_pool(shared_pool ? nullptr : std::make_unique<Http1Pool>()),
        pool(shared_pool ? *shared_pool : *own_pool),
        sinks{DirSink(*this, Direction::to_server), DirSink(*this, Direction::to_client)},
        parsers{Http2FrameParser(sinks[0], counters, limits.max_header_block),
                Http2FrameParser(sinks[1], counters, limits.max_header_block)},
        hpack{std::make_unique<HpackDecoder>(limits.max_header_table),
              std::make_unique<HpackDecoder>(limits.max_header_table)},
        field_sink(*this),
        refused(pool) {
    ++counters.connections;
    parsers[0].expect_preface();
  }

  ~Impl() {
    for (auto& st : open) pool.give(std::move(st->tx));
  }

  static size_t ix(Direction d) { return static_cast<size_t>(d); }

  // --- streams --------------------------------------------------------------------------------

  Stream* find(uint32_t id) {
    if (id == 0) return nullptr;
    for (auto& st : open) {
      if (st->id == id) return st.get();
    }
    return nullptr;
  }

  uint32_t& highest(uint32_t id) { return (id & 1) ? highest_odd : highest_even; }

  // A new tracked stream, or null when over max_streams (counted).
  Stream* new_stream(uint32_t id, int64_t ts) {
    uint32_t& hi = highest(id);
    hi = std::max(hi, id);
    ++counters.streams;
    if (open.size() >= limits.max_streams) {
      ++counters.streams_refused;
      remember_closed(id);
      return nullptr;
    }
    std::unique_ptr<Stream> st;
    if (spare.empty()) {
      st = std::make_unique<Stream>(pool);
    } else {
      st = std::move(spare.back());
      spare.pop_back();
    }
    init_stream(*st, id, ts);
    open.push_back(std::move(st));
    return open.back().get();
  }

  void init_stream(Stream& st, uint32_t id, int64_t ts) {
    st.id = id;
    st.tx = pool.take_transaction();
    st.tx.stream_id = id;
    st.tx.trans_depth = ++depth;
    st.tx.request_ts_us = ts;
    st.tx.end_ts_us = ts;
    st.req_headers = st.req_done = st.req_unknown = false;
    st.resp_final = st.resp_done = st.grpc = false;
    st.kept = 0;
  }

  // A stream first seen after its start was lost (gap or midstream pickup).
  Stream* unknown_stream(Direction dir, uint32_t id, int64_t ts) {
    Stream* st = new_stream(id, ts);
    if (!st) return nullptr;
    st->req_headers = true;
    st->tx.flag(HttpAnomaly::h2_headers_unknown);
    if (dir == Direction::to_client) st->req_unknown = true;
    return st;
  }

  // The stream a frame of `dir` on `id` belongs to: tracked, or created when the connection's
  // state there was lost and the id is new. Null: closed, refused or never valid.
  // `count`: a frame on a never-opened stream is a protocol error, counted once per frame.
  Stream* stream_for_frame(Direction dir, uint32_t id, int64_t ts, bool count = true) {
    if (Stream* st = find(id)) return st;
    if (id == 0) return nullptr;
    if (lost[0] || lost[1]) {
      // Streams opened while bytes were lost may have lower ids than ones seen since.
      if (recently_closed(id)) return nullptr;
      return unknown_stream(dir, id, ts);
    }
    if (id <= highest(id)) return nullptr;  // closed or refused
    if (count) ++counters.protocol_errors;
    return nullptr;
  }

  bool recently_closed(uint32_t id) const {
    return std::find(std::begin(closed_ids), std::end(closed_ids), id) != std::end(closed_ids);
  }
  void remember_closed(uint32_t id) {
    closed_ids[closed_next] = id;
    closed_next = (closed_next + 1) % kClosedRing;
  }

  void maybe_emit(Stream* st) {
    if ((st->req_done || st->req_unknown) && st->resp_done) emit(st);
  }

  void emit(Stream* st) {
    st->req_body.finish(st->tx, counters);
    st->resp_body.finish(st->tx, counters);
    if (st->grpc) fill_grpc(st->tx);
    buffered -= std::min(buffered, st->kept);
    remember_closed(st->id);
    ++counters.transactions;
    on_tx(std::move(st->tx));
    pool.give(std::move(st->tx));
    auto it = std::find_if(open.begin(), open.end(), [&](auto& p) { return p.get() == st; });
    if (it != open.end()) {
      std::unique_ptr<Stream> owned = std::move(*it);
      open.erase(it);
      if (spare.size() < kMaxSpareStreams) spare.push_back(std::move(owned));
    }
  }

  static void fill_grpc(HttpTransaction& tx) {
    std::string_view code = HttpTransaction::header(tx.response_trailers, "grpc-status");
    std::string_view msg = HttpTransaction::header(tx.response_trailers, "grpc-message");
    if (code.empty()) {  // trailers-only response: the status is in the headers
      code = tx.response_header("grpc-status");
      msg = tx.response_header("grpc-message");
    }
    if (!code.empty()) tx.grpc_status = parse_int(code, -1);
    tx.grpc_message.assign(msg);
  }

  // --- header blocks --------------------------------------------------------------------------

  enum class Role { discard, request, response, request_trailers, response_trailers };

  void header_block(Direction dir, const Http2HeaderBlock& b) {
    if (closed) return;
    Stream* st = nullptr;
    Role role = Role::discard;
    bool fresh = false;  // a request block for a stream created by this block
    uint32_t req_id = b.stream_id;
    if (dir == Direction::to_server) {
      if (b.push || (b.stream_id & 1) == 0) {
        ++counters.protocol_errors;
      } else if ((st = find(b.stream_id)) != nullptr) {
        if (st->req_done) {
          ++counters.protocol_errors;
          st->tx.flag(HttpAnomaly::h2_protocol_error);
          st = nullptr;
        } else {
          role = st->req_headers ? Role::request_trailers : Role::request;
        }
      } else if (b.stream_id > highest_odd || (lost[0] && !recently_closed(b.stream_id))) {
        role = Role::request;
        fresh = true;
      }
    } else if (b.push) {
      req_id = b.promised_id;
      if (req_id == 0 || (req_id & 1) != 0 || req_id <= highest_even) {
        ++counters.protocol_errors;
        if (Stream* parent = find(b.stream_id)) parent->tx.flag(HttpAnomaly::h2_protocol_error);
      } else {
        role = Role::request;
        fresh = true;
        ++counters.pushes;
      }
    } else {
      st = stream_for_frame(dir, b.stream_id, b.begin_ts);
      if (st) {
        if (st->resp_done) {
          ++counters.protocol_errors;
          st->tx.flag(HttpAnomaly::h2_protocol_error);
          st = nullptr;
        } else {
          role = st->resp_final ? Role::response_trailers : Role::response;
        }
      }
    }

    bool refused_now = false;
    if (fresh) {
      st = new_stream(req_id, b.begin_ts);
      if (!st) {
        refused_now = true;
        st = &refused;
        init_stream(refused, req_id, b.begin_ts);
        refused.tx.flag(HttpAnomaly::h2_stream_refused);
      }
    }

    // Decode whatever the role: the HPACK table must follow the peer's encoder.
    HpackDecoder& dec = *hpack[ix(dir)];
    bool decoded = false;
    field_sink.pseudo.clear();
    if (b.too_large || b.interrupted) {
      dec.reset();
      if (st) {
        st->tx.flag(b.too_large ? HttpAnomaly::headers_too_large : HttpAnomaly::h2_header_error);
      }
    } else {
      HpackResult r = dec.decode(b.data, b.len, table_limit[ix(dir)], limits.max_header_list,
                                 limits.max_headers, field_sink);
      if (r.size_update_over) {
        ++counters.protocol_errors;
        if (st) st->tx.flag(HttpAnomaly::h2_protocol_error);
      }
      if (!r.ok) {
        if (r.state_unknown) {
          ++counters.headers_unknown;
          if (st) st->tx.flag(HttpAnomaly::h2_headers_unknown);
        } else {
          ++counters.header_errors;
          if (st) st->tx.flag(HttpAnomaly::h2_header_error);
        }
      } else {
        decoded = true;
        if (r.list_too_large) {
          ++counters.header_list_too_large;
          if (st) st->tx.flag(HttpAnomaly::headers_too_large);
        }
        if (r.too_many) {
          ++counters.too_many_headers;
          if (st) st->tx.flag(HttpAnomaly::too_many_headers);
        }
      }
    }

    if (st && role != Role::discard) {
      st->tx.end_ts_us = std::max(st->tx.end_ts_us, b.end_ts);
      apply_block(*st, role, decoded, b);
    }
    pool.give_headers(field_sink.fields);

    if (refused_now) {
      refused.req_done = refused.resp_done = true;
      emit(&refused);
      return;
    }
    if (!st || role == Role::discard) return;
    if (b.push) {
      st->req_done = true;  // a promised request has no body (RFC 9113 §8.4)
    } else if (b.end_stream) {
      if (dir == Direction::to_server) {
        st->req_done = true;
      } else {
        st->resp_done = true;
      }
    }
    maybe_emit(st);
  }

  void take_fields(std::vector<HttpHeader>& to) {
    if (to.empty()) {
      to.swap(field_sink.fields);
      return;
    }
    for (auto& h : field_sink.fields) to.push_back(std::move(h));
  }

  void apply_block(Stream& st, Role role, bool decoded, const Http2HeaderBlock& b) {
    HttpTransaction& tx = st.tx;
    const Pseudo& ps = field_sink.pseudo;
    switch (role) {
      case Role::request: {
        st.req_headers = true;
        set_version_2(tx.version);
        if (!decoded) return;
        tx.method = ps.method;
        tx.uri = ps.path;
        tx.authority = ps.authority;
        tx.scheme = ps.scheme;
        // CONNECT carries no :path (RFC 9113 §8.5); every other request needs both.
        if (ps.bad || !ps.has_method || (!ps.has_path && ps.method != "CONNECT") || ps.has_status) {
          protocol_error(tx);
        }
        take_fields(tx.request_headers);
        st.grpc = starts_with_ci(tx.request_header("content-type"), "application/grpc");
        st.req_body.start(&tx.request_body, &tx.request_body_wire_len, &tx.request_body_len,
                          tx.request_header("content-encoding"), st.grpc, limits, tx);
        return;
      }
      case Role::response: {
        if (!decoded) {
          // The response came but what it said is unknown: its DATA is still the body.
          tx.has_response = true;
          set_version_2(tx.response_version);
          st.resp_final = true;
          st.resp_body.start(&tx.response_body, &tx.response_body_wire_len, &tx.response_body_len,
                             {}, true, limits, tx);
          return;
        }
        int status = ps.has_status && ps.status.size() == 3 ? parse_int(ps.status, 0) : 0;
        if (ps.bad || status < 100 || status > 999 || ps.has_method) protocol_error(tx);
        if (status >= 100 && status < 200) {
          if (tx.info_codes.size() < kMaxInfoCodes) tx.info_codes.push_back(status);
          if (b.end_stream) protocol_error(tx);  // an interim response cannot end the stream
          return;
        }
        tx.has_response = true;
        set_version_2(tx.response_version);
        tx.status = status;
        st.resp_final = true;
        take_fields(tx.response_headers);
        if (starts_with_ci(tx.response_header("content-type"), "application/grpc")) st.grpc = true;
        if (tx.method == "CONNECT" && status >= 200 && status < 300) tx.upgrade = "connect";
        st.resp_body.start(&tx.response_body, &tx.response_body_wire_len, &tx.response_body_len,
                           tx.response_header("content-encoding"), st.grpc, limits, tx);
        return;
      }
      case Role::request_trailers:
      case Role::response_trailers: {
        if (!decoded) return;
        if (ps.has_method || ps.has_path || ps.has_status || ps.bad) protocol_error(tx);
        if (!b.end_stream) protocol_error(tx);  // trailers end the stream (RFC 9113 §8.1)
        take_fields(role == Role::request_trailers ? tx.request_headers : tx.response_trailers);
        return;
      }
      case Role::discard:
        return;
    }
  }

  void protocol_error(HttpTransaction& tx) {
    ++counters.protocol_errors;
    tx.flag(HttpAnomaly::h2_protocol_error);
  }

  // --- DATA -----------------------------------------------------------------------------------

  void data(Direction dir, uint32_t id, const uint8_t* p, size_t n, int64_t ts) {
    if (closed) return;
    // Errors are counted at the frame's end (data_end), never per piece of payload.
    Stream* st = stream_for_frame(dir, id, ts, false);
    if (!st) return;
    st->tx.end_ts_us = std::max(st->tx.end_ts_us, ts);
    StreamBody* body;
    if (dir == Direction::to_server) {
      if (st->req_done) return;
      body = &st->req_body;
      if (!body->active()) {
        body->start(&st->tx.request_body, &st->tx.request_body_wire_len, &st->tx.request_body_len,
                    {}, true, limits, st->tx);
      }
    } else {
      if (st->resp_done) return;
      if (!st->resp_final) {
        // DATA before the final response's HEADERS: lost headers, or a broken peer.
        if (!lost[ix(dir)]) protocol_error(st->tx);
        st->resp_final = true;
        st->tx.has_response = true;
        set_version_2(st->tx.response_version);
      }
      body = &st->resp_body;
      if (!body->active()) {
        body->start(&st->tx.response_body, &st->tx.response_body_wire_len,
                    &st->tx.response_body_len, {}, true, limits, st->tx);
      }
    }
    size_t budget = limits.max_buffered_data - std::min(buffered, limits.max_buffered_data);
    bool capped = false;
    size_t added = body->data(p, n, budget, capped);
    buffered += added;
    st->kept += added;
    if (capped) ++counters.data_cap_hits;
  }

  void data_end(Direction dir, uint32_t id, bool end_stream, int64_t ts) {
    if (closed) return;
    Stream* st = stream_for_frame(dir, id, ts);
    if (!st) return;
    st->tx.end_ts_us = std::max(st->tx.end_ts_us, ts);
    const bool after_end = dir == Direction::to_server ? st->req_done : st->resp_done;
    if (after_end) {
      protocol_error(st->tx);  // DATA after END_STREAM (RFC 9113 §5.1: stream closed)
      return;
    }
    if (!end_stream) return;
    if (dir == Direction::to_server) {
      st->req_done = true;
    } else {
      if (!st->resp_final) {
        st->resp_final = true;
        st->tx.has_response = true;
        set_version_2(st->tx.response_version);
      }
      st->resp_done = true;
    }
    maybe_emit(st);
  }

  // --- control frames -------------------------------------------------------------------------

  void rst_stream(uint32_t id, uint32_t code, int64_t ts) {
    ++counters.resets;
    if (closed) return;
    Stream* st = find(id);
    if (!st) return;
    st->tx.end_ts_us = std::max(st->tx.end_ts_us, ts);
    if (!(code == 0 && st->resp_done)) st->tx.flag(HttpAnomaly::h2_stream_reset);
    emit(st);
  }

  void goaway(Direction dir, uint32_t last, int64_t ts) {
    ++counters.goaways;
    if (closed) return;
    // The sender's last_stream_id bounds the streams its peer initiated: client streams are odd.
    const uint32_t parity = dir == Direction::to_client ? 1 : 0;
    for (size_t i = 0; i < open.size();) {
      Stream* st = open[i].get();
      if ((st->id & 1) == parity && st->id > last) {
        st->tx.flag(HttpAnomaly::h2_stream_reset);
        st->tx.end_ts_us = std::max(st->tx.end_ts_us, ts);
        emit(st);  // erases open[i]
      } else {
        ++i;
      }
    }
  }

  void settings(Direction dir, bool ack, const uint8_t* p, size_t n) {
    if (!ack) {
      PendingSettings ps;
      for (size_t i = 0; i + 6 <= n; i += 6) {
        uint16_t id = static_cast<uint16_t>((p[i] << 8) | p[i + 1]);
        uint32_t v = (uint32_t{p[i + 2]} << 24) | (uint32_t{p[i + 3]} << 16) |
                     (uint32_t{p[i + 4]} << 8) | p[i + 5];
        if (id == kSettingsHeaderTableSize) {
          ps.has_table = true;
          ps.table = v;
        } else if (id == kSettingsMaxFrameSize) {
          if (v < kH2DefaultMaxFrame || v > kMaxAllowedFrame) {
            ++counters.protocol_errors;
          } else {
            ps.has_frame = true;
            ps.frame = v;
          }
        }
      }
      const Direction peer = static_cast<Direction>(ix(dir) ^ 1);
      if (early_acks[ix(peer)] > 0) {
        // The peer's ACK was delivered before these SETTINGS (the two directions are
        // reassembled separately): they are acknowledged already.
        --early_acks[ix(peer)];
        apply_settings(peer, ps);
        return;
      }
      auto& q = pending[ix(dir)];
      if (q.size() >= kMaxPendingSettings) q.erase(q.begin());  // bounded; the oldest is stale
      q.push_back(ps);
      return;
    }
    // `dir` acknowledges the other side's oldest SETTINGS: they now bound what `dir` sends.
    auto& q = pending[ix(dir) ^ 1];
    if (q.empty()) {
      if (early_acks[ix(dir)] < kMaxPendingSettings) ++early_acks[ix(dir)];
      return;
    }
    apply_settings(dir, q.front());
    q.erase(q.begin());
  }

  // Settings the peer of `sender_dir` announced, acknowledged: they bound `sender_dir`.
  void apply_settings(Direction sender_dir, const PendingSettings& ps) {
    if (ps.has_table && !lost[ix(sender_dir)]) table_limit[ix(sender_dir)] = ps.table;
    if (ps.has_frame) parsers[ix(sender_dir)].set_max_frame_size(ps.frame);
  }

  // The h2c upgrade request's HTTP2-Settings (base64url SETTINGS payload, RFC 7540 §3.2.1).
  void upgrade_settings(std::string_view v) {
    std::string b64(v);
    for (auto& c : b64) {
      if (c == '-') c = '+';
      if (c == '_') c = '/';
    }
    b64.erase(std::remove(b64.begin(), b64.end(), '='), b64.end());
    size_t strip = (4 - b64.size() % 4) % 4;
    if (strip == 3 || b64.size() > 4096) {
      ++counters.protocol_errors;
      return;
    }
    b64.append(strip, '=');
    std::string raw(b64.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                            reinterpret_cast<const unsigned char*>(b64.data()),
                            static_cast<int>(b64.size()));
    if (n < 0 || static_cast<size_t>(n) < strip || (n - strip) % 6 != 0) {
      ++counters.protocol_errors;
      return;
    }
    // Sent by the client; the 101 acknowledges them: they bound the server's side.
    ++early_acks[ix(Direction::to_client)];  // the 101 was the server's ACK
    settings(Direction::to_server, false, reinterpret_cast<const uint8_t*>(raw.data()),
             static_cast<size_t>(n) - strip);
  }

  void gap(Direction dir) {
    ++counters.gaps;
    if (closed) return;
    parsers[ix(dir)].gap();
    lose(dir);
    for (auto& st : open) {
      if (dir == Direction::to_server && !st->req_done) {
        st->tx.flag(HttpAnomaly::gap_request);
        st->req_body.hole();
      } else if (dir == Direction::to_client && !st->resp_done) {
        st->tx.flag(HttpAnomaly::gap_response);
        st->resp_body.hole();
      }
    }
  }

  // The direction's HPACK table and acknowledged limits are unknown from now on.
  void lose(Direction dir) {
    hpack[ix(dir)]->reset();
    lost[ix(dir)] = true;
    table_limit[ix(dir)] = limits.max_header_table;
  }

  void close() {
    if (closed) return;
    closed = true;
    while (!open.empty()) {
      Stream* st = open.front().get();
      if (!st->req_done && !st->req_unknown) st->tx.flag(HttpAnomaly::request_truncated);
      if (!st->tx.has_response) {
        st->tx.flag(HttpAnomaly::no_response);
      } else if (!st->resp_done) {
        st->tx.flag(HttpAnomaly::response_truncated);
      }
      emit(st);
    }
  }

  const Http2Limits limits;
  Http2Counters& counters;
  TransactionFn on_tx;
  std::unique_ptr<Http1Pool> own_pool;
  Http1Pool& pool;
  DirSink sinks[2];
  Http2FrameParser parsers[2];
  std::unique_ptr<HpackDecoder> hpack[2];
  FieldSink field_sink;
  // The table size each direction's encoder may use (the other side's acknowledged SETTINGS).
  uint32_t table_limit[2] = {kDefaultTableSize, kDefaultTableSize};
  std::vector<PendingSettings> pending[2];  // SETTINGS sent by each direction, not yet ACKed
  uint32_t early_acks[2] = {0, 0};          // ACKs sent by each direction before the SETTINGS
  bool lost[2] = {false, false};            // bytes of this direction were never seen

  // Open streams in creation order (= trans_depth order), heap objects recycled via `spare`.
  std::vector<std::unique_ptr<Stream>> open;
  std::vector<std::unique_ptr<Stream>> spare;
  Stream refused;  // holds a refused stream's request for its immediate emission
  uint32_t closed_ids[kClosedRing] = {};
  size_t closed_next = 0;
  uint32_t highest_odd = 0;
  uint32_t highest_even = 0;
  uint32_t depth = 0;
  size_t buffered = 0;  // body bytes kept over all open streams
  bool started = false;
  bool closed = false;
};

Http2Session::Http2Session(const Http2Limits& limits, Http2Counters& counters,
                           TransactionFn on_transaction, Http1Pool* pool)
    : impl_(std::make_unique<Impl>(limits, counters, std::move(on_transaction), pool)) {}

Http2Session::~Http2Session() = default;

void Http2Session::start_upgraded(HttpTransaction&& upgrade) {
  Impl& s = *impl_;
  if (s.started) return;
  s.started = true;
  ++s.counters.upgrades;
  Stream* st = s.new_stream(1, upgrade.request_ts_us);
  if (!st) return;  // max_streams == 0
  uint32_t depth = st->tx.trans_depth;
  s.pool.give(std::move(st->tx));
  st->tx = std::move(upgrade);
  // The upgrade's HTTP/1.1 response (101) is not this stream's answer: the HTTP/2 one is.
  st->tx.has_response = false;
  st->tx.status = 0;
  st->tx.status_msg.clear();
  st->tx.response_version.clear();
  st->tx.upgrade.clear();
  st->tx.stream_id = 1;
  st->tx.trans_depth = depth;
  st->req_headers = true;
  st->req_done = true;
  st->grpc = starts_with_ci(st->tx.request_header("content-type"), "application/grpc");
  std::string_view hs = st->tx.request_header("HTTP2-Settings");
  if (!hs.empty()) s.upgrade_settings(hs);
}

void Http2Session::start_midstream() {
  Impl& s = *impl_;
  if (s.started) return;
  s.started = true;
  ++s.counters.midstream;
  for (Direction d : {Direction::to_server, Direction::to_client}) {
    s.parsers[Impl::ix(d)].start_resync();
    s.lose(d);
  }
}

void Http2Session::on_data(Direction dir, const uint8_t* data, size_t len, int64_t ts_us) {
  Impl& s = *impl_;
  s.started = true;
  if (s.closed || len == 0) return;
  s.parsers[Impl::ix(dir) ^ 1].flush(ts_us);  // the other side waited: its bytes are all here
  s.parsers[Impl::ix(dir)].feed(data, len, ts_us);
}

void Http2Session::on_gap(Direction dir, size_t /*len*/, int64_t /*ts_us*/) {
  impl_->started = true;
  impl_->gap(dir);
}

void Http2Session::on_end(Direction dir, int64_t ts_us) {
  // Nothing is delimited by a FIN in HTTP/2 (streams end with END_STREAM, RST_STREAM or close),
  // but no more bytes will confirm a resync candidate.
  if (!impl_->closed) impl_->parsers[Impl::ix(dir)].flush(ts_us);
}

void Http2Session::on_close(int64_t ts_us) {
  Impl& s = *impl_;
  if (!s.closed) {
    s.parsers[0].flush(ts_us);
    s.parsers[1].flush(ts_us);
  }
  s.close();
}

}  // namespace mirador

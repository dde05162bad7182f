// Test harness for Http2Session. Frames are built byte by byte from the RFC's layout and header
// blocks with nghttp2's HPACK deflater (one per direction, as real peers keep), so no header
// block is hand-made. A conversation is a list of steps (data, gap, end, close) replayed whole,
// one byte at a time, split in two at every boundary and at random splits: all must agree.
#pragma once

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <initializer_list>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "decoders/http2/http2_session.h"

namespace mirador::test {

using Fields = std::vector<std::pair<std::string, std::string>>;

inline const std::string kPreface("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);

// Builds frames for both directions; HPACK state per direction, as a real connection's.
class H2Builder {
 public:
  explicit H2Builder(size_t max_table = 65536) {
    REQUIRE(nghttp2_hd_deflate_new(&def_[0], max_table) == 0);
    REQUIRE(nghttp2_hd_deflate_new(&def_[1], max_table) == 0);
  }
  ~H2Builder() {
    nghttp2_hd_deflate_del(def_[0]);
    nghttp2_hd_deflate_del(def_[1]);
  }
  H2Builder(const H2Builder&) = delete;
  H2Builder& operator=(const H2Builder&) = delete;

  nghttp2_hd_deflater* deflater(Direction d) { return def_[static_cast<int>(d)]; }

  // A header block encoded by `d`'s encoder (its dynamic table changes, as on the wire).
  std::string block(Direction d, const Fields& f) {
    std::vector<nghttp2_nv> nva;
    for (auto& [n, v] : f) {
      nghttp2_nv nv{};
      nv.name = reinterpret_cast<uint8_t*>(const_cast<char*>(n.data()));
      nv.namelen = n.size();
      nv.value = reinterpret_cast<uint8_t*>(const_cast<char*>(v.data()));
      nv.valuelen = v.size();
      nv.flags = NGHTTP2_NV_FLAG_NONE;
      nva.push_back(nv);
    }
    std::string out(nghttp2_hd_deflate_bound(deflater(d), nva.data(), nva.size()), '\0');
    ssize_t n = nghttp2_hd_deflate_hd(deflater(d), reinterpret_cast<uint8_t*>(out.data()),
                                      out.size(), nva.data(), nva.size());
    REQUIRE(n >= 0);
    out.resize(static_cast<size_t>(n));
    return out;
  }

  static std::string frame(uint8_t type, uint8_t flags, uint32_t sid, const std::string& payload) {
    std::string f;
    size_t n = payload.size();
    f.push_back(static_cast<char>((n >> 16) & 0xff));
    f.push_back(static_cast<char>((n >> 8) & 0xff));
    f.push_back(static_cast<char>(n & 0xff));
    f.push_back(static_cast<char>(type));
    f.push_back(static_cast<char>(flags));
    f += u32(sid);
    return f + payload;
  }
  static std::string u32(uint32_t v) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
    return s;
  }

  // HEADERS carrying the whole block (END_HEADERS), optionally padded / with priority fields.
  std::string headers(Direction d, uint32_t sid, const Fields& f, bool end_stream, int pad = -1,
                      bool priority = false) {
    std::string blk = block(d, f);
    std::string payload;
    uint8_t flags = 0x4 | (end_stream ? 0x1 : 0);
    if (pad >= 0) {
      flags |= 0x8;
      payload.push_back(static_cast<char>(pad));
    }
    if (priority) {
      flags |= 0x20;
      payload += u32(3) + std::string(1, '\x10');
    }
    payload += blk;
    if (pad > 0) payload += std::string(static_cast<size_t>(pad), '\0');
    return frame(1, flags, sid, payload);
  }

  // HEADERS + CONTINUATION frames carrying the block in `pieces` roughly equal parts.
  std::string headers_split(Direction d, uint32_t sid, const Fields& f, bool end_stream,
                            size_t pieces) {
    std::string blk = block(d, f);
    size_t step = std::max<size_t>(1, blk.size() / pieces);
    std::string out;
    size_t off = 0;
    bool first = true;
    while (first || off < blk.size()) {
      size_t n = std::min(step, blk.size() - off);
      bool last = off + n >= blk.size();
      uint8_t flags = last ? 0x4 : 0;
      if (first) {
        if (end_stream) flags |= 0x1;
        out += frame(1, flags, sid, blk.substr(off, n));
      } else {
        out += frame(9, flags, sid, blk.substr(off, n));
      }
      off += n;
      first = false;
    }
    return out;
  }

  static std::string data(uint32_t sid, const std::string& body, bool end_stream, int pad = -1) {
    std::string payload;
    uint8_t flags = end_stream ? 0x1 : 0;
    if (pad >= 0) {
      flags |= 0x8;
      payload.push_back(static_cast<char>(pad));
    }
    payload += body;
    if (pad > 0) payload += std::string(static_cast<size_t>(pad), '\0');
    return frame(0, flags, sid, payload);
  }

  static std::string settings(const std::vector<std::pair<uint16_t, uint32_t>>& params = {}) {
    std::string p;
    for (auto [id, v] : params) {
      p.push_back(static_cast<char>(id >> 8));
      p.push_back(static_cast<char>(id & 0xff));
      p += u32(v);
    }
    return frame(4, 0, 0, p);
  }
  static std::string settings_ack() { return frame(4, 1, 0, ""); }
  static std::string rst(uint32_t sid, uint32_t code) { return frame(3, 0, sid, u32(code)); }
  static std::string goaway(uint32_t last, uint32_t code) {
    return frame(7, 0, 0, u32(last) + u32(code));
  }
  static std::string ping(bool ack = false) { return frame(6, ack ? 1 : 0, 0, "12345678"); }
  static std::string window_update(uint32_t sid, uint32_t inc) {
    return frame(8, 0, sid, u32(inc));
  }
  static std::string priority(uint32_t sid) {
    return frame(2, 0, sid, u32(1) + std::string(1, '\x20'));
  }
  std::string push_promise(uint32_t sid, uint32_t promised, const Fields& f) {
    return frame(5, 0x4, sid, u32(promised) + block(Direction::to_client, f));
  }

 private:
  nghttp2_hd_deflater* def_[2] = {nullptr, nullptr};
};

// Concatenates in order: the parts of a braced list are evaluated left to right, so header
// blocks are encoded in wire order (the operands of + are not sequenced).
inline std::string cat(std::initializer_list<std::string> parts) {
  std::string out;
  for (auto& p : parts) out += p;
  return out;
}

inline Fields get_req(const std::string& path, const std::string& method = "GET") {
  return {{":method", method},
          {":scheme", "https"},
          {":authority", "api.example"},
          {":path", path},
          {"user-agent", "t/1"}};
}
inline Fields status_resp(int status, Fields extra = {}) {
  Fields f{{":status", std::to_string(status)}};
  f.insert(f.end(), extra.begin(), extra.end());
  return f;
}

struct Step {
  enum Kind { data, gap, end, close } kind;
  Direction dir = Direction::to_server;
  std::string bytes;
  int64_t ts = 0;
};
inline Step c2s(std::string b, int64_t ts = 0) {
  return {Step::data, Direction::to_server, std::move(b), ts};
}
inline Step s2c(std::string b, int64_t ts = 0) {
  return {Step::data, Direction::to_client, std::move(b), ts};
}
inline Step gap(Direction d) {
  return {Step::gap, d, {}, 0};
}
inline Step close_conn() {
  return {Step::close, Direction::to_server, {}, 0};
}

enum class Start { normal, midstream, upgraded };

struct Result {
  std::vector<HttpTransaction> txs;
  Http2Counters counters;
};

using Splitter = std::function<std::vector<size_t>(size_t, size_t)>;

struct Options {
  Http2Limits limits;
  Start start = Start::normal;
  HttpTransaction upgrade;  // for Start::upgraded
};

inline Result run(const std::vector<Step>& steps, const Splitter& split, const Options& o) {
  Result r;
  {
    Http2Session s(o.limits, r.counters,
                   [&](HttpTransaction&& t) { r.txs.push_back(std::move(t)); });
    if (o.start == Start::midstream) s.start_midstream();
    if (o.start == Start::upgraded) s.start_upgraded(HttpTransaction(o.upgrade));
    for (size_t i = 0; i < steps.size(); ++i) {
      const Step& st = steps[i];
      switch (st.kind) {
        case Step::data: {
          std::vector<size_t> cuts = split(i, st.bytes.size());
          cuts.push_back(st.bytes.size());
          size_t prev = 0;
          for (size_t c : cuts) {
            if (c <= prev || c > st.bytes.size()) continue;
            s.on_data(st.dir, reinterpret_cast<const uint8_t*>(st.bytes.data()) + prev, c - prev,
                      st.ts);
            prev = c;
          }
          break;
        }
        case Step::gap:
          s.on_gap(st.dir, 100, st.ts);
          break;
        case Step::end:
          s.on_end(st.dir, st.ts);
          break;
        case Step::close:
          s.on_close(st.ts);
          break;
      }
    }
  }
  return r;
}

inline std::string hdrs(const std::vector<HttpHeader>& v) {
  std::string s;
  for (auto& h : v) s += h.name + ":" + h.value + ";";
  return s;
}

inline std::string summary(const HttpTransaction& t) {
  std::ostringstream o;
  o << t.trans_depth << '|' << t.stream_id << '|' << t.request_ts_us << '|' << t.end_ts_us << '|'
    << t.method << '|' << t.scheme << "://" << t.authority << t.uri << '|' << t.version << '|'
    << hdrs(t.request_headers) << '|' << t.request_body_wire_len << '|' << t.request_body_len << '|'
    << t.request_body << '|' << t.has_response << '|' << t.response_version << '|' << t.status
    << '|' << hdrs(t.response_headers) << '|';
  for (int c : t.info_codes) o << c << ',';
  o << '|' << t.response_body_wire_len << '|' << t.response_body_len << '|' << t.response_body
    << '|' << hdrs(t.response_trailers) << '|' << t.grpc_status << '|' << t.grpc_message << '|'
    << t.upgrade << '|' << t.anomalies;
  return o.str();
}

inline std::string summary(const Result& r) {
  std::string s;
  for (auto& t : r.txs) s += summary(t) + "\n";
  return s;
}

inline Result run_whole(const std::vector<Step>& steps, const Options& o = {}) {
  return run(
      steps, [](size_t, size_t) { return std::vector<size_t>{}; }, o);
}

// Every split agrees with the whole feed (transactions and counters that do not depend on call
// boundaries); returns the whole-feed result.
inline Result run_all_splits(const std::vector<Step>& steps, const Options& o = {},
                             size_t max_exhaustive = 2048) {
  Result whole = run_whole(steps, o);
  const std::string expect = summary(whole);
  auto same = [&](const Result& r) {
    return summary(r) == expect && r.counters.frames == whole.counters.frames &&
           r.counters.resyncs == whole.counters.resyncs &&
           r.counters.bytes_skipped == whole.counters.bytes_skipped &&
           r.counters.protocol_errors == whole.counters.protocol_errors;
  };
  {
    Result bytes = run(
        steps,
        [](size_t, size_t n) {
          std::vector<size_t> c;
          for (size_t k = 1; k < n; ++k) c.push_back(k);
          return c;
        },
        o);
    INFO("one byte at a time:\n" << summary(bytes) << "expected:\n" << expect);
    CHECK(same(bytes));
  }
  for (size_t si = 0; si < steps.size(); ++si) {
    if (steps[si].kind != Step::data || steps[si].bytes.size() > max_exhaustive) continue;
    for (size_t k = 1; k < steps[si].bytes.size(); ++k) {
      Result r = run(
          steps,
          [&](size_t i, size_t) {
            return i == si ? std::vector<size_t>{k} : std::vector<size_t>{};
          },
          o);
      if (!same(r)) {
        INFO("split of step " << si << " at " << k << ":\n"
                              << summary(r) << "expected:\n"
                              << expect);
        CHECK(same(r));
        return whole;
      }
    }
  }
  std::mt19937 rng(42);
  for (int iter = 0; iter < 20; ++iter) {
    Result r = run(
        steps,
        [&](size_t, size_t n) {
          std::vector<size_t> c;
          if (n < 2) return c;
          size_t k = rng() % 8;
          for (size_t j = 0; j < k; ++j) c.push_back(1 + rng() % (n - 1));
          std::sort(c.begin(), c.end());
          return c;
        },
        o);
    INFO("random split " << iter);
    CHECK(same(r));
  }
  return whole;
}

}  // namespace mirador::test

// Test harness for Http1Session: a conversation is a list of steps (data, gap, end, close), and
// every conversation is replayed whole, one byte at a time, split in two at every byte boundary
// and at random splits; all replays must give the same transactions.
#pragma once

#include <catch2/catch.hpp>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "decoders/http1/http1_session.h"

namespace mirador::test {

struct Step {
  enum Kind { data, gap, end, close } kind;
  Direction dir = Direction::to_server;
  std::string bytes;
  size_t gap_len = 0;
  int64_t ts = 0;
};

inline Step req(std::string b, int64_t ts = 0) {
  return {Step::data, Direction::to_server, std::move(b), 0, ts};
}
inline Step resp(std::string b, int64_t ts = 0) {
  return {Step::data, Direction::to_client, std::move(b), 0, ts};
}
inline Step gap(Direction d, size_t n) {
  return {Step::gap, d, {}, n, 0};
}
inline Step end(Direction d) {
  return {Step::end, d, {}, 0, 0};
}
inline Step close_conn() {
  return {Step::close, Direction::to_server, {}, 0, 0};
}

struct Result {
  std::vector<HttpTransaction> txs;
  Http1Counters counters;
  bool upgraded = false;
};

// Feeds each data step cut at the offsets `cuts(step_index, size)` returns.
using Splitter = std::function<std::vector<size_t>(size_t, size_t)>;

inline Result run(const std::vector<Step>& steps, const Splitter& split,
                  const Http1Limits& limits = {}) {
  Result r;
  Http1Session s(limits, r.counters, [&](HttpTransaction&& t) { r.txs.push_back(std::move(t)); });
  for (size_t i = 0; i < steps.size(); ++i) {
    const Step& st = steps[i];
    switch (st.kind) {
      case Step::data: {
        std::vector<size_t> cuts = split(i, st.bytes.size());
        size_t prev = 0;
        cuts.push_back(st.bytes.size());
        for (size_t c : cuts) {
          if (c <= prev || c > st.bytes.size()) continue;
          s.on_data(st.dir, reinterpret_cast<const uint8_t*>(st.bytes.data()) + prev, c - prev,
                    st.ts);
          prev = c;
        }
        break;
      }
      case Step::gap:
        s.on_gap(st.dir, st.gap_len, st.ts);
        break;
      case Step::end:
        s.on_end(st.dir, st.ts);
        break;
      case Step::close:
        s.on_close(st.ts);
        break;
    }
  }
  r.upgraded = s.upgraded();
  return r;
}

inline std::string summary(const HttpTransaction& t) {
  std::ostringstream o;
  o << t.trans_depth << '|' << t.request_ts_us << '|' << t.end_ts_us << '|' << t.method << '|'
    << t.uri << '|' << t.version << '|';
  for (auto& h : t.request_headers) o << h.name << ':' << h.value << ';';
  o << '|' << t.request_body_wire_len << '|' << t.request_body_len << '|' << t.request_body << '|'
    << t.has_response << '|' << t.response_version << '|' << t.status << '|' << t.status_msg << '|';
  for (auto& h : t.response_headers) o << h.name << ':' << h.value << ';';
  for (int c : t.info_codes) o << c << ',';
  o << '|' << t.response_body_wire_len << '|' << t.response_body_len << '|' << t.response_body
    << '|' << t.upgrade << '|' << t.anomalies;
  return o.str();
}

inline std::string summary(const Result& r) {
  std::string s;
  for (auto& t : r.txs) s += summary(t) + "\n";
  return s;
}

inline Result run_whole(const std::vector<Step>& steps, const Http1Limits& limits = {}) {
  return run(
      steps, [](size_t, size_t) { return std::vector<size_t>{}; }, limits);
}

// Runs every split and checks they all agree with the whole feed; returns the whole-feed result.
// Two-piece splits at every boundary are tried for steps up to `max_exhaustive` bytes.
inline Result run_all_splits(const std::vector<Step>& steps, const Http1Limits& limits = {},
                             size_t max_exhaustive = 4096) {
  Result whole = run_whole(steps, limits);
  const std::string expect = summary(whole);
  {
    Result bytes = run(
        steps,
        [](size_t, size_t n) {
          std::vector<size_t> c;
          for (size_t k = 1; k < n; ++k) c.push_back(k);
          return c;
        },
        limits);
    INFO("one byte at a time");
    CHECK(summary(bytes) == expect);
  }
  for (size_t si = 0; si < steps.size(); ++si) {
    if (steps[si].kind != Step::data || steps[si].bytes.size() > max_exhaustive) continue;
    for (size_t k = 1; k < steps[si].bytes.size(); ++k) {
      Result r = run(
          steps,
          [&](size_t i, size_t) {
            return i == si ? std::vector<size_t>{k} : std::vector<size_t>{};
          },
          limits);
      if (summary(r) != expect) {
        INFO("split of step " << si << " at " << k);
        CHECK(summary(r) == expect);
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
        limits);
    INFO("random split " << iter);
    CHECK(summary(r) == expect);
  }
  return whole;
}

}  // namespace mirador::test

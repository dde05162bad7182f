// Frame parser and HPACK decoder on their own: every frame type, padding, CONTINUATION joining,
// resynchronisation, HPACK dynamic table updates, and the connection sniffers.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "decoders/http2/frame_parser.h"
#include "decoders/http2/hpack_decoder.h"
#include "tests/decoders/http2/http2_harness.h"

using namespace mirador;
using namespace mirador::test;

namespace {

// Records what the parser reports as text lines.
struct Recorder : Http2FrameSink {
  std::vector<std::string> ev;
  void on_header_block(const Http2HeaderBlock& b) override {
    ev.push_back("block s=" + std::to_string(b.stream_id) + " p=" + std::to_string(b.promised_id) +
                 (b.push ? " push" : "") + (b.end_stream ? " es" : "") +
                 (b.too_large ? " large" : "") + (b.interrupted ? " broken" : "") +
                 " len=" + std::to_string(b.len) +
                 " data=" + std::string(reinterpret_cast<const char*>(b.data), b.len));
  }
  void on_data(uint32_t id, const uint8_t* p, size_t n, int64_t) override {
    std::string chunk(reinterpret_cast<const char*>(p), n);
    if (!ev.empty() && ev.back().rfind("data s=" + std::to_string(id) + ":", 0) == 0) {
      ev.back() += chunk;  // the parser may pass one frame's payload in several calls
    } else {
      ev.push_back("data s=" + std::to_string(id) + ":" + chunk);
    }
  }
  void on_data_end(uint32_t id, bool es, int64_t) override {
    ev.push_back("data_end s=" + std::to_string(id) + (es ? " es" : ""));
  }
  void on_rst_stream(uint32_t id, uint32_t code, int64_t) override {
    ev.push_back("rst s=" + std::to_string(id) + " code=" + std::to_string(code));
  }
  void on_settings(bool ack, const uint8_t*, size_t n, int64_t) override {
    ev.push_back(std::string("settings") + (ack ? " ack" : "") + " n=" + std::to_string(n));
  }
  void on_goaway(uint32_t last, uint32_t code, int64_t) override {
    ev.push_back("goaway last=" + std::to_string(last) + " code=" + std::to_string(code));
  }
  void on_protocol_error(uint32_t id) override { ev.push_back("error s=" + std::to_string(id)); }
};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (auto& e : v) s += e + "\n";
  return s;
}

struct Parsed {
  std::string events;
  Http2Counters counters;
};

// Parses `bytes` whole and one byte at a time; both must agree.
Parsed parse(const std::string& bytes, bool preface = false, bool resync = false,
             size_t max_block = 65536) {
  Parsed out;
  std::string whole_events;
  for (int mode = 0; mode < 2; ++mode) {
    Recorder rec;
    Http2Counters c;
    Http2FrameParser p(rec, c, max_block);
    if (preface) p.expect_preface();
    if (resync) p.start_resync();
    const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
    if (mode == 0) {
      p.feed(b, bytes.size(), 1);
    } else {
      for (size_t i = 0; i < bytes.size(); ++i) p.feed(b + i, 1, 1);
    }
    if (mode == 0) {
      out.events = join(rec.ev);
      out.counters = c;
    } else {
      CHECK(join(rec.ev) == out.events);
      CHECK(c.frames == out.counters.frames);
      CHECK(c.bytes_skipped == out.counters.bytes_skipped);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("every frame type is parsed and counted", "[http2][frame]") {
  std::string in = kPreface + H2Builder::settings({{1, 8192}, {5, 32768}}) +
                   H2Builder::settings_ack() + H2Builder::frame(1, 0x5, 1, "HB") +
                   H2Builder::priority(1) + H2Builder::data(1, "body", true) +
                   H2Builder::rst(3, 8) + H2Builder::frame(5, 0x4, 1, H2Builder::u32(2) + "PP") +
                   H2Builder::ping() + H2Builder::goaway(7, 0) + H2Builder::window_update(0, 100) +
                   H2Builder::frame(1, 0x0, 5, "AB") + H2Builder::frame(9, 0x0, 5, "CD") +
                   H2Builder::frame(9, 0x4, 5, "EF") + H2Builder::frame(0x10, 0, 0, "xyz") +
                   H2Builder::data(5, "", true);
  Parsed p = parse(in, true);
  CHECK(p.events ==
        "settings n=12\n"
        "settings ack n=0\n"
        "block s=1 p=0 es len=2 data=HB\n"
        "data s=1:body\n"
        "data_end s=1 es\n"
        "rst s=3 code=8\n"
        "block s=1 p=2 push len=2 data=PP\n"
        "goaway last=7 code=0\n"
        "block s=5 p=0 len=6 data=ABCDEF\n"
        "data_end s=5 es\n");
  CHECK(p.counters.frames == 15);
  for (int t = 0; t < 10; ++t) CHECK(p.counters.frames_by_type[t] >= 1);
  CHECK(p.counters.frames_by_type[9] == 2);
  CHECK(p.counters.unknown_frames == 1);
  CHECK(p.counters.protocol_errors == 0);
}

TEST_CASE("padding and the priority fields are removed", "[http2][frame]") {
  H2Builder b;
  std::string hb = b.block(Direction::to_server, get_req("/p"));
  std::string in =
      b.frame(1, 0x4 | 0x8 | 0x20, 1,
              std::string(1, '\x03') + H2Builder::u32(0) + "\x10" + hb + "pad") +
      H2Builder::data(1, "hello", false, 7) + H2Builder::data(1, "", true, 0) +
      H2Builder::frame(5, 0x4 | 0x8, 1, std::string(1, '\x02') + H2Builder::u32(2) + "PP" + "zz");
  Parsed p = parse(in);
  CHECK(p.events == "block s=1 p=0 len=" + std::to_string(hb.size()) + " data=" + hb +
                        "\n"
                        "data s=1:hello\n"
                        "data_end s=1\n"
                        "data_end s=1 es\n"
                        "block s=1 p=2 push len=2 data=PP\n");
  CHECK(p.counters.protocol_errors == 0);
}

TEST_CASE("malformed frames are protocol errors and skipped", "[http2][frame]") {
  std::string in = H2Builder::frame(0, 0x8, 1, std::string(1, '\x09') + "abc") +  // pad > len
                   H2Builder::frame(3, 0, 1, "abc") +                             // RST len 3
                   H2Builder::frame(6, 0, 1, "12345678") +                        // PING on stream
                   H2Builder::frame(4, 0, 0, "12345") +                           // SETTINGS len 5
                   H2Builder::frame(9, 0x4, 1, "zz") +  // lone CONTINUATION
                   H2Builder::window_update(1, 0) +     // increment 0
                   H2Builder::frame(0, 0, 0, "x") +     // DATA stream 0
                   H2Builder::rst(1, 0);                // still in sync
  Parsed p = parse(in);
  CHECK(p.counters.protocol_errors == 7);
  CHECK(p.events.rfind("error s=1\ndata_end s=1\n", 0) == 0);  // bad padding: ends, empty
  CHECK(p.events.find("rst s=1 code=0") != std::string::npos);
}

TEST_CASE("CONTINUATION sequences are joined; an interruption breaks the block", "[http2][frame]") {
  std::string in = H2Builder::frame(1, 0x1, 3, "a") + H2Builder::frame(9, 0, 3, "b") +
                   H2Builder::frame(9, 0, 3, "c") + H2Builder::frame(9, 0x4, 3, "d") +
                   H2Builder::frame(1, 0, 5, "x") + H2Builder::ping() +
                   H2Builder::frame(1, 0x4, 7, "ok");
  Parsed p = parse(in);
  CHECK(p.events ==
        "block s=3 p=0 es len=4 data=abcd\n"
        "error s=5\n"
        "block s=5 p=0 broken len=1 data=x\n"
        "block s=7 p=0 len=2 data=ok\n");
}

TEST_CASE("a header block over the cap is reported without its bytes", "[http2][frame]") {
  std::string in = H2Builder::frame(1, 0, 1, std::string(40, 'a')) +
                   H2Builder::frame(9, 0x4, 1, std::string(40, 'b')) +
                   H2Builder::frame(1, 0x4, 3, std::string(500, 'c')) +
                   H2Builder::frame(1, 0x4, 5, "fine");
  Parsed p = parse(in, false, false, 64);
  CHECK(p.events ==
        "block s=1 p=0 large len=0 data=\n"
        "block s=3 p=0 large len=0 data=\n"
        "block s=5 p=0 len=4 data=fine\n");
  CHECK(p.counters.header_block_too_large == 2);
}

TEST_CASE("a wrong preface resynchronises on the frames that follow", "[http2][frame]") {
  std::string in = "GET / HTTP/1.1\r\n\r\n" + H2Builder::settings() + H2Builder::ping() +
                   H2Builder::data(1, "x", true);
  Parsed p = parse(in, true);
  CHECK(p.events == "error s=0\nsettings n=0\ndata s=1:x\ndata_end s=1 es\n");
  CHECK(p.counters.protocol_errors == 1);
  CHECK(p.counters.resyncs == 1);
}

TEST_CASE("resync finds the next plausible frame whatever the split", "[http2][frame]") {
  // Garbage that holds a fake header whose successor is implausible, then real frames.
  std::string fake = H2Builder::frame(6, 0, 0, "12345678") + "\xff\xff\xff\xff\xff\xff\xff\xff\xff";
  std::string in = std::string("\x01\x02junk") + fake + H2Builder::window_update(1, 5) +
                   H2Builder::data(3, "abc", true) + H2Builder::rst(3, 0) +
                   H2Builder::data(5, std::string(3000, 'z'), true);
  Parsed p = parse(in, false, true);
  // A candidate inside the fake PING (a DATA header, 2054 bytes long) waits for its successor
  // and is then rejected too.
  CHECK(p.events == "data s=3:abc\ndata_end s=3 es\nrst s=3 code=0\ndata s=5:" +
                        std::string(3000, 'z') + "\ndata_end s=5 es\n");
  CHECK(p.counters.resyncs == 1);
  CHECK(p.counters.bytes_skipped == 6 + fake.size());
}

TEST_CASE("the sniffers", "[http2][frame]") {
  auto u = [](const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); };
  CHECK(http2_preface_prefix(u(kPreface), 24));
  CHECK(http2_preface_prefix(u(kPreface), 5));
  std::string more = kPreface + "xyz";
  CHECK(http2_preface_prefix(u(more), more.size()));
  std::string get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  CHECK_FALSE(http2_preface_prefix(u(get), get.size()));
  std::string frames = H2Builder::settings({{4, 65535}}) + H2Builder::window_update(0, 1000);
  CHECK(http2_looks_like_frames(u(frames), frames.size()));
  CHECK(http2_looks_like_frames(u(frames), 12));
  CHECK_FALSE(http2_looks_like_frames(u(frames), 8));
  CHECK_FALSE(http2_looks_like_frames(u(get), get.size()));
  std::string post = "POST /api HTTP/1.1\r\n";
  CHECK_FALSE(http2_looks_like_frames(u(post), post.size()));
  std::string resp = "HTTP/1.1 200 OK\r\n";
  CHECK_FALSE(http2_looks_like_frames(u(resp), resp.size()));
  const std::string tls_hello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  CHECK_FALSE(http2_looks_like_frames(u(tls_hello), tls_hello.size()));
  const std::string tls_app("\x17\x03\x03\x00\x40\x00\x00\x00\x00\x00", 10);
  CHECK_FALSE(http2_looks_like_frames(u(tls_app), tls_app.size()));
  std::string bad_next = H2Builder::ping() + "\xff\xff\xff\xff\xff\xff\xff\xff\xff";
  CHECK_FALSE(http2_looks_like_frames(u(bad_next), bad_next.size()));
}

namespace {
struct Collect : HpackFieldSink {
  std::string s;
  void on_field(std::string_view n, std::string_view v) override {
    s += std::string(n) + "=" + std::string(v) + ";";
  }
};
HpackResult dec(HpackDecoder& d, const std::string& blk, std::string& out, uint32_t acked = 4096,
                size_t max_list = 65536, uint32_t max_fields = 256) {
  Collect c;
  HpackResult r = d.decode(reinterpret_cast<const uint8_t*>(blk.data()), blk.size(), acked,
                           max_list, max_fields, c);
  out = c.s;
  return r;
}
}  // namespace

TEST_CASE("HPACK: indexed entries across blocks, size updates and eviction", "[http2][hpack]") {
  H2Builder b;
  HpackDecoder d(65536);
  const Direction to = Direction::to_server;
  Fields f1{{":method", "GET"}, {"x-token", std::string(100, 't')}, {"x-a", "1"}};
  std::string out;
  std::string b1 = b.block(to, f1);
  REQUIRE(dec(d, b1, out).ok);
  CHECK(out == ":method=GET;x-token=" + std::string(100, 't') + ";x-a=1;");
  // The same fields again come as indexes into the dynamic table: a few bytes.
  std::string b2 = b.block(to, f1);
  CHECK(b2.size() < 8);
  REQUIRE(dec(d, b2, out).ok);
  CHECK(out == ":method=GET;x-token=" + std::string(100, 't') + ";x-a=1;");

  // The encoder shrinks its table to 64 bytes: the size update evicts the 132-byte entry.
  REQUIRE(nghttp2_hd_deflate_change_table_size(b.deflater(to), 64) == 0);
  std::string b3 = b.block(to, {{"x-a", "1"}});
  HpackResult r3 = dec(d, b3, out);
  REQUIRE(r3.ok);
  CHECK_FALSE(r3.size_update_over);
  CHECK(out == "x-a=1;");
  CHECK(nghttp2_hd_deflate_get_num_table_entries(b.deflater(to)) - 61 == 1);

  // Growing back to 8192 is above the acknowledged 4096: flagged, still decoded.
  REQUIRE(nghttp2_hd_deflate_change_table_size(b.deflater(to), 8192) == 0);
  std::string b4 = b.block(to, {{"x-big", std::string(5000, 'b')}});
  HpackResult r4 = dec(d, b4, out);
  CHECK(r4.ok);
  CHECK(r4.size_update_over);
  std::string b5 = b.block(to, {{"x-big", std::string(5000, 'b')}});
  CHECK(b5.size() < 8);
  REQUIRE(dec(d, b5, out, 8192).ok);
  CHECK(out == "x-big=" + std::string(5000, 'b') + ";");
  CHECK(d.state_known());
}

TEST_CASE("HPACK: a fresh table fails on dynamic indexes instead of inventing", "[http2][hpack]") {
  H2Builder b;
  const Direction to = Direction::to_client;
  std::string out;
  b.block(to, {{"x-secret", "s1"}, {"content-type", "application/json"}});
  std::string again = b.block(to, {{"x-secret", "s1"}, {"content-type", "application/json"}});
  HpackDecoder d(65536);
  d.reset();  // as after a gap
  CHECK_FALSE(d.state_known());
  HpackResult r = dec(d, again, out);
  CHECK_FALSE(r.ok);
  CHECK(r.state_unknown);
  // Literal-only blocks still decode after the reset.
  std::string lit = b.block(to, {{":status", "200"}, {"x-new", "v"}});
  REQUIRE(dec(d, lit, out).ok);
  CHECK(out == ":status=200;x-new=v;");

  HpackDecoder known(65536);
  std::string garbage("\xbf\xff\xff\xff\x0f", 5);  // index far beyond any table
  HpackResult g = dec(known, garbage, out);
  CHECK_FALSE(g.ok);
  CHECK_FALSE(g.state_unknown);
  CHECK_FALSE(known.state_known());  // a failed block resets the table
}

TEST_CASE("HPACK: list and field caps keep decoding but stop passing fields", "[http2][hpack]") {
  H2Builder b;
  HpackDecoder d(65536);
  std::string out;
  Fields many;
  for (int i = 0; i < 10; ++i) many.push_back({"h" + std::to_string(i), "v"});
  HpackResult r = dec(d, b.block(Direction::to_server, many), out, 4096, 65536, 3);
  CHECK(r.ok);
  CHECK(r.too_many);
  CHECK(out == "h0=v;h1=v;h2=v;");
  HpackResult r2 = dec(d, b.block(Direction::to_server, {{"a", std::string(100, 'x')}, {"b", "y"}}),
                       out, 4096, 100);
  CHECK(r2.ok);
  CHECK(r2.list_too_large);
  CHECK(out.empty());
  // Table stayed in sync: the indexed repeat decodes.
  REQUIRE(dec(d, b.block(Direction::to_server, many), out).ok);
  CHECK(out.size() == 10 * 5);
}

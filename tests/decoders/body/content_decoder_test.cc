#include <zlib.h>

#include "tests/decoders/body/compress.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "decoders/body/content_decoder.h"

using namespace mirador;
using namespace mirador::test;

namespace {

std::string sample_text(size_t n) {
  std::string s;
  std::mt19937 rng(7);
  while (s.size() < n) s += "{\"id\":" + std::to_string(rng() % 100000) + ",\"name\":\"user\"},";
  s.resize(n);
  return s;
}

// Feeds `enc` in pieces of `step` bytes (0 = one piece).
DecodeStatus decode(ContentDecoder& d, const std::string& enc, size_t step, std::string& out) {
  DecodeStatus st = DecodeStatus::ok;
  if (step == 0) step = enc.size() ? enc.size() : 1;
  for (size_t i = 0; i < enc.size(); i += step) {
    size_t n = std::min(step, enc.size() - i);
    st = d.feed(reinterpret_cast<const uint8_t*>(enc.data()) + i, n, out);
  }
  return st;
}

}  // namespace

TEST_CASE("parse_content_encoding") {
  CHECK(parse_content_encoding("gzip") == ContentEncoding::gzip);
  CHECK(parse_content_encoding(" X-GZip ") == ContentEncoding::gzip);
  CHECK(parse_content_encoding("Deflate") == ContentEncoding::deflate);
  CHECK(parse_content_encoding("br") == ContentEncoding::br);
  CHECK(parse_content_encoding("identity") == ContentEncoding::identity);
  CHECK(parse_content_encoding("") == ContentEncoding::identity);
  CHECK(parse_content_encoding("gzip, br") == ContentEncoding::unknown);
  CHECK(parse_content_encoding("zstd") == ContentEncoding::unknown);
  CHECK(content_encoding_name(ContentEncoding::br) == "br");
}

TEST_CASE("round trips for every encoding, in one piece and in small pieces") {
  const std::string plain = sample_text(200000);
  struct Case {
    const char* name;
    ContentEncoding enc;
    std::string data;
  };
  std::vector<Case> cases = {
      {"gzip", ContentEncoding::gzip, zcompress(plain, 16 + 15)},
      {"deflate zlib", ContentEncoding::deflate, zcompress(plain, 15)},
      {"deflate raw", ContentEncoding::deflate, zcompress(plain, -15)},
      {"br", ContentEncoding::br, brcompress(plain)},
  };
  for (auto& c : cases) {
    for (size_t step : {size_t{0}, size_t{1}, size_t{7}, size_t{1000}}) {
      DYNAMIC_SECTION(c.name << " step " << step) {
        BodyLimits lim;
        ContentDecoder d(c.enc, lim);
        std::string out;
        CHECK(decode(d, c.data, step, out) == DecodeStatus::done);
        CHECK(out == plain);
        CHECK(d.output_bytes() == plain.size());
        CHECK(d.input_bytes() == c.data.size());
      }
    }
  }
}

TEST_CASE("identity copies up to max_output and counts the rest") {
  BodyLimits lim;
  lim.max_output = 10;
  ContentDecoder d(ContentEncoding::identity, lim);
  std::string out;
  std::string in = "0123456789abcdef";
  CHECK(decode(d, in, 3, out) == DecodeStatus::truncated);
  CHECK(out == "0123456789");
  CHECK(d.output_bytes() == 16);
}

TEST_CASE("output past max_output is counted, not kept") {
  const std::string plain = sample_text(100000);
  BodyLimits lim;
  lim.max_output = 1000;
  ContentDecoder d(ContentEncoding::gzip, lim);
  std::string out;
  DecodeStatus st = decode(d, zcompress(plain, 16 + 15), 512, out);
  CHECK(st == DecodeStatus::done);
  CHECK(out == plain.substr(0, 1000));
  CHECK(d.output_bytes() == plain.size());
}

TEST_CASE("gzip bomb stops early with bounded memory") {
  const std::string zeros(50u << 20, '\0');
  const std::string bomb = zcompress(zeros, 16 + 15);
  REQUIRE(bomb.size() < 200000);
  for (size_t step : {size_t{0}, size_t{4096}}) {
    DYNAMIC_SECTION("step " << step) {
      BodyLimits lim;
      lim.max_output = 1u << 20;
      ContentDecoder d(ContentEncoding::gzip, lim);
      std::string out;
      CHECK(decode(d, bomb, step, out) == DecodeStatus::bomb);
      CHECK(d.status() == DecodeStatus::bomb);
      CHECK(out.size() <= lim.max_output);
      // Stopped at the first block past the ratio, far from the 50 MB.
      CHECK(d.output_bytes() < 4u << 20);
    }
  }
}

TEST_CASE("brotli bomb and max_decoded ceiling") {
  const std::string zeros(8u << 20, '\0');
  SECTION("ratio") {
    BodyLimits lim;
    ContentDecoder d(ContentEncoding::br, lim);
    std::string out;
    CHECK(decode(d, brcompress(zeros), 0, out) == DecodeStatus::bomb);
    CHECK(d.output_bytes() < 1u << 20);
  }
  SECTION("hard ceiling even with a generous ratio") {
    BodyLimits lim;
    lim.max_ratio = 1u << 30;
    lim.max_decoded = 1u << 20;
    lim.max_output = 1000;
    ContentDecoder d(ContentEncoding::gzip, lim);
    std::string out;
    CHECK(decode(d, zcompress(zeros, 16 + 15), 0, out) == DecodeStatus::bomb);
    CHECK(out.size() == 1000);
    CHECK(d.output_bytes() <= (1u << 20) + 16384);
  }
}

TEST_CASE("corrupt input is an error") {
  const std::string plain = sample_text(5000);
  SECTION("gzip with damaged deflate data") {
    std::string g = zcompress(plain, 16 + 15);
    for (size_t i = 20; i < 60; ++i) g[i] = static_cast<char>(g[i] ^ 0x5a);
    ContentDecoder d(ContentEncoding::gzip, BodyLimits{});
    std::string out;
    CHECK(decode(d, g, 0, out) == DecodeStatus::error);
  }
  SECTION("not gzip at all") {
    ContentDecoder d(ContentEncoding::gzip, BodyLimits{});
    std::string out;
    CHECK(decode(d, "this is plain text, not gzip", 0, out) == DecodeStatus::error);
  }
  SECTION("brotli garbage") {
    ContentDecoder d(ContentEncoding::br, BodyLimits{});
    std::string out;
    std::string junk(100, '\xff');
    CHECK(decode(d, junk, 0, out) == DecodeStatus::error);
  }
  SECTION("later feeds after an error are no-ops") {
    ContentDecoder d(ContentEncoding::gzip, BodyLimits{});
    std::string out;
    decode(d, "garbage!", 0, out);
    CHECK(decode(d, "more", 0, out) == DecodeStatus::error);
    CHECK(d.input_bytes() == 12);
  }
}

TEST_CASE("truncated stream stays ok; trailing bytes after the end are ignored") {
  const std::string plain = sample_text(3000);
  std::string g = zcompress(plain, 16 + 15);
  SECTION("cut") {
    ContentDecoder d(ContentEncoding::gzip, BodyLimits{});
    std::string out;
    CHECK(decode(d, g.substr(0, g.size() / 2), 0, out) == DecodeStatus::ok);
  }
  SECTION("trailing") {
    ContentDecoder d(ContentEncoding::gzip, BodyLimits{});
    std::string out;
    CHECK(decode(d, g + "TRAILING", 0, out) == DecodeStatus::done);
    CHECK(out == plain);
  }
}

TEST_CASE("random bytes never crash any decoder") {
  std::mt19937 rng(1234);
  for (int iter = 0; iter < 300; ++iter) {
    std::string junk(rng() % 2000, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    if (iter % 3 == 0 && junk.size() > 2) {  // valid headers, random rest
      junk[0] = '\x1f';
      junk[1] = '\x8b';
      junk[2] = 8;
    }
    for (auto enc : {ContentEncoding::gzip, ContentEncoding::deflate, ContentEncoding::br}) {
      ContentDecoder d(enc, BodyLimits{});
      std::string out;
      decode(d, junk, 1 + rng() % 64, out);
      CHECK(out.size() <= BodyLimits{}.max_output);
    }
  }
}

TEST_CASE("a reset decoder behaves as a fresh one, whatever the previous body did") {
  const std::string plain = sample_text(20000);
  const std::string gz = zcompress(plain, 16 + 15);
  const std::string zl = zcompress(plain, 15);
  const std::string raw = zcompress(plain, -15);
  const std::string br = brcompress(plain);
  struct Body {
    ContentEncoding enc;
    std::string data;
  };
  const std::vector<Body> bodies = {
      {ContentEncoding::gzip, gz},
      {ContentEncoding::deflate, raw},
      {ContentEncoding::gzip, gz.substr(0, gz.size() / 2)},  // left in the middle of a stream
      {ContentEncoding::deflate, zl},
      {ContentEncoding::br, br},
      {ContentEncoding::gzip, "garbage!"},  // left in error
      {ContentEncoding::identity, plain},
      {ContentEncoding::gzip, gz},
      {ContentEncoding::deflate, zl},
  };
  BodyLimits lim;
  lim.max_output = 5000;  // every body is truncated: status and counts must not leak across
  ContentDecoder reused(ContentEncoding::gzip, lim);
  for (const auto& b : bodies) {
    reused.reset(b.enc, lim);
    ContentDecoder fresh(b.enc, lim);
    std::string out_reused, out_fresh;
    DecodeStatus a = decode(reused, b.data, 777, out_reused);
    DecodeStatus f = decode(fresh, b.data, 777, out_fresh);
    CHECK(a == f);
    CHECK(out_reused == out_fresh);
    CHECK(reused.input_bytes() == fresh.input_bytes());
    CHECK(reused.output_bytes() == fresh.output_bytes());
  }
}

// THE PROOF that the hand-written JSON lines are the proto3 JSON of mirador.v1.Event: every
// transaction of every test capture (clean, bit-flipped, and under tiny caps, for strange
// records) is written by the JSON writer and built by EventBuilder; each line, parsed by
// protobuf's JSON parser, must equal the built message field for field. The output thread writes
// JSON from the Event parsed out of the queued bytes: that line must be byte for byte the line
// written from the transaction.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "detectors/engine/detection_engine.h"
#include "mirador/v1/event.pb.h"
#include "sensor/output/event_builder.h"
#include "sensor/output/json_writer.h"
#include "sensor/output/record_fields.h"
#include "sensor/worker.h"
#include "tests/sensor/capture_files.h"

using namespace mirador;
using namespace mirador::test;

namespace {

class ComparingSink final : public TransactionSink {
 public:
  ComparingSink(std::string sensor_id, const MaskingConfig& m)
      : sensor_id_(std::move(sensor_id)), builder_(m) {}

  void write(const FlowContext& flow, const HttpTransaction& t) override {
    const EventHeader h{sensor_id_, ++sequence_, event_time_us(t)};
    check(builder_.build(h, flow, t));
    ++events;
  }
  void write_finding(const FlowContext& flow, const HttpTransaction& t,
                     const detect::Finding& f) override {
    const EventHeader h{sensor_id_, ++sequence_, event_time_us(t)};
    check(builder_.build_finding(h, flow, t, f));
    ++findings;
  }
  void flush() override {}
  OutputCounters counters() const override { return {events, 0, builder_.masked_values()}; }

  uint64_t events = 0;
  uint64_t findings = 0;

 private:
  void check(const v1::Event& built) {
    line_.clear();
    append_event_json(built, line_);
    v1::Event parsed;
    const auto status = google::protobuf::util::JsonStringToMessage(line_, &parsed);
    INFO(line_);
    REQUIRE(status.ok());
    std::string diff;
    google::protobuf::util::MessageDifferencer d;
    d.ReportDifferencesToString(&diff);
    INFO(diff);
    CHECK(d.Compare(built, parsed));
    // The same message survives the binary round trip too.
    v1::Event again;
    REQUIRE(again.ParseFromString(built.SerializeAsString()));
    CHECK(google::protobuf::util::MessageDifferencer::Equals(built, again));
    // The output thread writes from the message parsed out of the queued bytes: same line.
    std::string from_event;
    append_event_json(again, from_event);
    CHECK(from_event == line_);
  }

  std::string sensor_id_;
  EventBuilder builder_;
  std::string line_;
  uint64_t sequence_ = 0;
};

uint64_t replay(const Capture& c, const std::vector<Packet>& pkts, const WorkerConfig& cfg,
                const MaskingConfig& masking, uint64_t* findings = nullptr,
                std::shared_ptr<const detect::CompiledRules> rules = nullptr) {
  ComparingSink s("sensor-\xff-1", masking);  // invalid UTF-8 in the id is repaired the same way
  Worker w(cfg, s, std::move(rules));
  for (const Packet& p : pkts) {
    w.process(c.link_type, p.bytes.data(), static_cast<uint32_t>(p.bytes.size()), p.wire_len,
              p.ts_us);
  }
  w.finish();
  if (findings) *findings += s.findings;
  return s.events;
}

}  // namespace

TEST_CASE("every JSON line parses into the Event EventBuilder builds for the same transaction") {
  const std::vector<Capture> caps = load_captures();
  REQUIRE(caps.size() >= 10);
  std::mt19937 rng(20261128);
  WorkerConfig tiny;
  tiny.http.max_line = 64;
  tiny.http.max_header_bytes = 512;
  tiny.http.max_headers = 8;
  tiny.http.max_body_inspect = 256;
  MaskingConfig masked, unmasked;
  unmasked.enabled = false;
  uint64_t events = 0;
  for (const Capture& c : caps) {
    INFO(c.name);
    events += replay(c, c.packets, WorkerConfig{}, masked);
    events += replay(c, c.packets, tiny, unmasked);
    std::vector<Packet> v = c.packets;
    for (Packet& p : v) {
      for (size_t k = 0; k < p.bytes.size() / 64 + 1; ++k) {
        if (!p.bytes.empty())
          p.bytes[rng() % p.bytes.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
    }
    events += replay(c, v, WorkerConfig{}, masked);
  }
  CHECK(events > 500);
}

TEST_CASE("every finding's JSON line parses into the Event EventBuilder builds for it") {
  // Findings are written by hand too (json_writer.cc): every shipped rule on every capture,
  // masked and not, and bit-flipped packets for strange strings in locations and samples.
  const std::vector<Capture> caps = load_captures();
  const std::shared_ptr<const detect::CompiledRules> rules = detect::load_compiled_rules("");
  std::mt19937 rng(20261129);
  MaskingConfig masked, unmasked;
  unmasked.enabled = false;
  WorkerConfig cfg, raw;
  raw.detect.mask_samples = false;
  raw.detect.min_severity = detect::Severity::info;
  uint64_t findings = 0;
  for (const Capture& c : caps) {
    INFO(c.name);
    replay(c, c.packets, cfg, masked, &findings, rules);
    replay(c, c.packets, raw, unmasked, &findings, rules);
    std::vector<Packet> v = c.packets;
    for (Packet& p : v) {
      if (!p.bytes.empty())
        p.bytes[rng() % p.bytes.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
    }
    replay(c, v, raw, unmasked, &findings, rules);
  }
  CHECK(findings > 1000);
}

TEST_CASE("a hand-made finding: escapes, defaults left out, every field") {
  detect::Finding f;
  f.kind = detect::RuleKind::attack;
  f.id = "xss.script_tag";
  f.risk_class = "xss";
  f.severity = detect::Severity::high;
  f.owasp_api = "API8:2023";
  f.summary = "quote \" backslash \\ tab \t nul " + std::string(1, '\0') + " line\xe2\x80\xa8sep";
  f.locations = {"request.query q", "request.body $['we ird']"};
  f.samples = {"<script>alert(1)</script>", "\xff\xfe bad utf-8 \x01"};
  f.rule_ids = {"xss.event_handler", "xss.script_tag"};
  f.count = 2;
  HttpTransaction t;
  t.trans_depth = 0;  // a default: left out
  t.request_ts_us = 1'700'000'000'000'001;
  uint8_t c4[4] = {198, 18, 0, 1};
  IpAddress cip = IpAddress::v4(c4);
  FlowContext ctx;
  ctx.client_ip = &cip;
  ctx.client_port = 0;  // a default: left out
  ctx.tunnel = TunnelKind::vxlan;
  ctx.tunnel_id = 0;
  MaskingConfig m;
  EventBuilder b(m);
  for (int round = 0; round < 2; ++round) {
    const v1::Event& built = b.build_finding(EventHeader{"s", 7, t.request_ts_us}, ctx, t, f);
    std::string line;
    append_event_json(built, line);
    INFO(line);
    v1::Event parsed;
    REQUIRE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok());
    CHECK(google::protobuf::util::MessageDifferencer::Equals(built, parsed));
    // Protobuf's own printer writes the same object (its spelling of escapes may differ).
    std::string theirs;
    google::protobuf::util::JsonPrintOptions opt;
    opt.preserve_proto_field_names = true;
    REQUIRE(google::protobuf::util::MessageToJsonString(built.finding(), &theirs, opt).ok());
    v1::Finding again;
    const size_t at = line.find("\"finding\":") + 10;
    REQUIRE(
        google::protobuf::util::JsonStringToMessage(line.substr(at, line.size() - at - 1), &again)
            .ok());
    v1::Finding from_theirs;
    REQUIRE(google::protobuf::util::JsonStringToMessage(theirs, &from_theirs).ok());
    CHECK(google::protobuf::util::MessageDifferencer::Equals(again, from_theirs));
    if (round == 0) {
      CHECK(line.find("\"trans_depth\"") == std::string::npos);
      CHECK(line.find("\"src_port\"") == std::string::npos);
    } else {
      CHECK(line.find("\"masked_samples\"") == std::string::npos);
    }
    ctx.client_port = 443;
    t.trans_depth = 4;
    ctx.tunnel_id = 42;
    f.samples.clear();
  }
}

TEST_CASE("hand-made corner cases: invalid UTF-8, controls, no response, negative time") {
  HttpTransaction t;
  t.request_ts_us = -1'500'000;  // before the epoch: seconds floor, nanos positive
  t.end_ts_us = -1'000'000;
  t.trans_depth = 3;
  t.method = std::string("G\0T", 3);
  t.uri = "/p?password=x&q=\xc3\xa9\xff\x7f\x01";
  t.version = "1.1";
  t.request_headers = {{"Host", "h\xed\xa0\x80"}, {"Referer", "\"quoted\"\\"}};
  t.info_codes = {100, 102};
  t.upgrade = "websocket";
  t.anomalies = 0xffffffffu;  // every name, unknown bits ignored
  uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  IpAddress cip = IpAddress::v6(c6);
  FlowContext ctx;
  ctx.client_ip = &cip;
  ctx.client_port = 1;
  ctx.tunnel = TunnelKind::gre;
  ctx.community_id = "1:x";
  MaskingConfig m;
  EventBuilder b(m);
  for (int round = 0; round < 2; ++round) {  // the reused message must not keep old values
    std::string line;
    const EventHeader h{"s", 9, t.request_ts_us};
    const v1::Event& built = b.build(h, ctx, t);
    append_event_json(built, line);
    v1::Event parsed;
    INFO(line);
    REQUIRE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok());
    CHECK(google::protobuf::util::MessageDifferencer::Equals(built, parsed));
    std::string from_event;
    append_event_json(built, from_event);
    CHECK(from_event == line);
    CHECK(parsed.time().seconds() == -2);
    CHECK(parsed.time().nanos() == 500'000'000);
    CHECK(parsed.http().flow().src_ip() == "2001:db8::1");
    CHECK(parsed.http().uri() == "/p?password=***&q=\xc3\xa9\\xff\x7f\x01");
    CHECK(parsed.http().host() == "h\\xed\\xa0\\x80");
    ctx.tunnel = TunnelKind::none;
    t.has_response = true;
    t.status = 101;
    t.info_codes.clear();
    t.anomalies = 0;
  }
}

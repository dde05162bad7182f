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
    const v1::Event& built = builder_.build(h, flow, t);
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
    ++events;
  }
  void flush() override {}
  OutputCounters counters() const override { return {events, 0, builder_.masked_values()}; }

  uint64_t events = 0;

 private:
  std::string sensor_id_;
  EventBuilder builder_;
  std::string line_;
  uint64_t sequence_ = 0;
};

uint64_t replay(const Capture& c, const std::vector<Packet>& pkts, const WorkerConfig& cfg,
                const MaskingConfig& masking) {
  ComparingSink s("sensor-\xff-1", masking);  // invalid UTF-8 in the id is repaired the same way
  Worker w(cfg, s);
  for (const Packet& p : pkts) {
    w.process(c.link_type, p.bytes.data(), static_cast<uint32_t>(p.bytes.size()), p.wire_len,
              p.ts_us);
  }
  w.finish();
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

// mirador-events-dump prints each event of a protobuf file as one line of proto3 JSON that parses
// back into the same message. The tool's path is compiled in (the shared Catch2 main takes no
// arguments).
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "mirador/v1/event.pb.h"
#include "sensor/output/event_builder.h"
#include "sensor/output/protobuf_file_sink.h"

using namespace mirador;

TEST_CASE("mirador-events-dump prints a protobuf event file as JSON lines") {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("mirador_dump_" + std::to_string(getpid())))
          .string();
  HttpTransaction t;
  t.request_ts_us = 1'795'873'875'818'377;
  t.end_ts_us = t.request_ts_us + 1500;
  t.method = "GET";
  t.uri = "/a?token=secret";
  t.has_response = true;
  t.status = 200;
  uint8_t c[4] = {198, 18, 0, 1}, s[4] = {198, 18, 0, 2};
  IpAddress cip = IpAddress::v4(c), sip = IpAddress::v4(s);
  FlowContext ctx;
  ctx.client_ip = &cip;
  ctx.client_port = 40000;
  ctx.server_ip = &sip;
  ctx.server_port = 80;
  std::vector<v1::Event> want;
  {
    ProtobufFileSink sink(path);
    EventBuilder b{MaskingConfig{}};
    for (uint64_t seq = 1; seq <= 3; ++seq) {
      t.trans_depth = static_cast<uint32_t>(seq);
      // A zero after a non-zero: the reader must not carry a field over from the previous event.
      t.response_body_len = seq == 2 ? 10 : 0;
      const EventHeader h{"dump-test", seq, t.request_ts_us};
      want.push_back(b.build(h, ctx, t));
      sink.write(want.back(), want.back().SerializeAsString());
    }
  }
  FILE* p = popen((std::string(MIRADOR_EVENTS_DUMP_PATH) + " " + path).c_str(), "r");
  REQUIRE(p != nullptr);
  std::vector<std::string> lines;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) lines.emplace_back(buf);
  CHECK(pclose(p) == 0);
  std::filesystem::remove(path);
  REQUIRE(lines.size() == want.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    INFO(lines[i]);
    CHECK(lines[i].find("\"sensor_id\":\"dump-test\"") != std::string::npos);
    CHECK(lines[i].find("token=***") != std::string::npos);
    v1::Event e;
    REQUIRE(google::protobuf::util::JsonStringToMessage(lines[i], &e).ok());
    CHECK(google::protobuf::util::MessageDifferencer::Equals(e, want[i]));
  }
}

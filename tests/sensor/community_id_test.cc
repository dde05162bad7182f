#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include "sensor/community_id.h"

using mirador::IpAddress;

namespace {
IpAddress ip(const char* text) {
  uint8_t buf[16];
  if (inet_pton(AF_INET, text, buf) == 1) return IpAddress::v4(buf);
  REQUIRE(inet_pton(AF_INET6, text, buf) == 1);
  return IpAddress::v6(buf);
}
}  // namespace

// Reference vectors published with the Community ID specification.
TEST_CASE("community id v1 matches the specification's vectors in both directions") {
  struct Vec {
    const char *src, *dst;
    uint16_t sport, dport;
    uint8_t proto;
    const char* expected;
  } vecs[] = {
      {"128.232.110.120", "66.35.250.204", 34855, 80, 6, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
      {"192.168.1.52", "8.8.8.8", 54585, 53, 17, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="},
      {"2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25, 6,
       "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4="},
  };
  for (const auto& v : vecs) {
    CHECK(mirador::community_id_v1(ip(v.src), v.sport, ip(v.dst), v.dport, v.proto) == v.expected);
    CHECK(mirador::community_id_v1(ip(v.dst), v.dport, ip(v.src), v.sport, v.proto) == v.expected);
  }
}

#include <catch2/catch.hpp>
#include <string>

#include "sensor/output/masking.h"

using namespace mirador;

namespace {
std::string masked(std::string_view uri, size_t* n = nullptr) {
  UriMasker m{MaskingConfig{}};
  std::string out;
  size_t k = m.mask(uri, out);
  if (n) *n = k;
  return out;
}
}  // namespace

TEST_CASE("credentials in query strings are masked, names and the rest kept") {
  size_t n = 0;
  CHECK(masked("/login?user=alice&password=hunter2", &n) == "/login?user=alice&password=***");
  CHECK(n == 1);
  CHECK(masked("/api?access_token=eyJhbGciOi.x.y&page=2", &n) == "/api?access_token=***&page=2");
  CHECK(masked("/a?API_KEY=abc;sig=def#frag", &n) == "/a?API_KEY=***;sig=***#frag");
  CHECK(n == 2);
  CHECK(masked("/cb?code=4/0AX&state=xyz") == "/cb?code=***&state=xyz");
  CHECK(masked("/u?X-Session-Id=77") == "/u?X-Session-Id=***");
}

TEST_CASE("targets without sensitive parameters are left byte for byte") {
  size_t n = 9;
  CHECK(masked("/api/v1/users/7", &n) == "/api/v1/users/7");
  CHECK(n == 0);
  CHECK(masked("/search?q=password+reset&page=1") == "/search?q=password+reset&page=1");
  CHECK(masked("/x?password") == "/x?password");    // no value to hide
  CHECK(masked("/x?password=") == "/x?password=");  // empty value
  CHECK(masked("/x?&&=&") == "/x?&&=&");
  CHECK(masked("?") == "?");
  CHECK(masked("") == "");
}

TEST_CASE("masking can be turned off") {
  MaskingConfig cfg;
  cfg.enabled = false;
  UriMasker m(cfg);
  std::string out;
  CHECK(m.mask("/login?password=hunter2", out) == 0);
  CHECK(out == "/login?password=hunter2");
}

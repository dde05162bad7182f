// Segment shapes (every kind, with near-misses) and PathTemplater: splitting, percent-encoding,
// promotion by cardinality and the merge of subtrees, the caps and their counters, lookup
// without learning.
#include "detectors/inventory/path_template.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace mirador::detect;

namespace {

std::string kind_name(SegmentKind k) {
  const std::string_view p = segment_placeholder(k);
  return p.empty() ? "literal" : std::string(p);
}

void check_kind(std::string_view seg, SegmentKind want) {
  INFO("segment \"" << seg << "\"");
  CHECK(kind_name(classify_segment(seg)) == kind_name(want));
}

std::string templ(PathTemplater& t, std::string_view path, std::string_view host = "h") {
  std::string out;
  t.templ(host, path, out);
  return out;
}

std::string lookup(const PathTemplater& t, std::string_view path, std::string_view host = "h") {
  std::string out;
  t.lookup(host, path, out);
  return out;
}

}  // namespace

TEST_CASE("classify_segment: numbers", "[template]") {
  for (auto s : {"0", "7", "12345", "2023", "-42", "123456789012345678901234567890"})
    check_kind(s, SegmentKind::number);
  check_kind(std::string(64, '9'), SegmentKind::number);
  // 65 digits are no longer a number, but are ≥ 24 hex digits.
  check_kind(std::string(65, '9'), SegmentKind::hex);
  // Near-misses: a 15-digit number with a letter, a lone sign, a double sign, a decimal.
  for (auto s : {"12345678901234x", "-", "--5", "1.5", "+", "12a"})
    check_kind(s, SegmentKind::literal);
}

TEST_CASE("classify_segment: UUIDs", "[template]") {
  check_kind("123e4567-e89b-12d3-a456-426614174000", SegmentKind::uuid);
  check_kind("123E4567-E89B-12D3-A456-426614174000", SegmentKind::uuid);
  check_kind("00000000-0000-0000-0000-000000000000", SegmentKind::uuid);
  // A group one short, a non-hex character, no dashes (that is 32 hex: {hex}).
  check_kind("123e4567-e89b-12d3-a456-42661417400", SegmentKind::literal);
  check_kind("123e456-e89b-12d3-a456-4266141740000", SegmentKind::literal);
  check_kind("123e4567-e89b-12d3-a456-42661417400g", SegmentKind::literal);
  check_kind("123e4567e89b12d3a456426614174000", SegmentKind::hex);
}

TEST_CASE("classify_segment: hex", "[template]") {
  check_kind("507f1f77bcf86cd799439011", SegmentKind::hex);  // a MongoDB ObjectId
  check_kind("deadbeef01234567", SegmentKind::hex);          // 16 with digit and letter
  check_kind("DEADBEEF01234567", SegmentKind::hex);
  check_kind("abcdefabcdefabcdefabcdef", SegmentKind::hex);  // 24 letters only
  // 15 characters; 16 letters only; a non-hex letter.
  check_kind("deadbeef0123456", SegmentKind::literal);
  check_kind("deadbeefdeadbeef", SegmentKind::literal);
  check_kind("deadbeef0123456g", SegmentKind::literal);
  // 16 digits only are a number.
  check_kind("1234567890123456", SegmentKind::number);
}

TEST_CASE("classify_segment: phones", "[template]") {
  for (auto s : {"13800138000", "19912345678", "+8613800138000", "+14155550123", "+1234567",
                 "555-123-4567", "010 8888 6666", "+86 138 0013 8000", "+1-415-555-0123"})
    check_kind(s, SegmentKind::phone);
  // 12 digits after 1[3-9] is a number; 1[0-2] is not a mobile; 6 digits with a dash; 16
  // digits after "+"; doubled and trailing separators.
  for (auto s : {"138001380001", "12800138000", "10800138000"}) check_kind(s, SegmentKind::number);
  for (auto s : {"123-456", "+1234567890123456", "555--123-4567", "555-123-4567-", "+123456"})
    check_kind(s, SegmentKind::literal);
}

TEST_CASE("classify_segment: e-mail addresses", "[template]") {
  for (auto s : {"alice@example.com", "li.wei+news@mail.example.co.uk", "a_b-c%d@x-y.org"})
    check_kind(s, SegmentKind::email);
  for (auto s : {"@example.com", "alice@", "alice@example", "alice@example.c", "alice@.com",
                 "alice@exa..com", "al ice@example.com", "alice@example.c0m"})
    check_kind(s, SegmentKind::literal);
}

TEST_CASE("classify_segment: tokens", "[template]") {
  check_kind("aZ3kLm9QxT2vBn7YpW4r", SegmentKind::token);  // 20, base64url
  check_kind("dGhpc0lzQVRlc3RUb2tlbjEyMw==", SegmentKind::token);
  check_kind("a-Z_3kLm9QxT2vBn7YpW4rUu", SegmentKind::token);
  check_kind("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl", SegmentKind::token);
  check_kind("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0", SegmentKind::token);
  // 19 characters; no digit; no upper case; no lower case; a character outside base64.
  check_kind("aZ3kLm9QxT2vBn7YpW4", SegmentKind::literal);
  check_kind("ThisIsALongCamelCaseName", SegmentKind::literal);
  check_kind("abcdefghij0123456789xyz", SegmentKind::literal);
  check_kind("ABCDEFGHIJ0123456789XYZ", SegmentKind::literal);
  check_kind("aZ3kLm9QxT2vBn7YpW4r!", SegmentKind::literal);
  check_kind("eyJ.short", SegmentKind::literal);
}

TEST_CASE("classify_segment: dates", "[template]") {
  for (auto s : {"2024-01-31", "2024-02-29", "1999-12-01"}) check_kind(s, SegmentKind::date);
  // Not a real date: shaped like digit groups, so a phone when 7+ digits.
  check_kind("2023-02-29", SegmentKind::phone);
  check_kind("2024-13-01", SegmentKind::phone);
  check_kind("20240131", SegmentKind::number);
  check_kind("2024-1-31", SegmentKind::phone);
}

TEST_CASE("classify_segment: words stay literal", "[template]") {
  for (auto s : {"v1", "v2", "api", "users", "me", "admin", "health", "app.js", "favicon.ico",
                 "search", "orders", "", "a", "x1", "v10", "beef", "cafe", "deadbeef"})
    check_kind(s, SegmentKind::literal);
}

TEST_CASE("segment_placeholder names every kind", "[template]") {
  CHECK(segment_placeholder(SegmentKind::literal).empty());
  CHECK(segment_placeholder(SegmentKind::number) == "{id}");
  CHECK(segment_placeholder(SegmentKind::uuid) == "{uuid}");
  CHECK(segment_placeholder(SegmentKind::hex) == "{hex}");
  CHECK(segment_placeholder(SegmentKind::token) == "{token}");
  CHECK(segment_placeholder(SegmentKind::phone) == "{phone}");
  CHECK(segment_placeholder(SegmentKind::email) == "{email}");
  CHECK(segment_placeholder(SegmentKind::date) == "{date}");
}

TEST_CASE("PathTemplater: shapes, slashes, percent-encoding", "[template]") {
  PathTemplater t(TemplateConfig{});
  CHECK(templ(t, "") == "/");
  CHECK(templ(t, "/") == "/");
  CHECK(templ(t, "//") == "/");
  CHECK(templ(t, "/users/12345") == "/users/{id}");
  CHECK(templ(t, "/users/12345/") == "/users/{id}");
  CHECK(templ(t, "//users///12345//orders/") == "/users/{id}/orders");
  CHECK(templ(t, "/api/v1/users/me") == "/api/v1/users/me");
  CHECK(templ(t, "/api/v1/users/42") == "/api/v1/users/{id}");
  CHECK(templ(t, "/o/123e4567-e89b-12d3-a456-426614174000/items/507f1f77bcf86cd799439011") ==
        "/o/{uuid}/items/{hex}");
  CHECK(templ(t, "/c/13800138000/s/alice@example.com/r/2024-01-31") ==
        "/c/{phone}/s/{email}/r/{date}");
  // Percent-decoded to classify: "%40" is '@', "%2B" is '+'.
  CHECK(templ(t, "/s/alice%40example.com") == "/s/{email}");
  CHECK(templ(t, "/c/%2B8613800138000") == "/c/{phone}");
  CHECK(templ(t, "/c/%2b86%20138%200013%208000") == "/c/{phone}");
  // A literal is written as sent; invalid escapes stay as they are.
  CHECK(templ(t, "/files/na%C3%AFve") == "/files/na%C3%AFve");
  CHECK(templ(t, "/files/100%") == "/files/100%");
  CHECK(templ(t, "/files/%zz1") == "/files/%zz1");
  CHECK(templ(t, "/files/%4") == "/files/%4");
  CHECK(templ(t, "/n/%31%32%33") == "/n/{id}");
  CHECK(t.counters().paths == 18);
  CHECK(t.counters().hosts == 1);
}

TEST_CASE("PathTemplater: cardinality promotes a position to {param}", "[template]") {
  TemplateConfig cfg;
  cfg.param_min_distinct = 20;
  PathTemplater t(cfg);
  std::vector<std::string> names;
  for (int i = 0; i < 25; ++i) names.push_back("user" + std::string(1, char('a' + i)) + "x");
  for (int i = 0; i < 20; ++i) {
    const std::string p = "/users/" + names[i] + "/orders";
    CHECK(templ(t, p) == p);
  }
  CHECK(t.counters().promoted == 0);
  CHECK(lookup(t, "/users/" + names[3] + "/orders") == "/users/" + names[3] + "/orders");
  // The 21st distinct name promotes the position.
  CHECK(templ(t, "/users/" + names[20] + "/orders") == "/users/{param}/orders");
  CHECK(t.counters().promoted == 1);
  for (int i = 0; i < 25; ++i) {
    INFO(names[i]);
    CHECK(templ(t, "/users/" + names[i] + "/orders") == "/users/{param}/orders");
    CHECK(lookup(t, "/users/" + names[i] + "/orders") == "/users/{param}/orders");
  }
  // A word next to names is one more name once the position is a parameter (next to ids it
  // stays literal: see the first PathTemplater test).
  CHECK(templ(t, "/users/me/orders") == "/users/{param}/orders");
  // Shapes keep their own child; the parent position is not affected.
  CHECK(templ(t, "/users/42/orders") == "/users/{id}/orders");
  CHECK(templ(t, "/users") == "/users");
  CHECK(templ(t, "/other") == "/other");
  // Twenty-one "orders" nodes merged into one: 1 root + users + param + orders + id + orders
  // + other.
  CHECK(t.counters().nodes == 7);
}

TEST_CASE("PathTemplater: promotion merges the literals' subtrees", "[template]") {
  TemplateConfig cfg;
  cfg.param_min_distinct = 3;
  PathTemplater t(cfg);
  CHECK(templ(t, "/users/alice/orders") == "/users/alice/orders");
  CHECK(templ(t, "/users/bob/profile") == "/users/bob/profile");
  CHECK(templ(t, "/users/carol/orders/7") == "/users/carol/orders/{id}");
  CHECK(templ(t, "/users/dave/repos/r1") == "/users/{param}/repos/r1");
  CHECK(lookup(t, "/users/alice/orders") == "/users/{param}/orders");
  CHECK(lookup(t, "/users/bob/profile") == "/users/{param}/profile");
  CHECK(lookup(t, "/users/zed/orders/9") == "/users/{param}/orders/{id}");
  CHECK(lookup(t, "/users/zed/repos/r1") == "/users/{param}/repos/r1");
  // Grandchildren merged from different names count together: a fourth repo name promotes.
  CHECK(templ(t, "/users/erin/repos/r2") == "/users/{param}/repos/r2");
  CHECK(templ(t, "/users/erin/repos/r3") == "/users/{param}/repos/r3");
  CHECK(templ(t, "/users/erin/repos/r4") == "/users/{param}/repos/{param}");
  CHECK(t.counters().promoted == 2);
  CHECK(lookup(t, "/users/x/repos/r1") == "/users/{param}/repos/{param}");
}

TEST_CASE("PathTemplater: promotion of a parent promotes merged children", "[template]") {
  TemplateConfig cfg;
  cfg.param_min_distinct = 2;
  PathTemplater t(cfg);
  // Two names with two files each, three files in all: merged, the files exceed the limit.
  for (auto p : {"/u/ann/f1", "/u/ann/f2", "/u/ben/f2", "/u/ben/f3"}) CHECK(templ(t, p) == p);
  CHECK(t.counters().promoted == 0);
  CHECK(lookup(t, "/u/cat/f1") == "/u/{param}/f1");  // lookup does not merge
  CHECK(templ(t, "/u/cat/f1") == "/u/{param}/{param}");
  CHECK(t.counters().promoted == 2);
  CHECK(lookup(t, "/u/ann/f1") == "/u/{param}/{param}");
}

TEST_CASE("PathTemplater: over-long literal segments are parameters", "[template]") {
  TemplateConfig cfg;
  cfg.max_literal_len = 16;
  PathTemplater t(cfg);
  CHECK(templ(t, "/blog/a-rather-long-slug") == "/blog/{param}");
  CHECK(templ(t, "/blog/short-slug") == "/blog/short-slug");
  CHECK(templ(t, "/blog/another-long-slug-here/comments") == "/blog/{param}/comments");
  CHECK(t.counters().long_segments == 2);
  CHECK(lookup(t, "/blog/yet-another-long-slug/comments") == "/blog/{param}/comments");
}

TEST_CASE("PathTemplater: host cap", "[template]") {
  TemplateConfig cfg;
  cfg.max_hosts = 2;
  cfg.param_min_distinct = 1;
  PathTemplater t(cfg);
  templ(t, "/a", "one");
  templ(t, "/a", "two");
  CHECK(templ(t, "/b", "one") == "/{param}");
  // A third host is templated by shape only: no promotion, and counted.
  CHECK(templ(t, "/a/5", "three") == "/a/{id}");
  CHECK(templ(t, "/b/5", "three") == "/b/{id}");
  CHECK(t.counters().hosts == 2);
  CHECK(t.counters().hosts_capped == 2);
  CHECK(lookup(t, "/c", "three") == "/c");
  CHECK(lookup(t, "/c", "one") == "/{param}");
}

TEST_CASE("PathTemplater: node cap", "[template]") {
  TemplateConfig cfg;
  cfg.max_nodes_per_host = 4;  // the root and three more
  cfg.param_min_distinct = 2;
  PathTemplater t(cfg);
  CHECK(templ(t, "/a/b/c") == "/a/b/c");
  CHECK(t.counters().nodes == 4);
  CHECK(t.counters().nodes_capped == 0);
  // No room for "d": literal as sent, the rest by shape only, one count per segment not learnt.
  CHECK(templ(t, "/a/b/c/d/9") == "/a/b/c/d/{id}");
  CHECK(t.counters().nodes_capped == 1);
  CHECK(templ(t, "/x/y") == "/x/y");
  CHECK(t.counters().nodes_capped == 2);
  CHECK(t.counters().nodes == 4);
  // Capped segments are not learnt, so they do not count as distinct: no promotion.
  CHECK(templ(t, "/z/b/c") == "/z/b/c");
  CHECK(t.counters().nodes_capped == 3);
  CHECK(t.counters().promoted == 0);
}

TEST_CASE("PathTemplater: node cap, promotion frees nodes", "[template]") {
  TemplateConfig cfg;
  cfg.max_nodes_per_host = 8;
  cfg.param_min_distinct = 3;
  PathTemplater t(cfg);
  for (auto n : {"a", "b", "c"}) templ(t, std::string("/u/") + n + "/x");
  CHECK(t.counters().nodes == 8);  // root, u, 3 names, 3 "x"
  CHECK(templ(t, "/u/d/x") == "/u/{param}/x");
  CHECK(t.counters().promoted == 1);
  CHECK(t.counters().nodes == 4);  // root, u, param, x
  CHECK(templ(t, "/v/1/2") == "/v/{id}/{id}");
  CHECK(t.counters().nodes == 7);
}

TEST_CASE("PathTemplater: segment cap", "[template]") {
  TemplateConfig cfg;
  cfg.max_segments = 3;
  PathTemplater t(cfg);
  CHECK(templ(t, "/a/b/c") == "/a/b/c");
  CHECK(t.counters().segments_capped == 0);
  CHECK(templ(t, "/a/b/c/d") == "/a/b/c/{rest}");
  CHECK(templ(t, "/a/1/c/d/e/f//") == "/a/{id}/c/{rest}");
  CHECK(templ(t, "/a/b/c/") == "/a/b/c");
  CHECK(t.counters().segments_capped == 2);
  CHECK(lookup(t, "/a/b/c/d") == "/a/b/c/{rest}");
}

TEST_CASE("PathTemplater: lookup does not learn", "[template]") {
  TemplateConfig cfg;
  cfg.param_min_distinct = 2;
  PathTemplater t(cfg);
  templ(t, "/u/a");
  templ(t, "/u/b");
  const TemplateCounters before = t.counters();
  // A third name would promote under templ; lookup says so but changes nothing.
  CHECK(lookup(t, "/u/c/x") == "/u/{param}/x");
  CHECK(lookup(t, "/u/a") == "/u/a");
  CHECK(lookup(t, "/new/1", "other-host") == "/new/{id}");
  CHECK(lookup(t, "/u/a/deeper/5") == "/u/a/deeper/{id}");
  CHECK(t.counters().paths == before.paths);
  CHECK(t.counters().nodes == before.nodes);
  CHECK(t.counters().hosts == before.hosts);
  CHECK(t.counters().promoted == 0);
  CHECK(templ(t, "/u/a") == "/u/a");
  CHECK(templ(t, "/u/c") == "/u/{param}");
}

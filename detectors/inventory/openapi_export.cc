// OpenAPI 3.0.3 export. Choices the inventory forces:
// - Paths are global in OpenAPI, endpoints are per host: the same (template, method) on several
//   hosts becomes one operation merged from all of them (unions of codes, kinds, types, classes;
//   a parameter typed differently on two hosts is "mixed"), with `servers` naming those hosts
//   when the document has more than one server, and x-mirador-hosts listing them.
// - Placeholders the templater writes ("{id}", "{uuid}", …, "{param}", "{rest}") become path
//   parameters, numbered when repeated ({id}, {id2}); any other brace in a template is a literal
//   and is percent-encoded so that it is not read as a parameter.
// - JSON body keys stay flat property names ("a.b" is one property named "a.b"): the inventory
//   does not keep the nesting's types (an "a" object is not recorded as such), and a flat list
//   says exactly what was seen.
// - The inventory does not tie content types to status codes: each response lists every
//   response content type seen on the endpoint. Status codes OpenAPI cannot key (outside
//   100–599) go to x-mirador-other-status.
// - Strings are escaped here (detectors/ does not depend on sensor/'s JSON writer); bytes that
//   are not valid UTF-8 are written as the text "\xNN", so the document is always valid JSON.
#include "detectors/inventory/openapi_export.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace mirador::detect {
namespace {

// Length of the valid UTF-8 sequence at s[i], 0 when it is not one.
size_t utf8_len(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  const auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;
}

void str(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else if (c >= 0x80) {
      const size_t n = utf8_len(s, i);
      if (n == 0) {
        out += "\\\\x";
        out += kHex[c >> 4];
        out += kHex[c & 15];
        ++i;
        continue;
      }
      out.append(s.substr(i, n));
      i += n;
      continue;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
  out += '"';
}

void rfc3339(std::string& out, int64_t us) {
  int64_t secs = us / 1'000'000;
  int64_t frac = us % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    --secs;
  }
  const time_t t = static_cast<time_t>(secs);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ\"", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(frac));
  out += buf;
}

void str_array(std::string& out, const std::vector<std::string>& v) {
  out += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    str(out, v[i]);
  }
  out += ']';
}

// Sorted-set union into `into`.
void merge_set(std::vector<std::string>& into, const std::vector<std::string>& from) {
  std::vector<std::string> u;
  std::set_union(into.begin(), into.end(), from.begin(), from.end(), std::back_inserter(u));
  into.swap(u);
}

int level(std::string_view s) {
  return s == "high" ? 2 : s == "medium" ? 1 : 0;
}

// One operation: the endpoint, or several hosts' endpoints of one (template, method) merged.
struct Op {
  Endpoint ep;
  std::vector<std::string> hosts;
};

void merge(Op& op, const Endpoint& e) {
  Endpoint& m = op.ep;
  // Another host, or another template of the same shape on a host already listed.
  if (std::find(op.hosts.begin(), op.hosts.end(), e.host) == op.hosts.end())
    op.hosts.push_back(e.host);
  m.first_seen_us = std::min(m.first_seen_us, e.first_seen_us);
  m.last_seen_us = std::max(m.last_seen_us, e.last_seen_us);
  m.count += e.count;
  for (const auto& [code, n] : e.status_codes) {
    auto it =
        std::lower_bound(m.status_codes.begin(), m.status_codes.end(), code,
                         [](const std::pair<int, uint64_t>& a, int b) { return a.first < b; });
    if (it != m.status_codes.end() && it->first == code)
      it->second += n;
    else
      m.status_codes.emplace(it, code, n);
  }
  merge_set(m.auth_kinds, e.auth_kinds);
  merge_set(m.request_content_types, e.request_content_types);
  merge_set(m.response_content_types, e.response_content_types);
  merge_set(m.request_data_classes, e.request_data_classes);
  merge_set(m.response_data_classes, e.response_data_classes);
  for (const Endpoint::Param& p : e.params) {
    auto it = std::lower_bound(m.params.begin(), m.params.end(), p,
                               [](const Endpoint::Param& a, const Endpoint::Param& b) {
                                 return a.in != b.in ? a.in < b.in : a.name < b.name;
                               });
    if (it != m.params.end() && it->in == p.in && it->name == p.name) {
      it->count += p.count;
      if (it->type != p.type) it->type = "mixed";
    } else {
      m.params.insert(it, p);
    }
  }
  if (level(e.sensitivity) > level(m.sensitivity)) m.sensitivity = e.sensitivity;
}

bool is_placeholder(std::string_view name) {
  for (std::string_view p :
       {"id", "uuid", "hex", "token", "phone", "email", "date", "param", "rest"})
    if (name == p) return true;
  return false;
}

struct PathParam {
  std::string name;  // as declared: "id", "id2"
  std::string kind;  // the placeholder: "id"
};

// A template's shape (its placeholders as "{}", literal braces percent-encoded so that "{}" is
// never literal) and its placeholders' kinds in order.
void split_template(std::string_view templ, std::string& shape, std::vector<std::string>& kinds) {
  shape.clear();
  kinds.clear();
  if (templ.empty() || templ.front() != '/') shape += '/';
  size_t i = 0;
  while (i < templ.size()) {
    size_t end = templ.find('/', i + 1);
    if (end == std::string_view::npos) end = templ.size();
    std::string_view seg = templ.substr(i, end - i);
    if (seg.front() == '/') {
      shape += '/';
      seg.remove_prefix(1);
    }
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}' &&
        is_placeholder(seg.substr(1, seg.size() - 2))) {
      shape += "{}";
      kinds.emplace_back(seg.substr(1, seg.size() - 2));
    } else {
      for (char c : seg) {
        if (c == '{')
          shape += "%7B";
        else if (c == '}')
          shape += "%7D";
        else
          shape += c;
      }
    }
    i = end;
  }
}

// The OpenAPI path of a shape: placeholders named by kind, numbered when repeated ({id}, {id2}).
std::string render_path(std::string_view shape, const std::vector<std::string>& kinds,
                        std::vector<PathParam>& params) {
  std::string out;
  size_t k = 0;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == '{' && i + 1 < shape.size() && shape[i + 1] == '}' && k < kinds.size()) {
      PathParam p{kinds[k], kinds[k]};
      int n = 0;
      for (size_t j = 0; j <= k; ++j) n += kinds[j] == kinds[k];
      if (n > 1) p.name += std::to_string(n);
      out += '{';
      out += p.name;
      out += '}';
      params.push_back(std::move(p));
      ++k;
      ++i;
    } else {
      out += shape[i];
    }
  }
  return out;
}

void path_param_schema(std::string& out, std::string_view kind) {
  if (kind == "id")
    out += R"({"type":"integer"})";
  else if (kind == "uuid")
    out += R"({"type":"string","format":"uuid"})";
  else if (kind == "email")
    out += R"({"type":"string","format":"email"})";
  else if (kind == "date")
    out += R"({"type":"string","format":"date"})";
  else
    out += R"({"type":"string"})";
}

// A schema for an observed value type; "mixed" (or anything unknown) has no type.
void type_schema(std::string& out, std::string_view type) {
  if (type == "array") {
    out += R"({"type":"array","items":{}})";
  } else if (type == "integer" || type == "number" || type == "boolean" || type == "string" ||
             type == "object") {
    out += R"({"type":)";
    str(out, type);
    out += '}';
  } else {
    out += "{}";
  }
}

bool is_json_media(std::string_view ct) {
  return ct == "application/json" || (ct.size() > 5 && ct.substr(ct.size() - 5) == "+json");
}

// Security schemes by credential kind; "" for kinds OpenAPI cannot name.
std::string_view scheme_json(std::string_view kind) {
  if (kind == "bearer_jwt")
    return R"({"type":"http","scheme":"bearer","bearerFormat":"JWT","description":"Authorization: Bearer with a JWT, as observed"})";
  if (kind == "bearer_opaque")
    return R"({"type":"http","scheme":"bearer","description":"Authorization: Bearer with an opaque token, as observed"})";
  if (kind == "basic")
    return R"({"type":"http","scheme":"basic","description":"Authorization: Basic, as observed"})";
  if (kind == "api_key")
    return R"({"type":"apiKey","in":"header","name":"X-API-Key","description":"An API key was observed in a configured header or query parameter; the inventory does not keep which one, so the name and place here are a placeholder"})";
  if (kind == "session_cookie")
    return R"({"type":"apiKey","in":"cookie","name":"session","description":"A session cookie was observed; the inventory does not keep the cookie's name, so the name here is a placeholder"})";
  return {};
}

std::string operation_id(std::string_view method, std::string_view path,
                         std::set<std::string>& used) {
  std::string id;
  for (char c : method) id += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  bool sep = true;
  for (char c : path) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (word) {
      if (sep) id += '_';
      id += c;
      sep = false;
    } else {
      sep = true;
    }
  }
  if (path == "/") id += "_root";
  std::string unique = id;
  for (int n = 2; !used.insert(unique).second; ++n) unique = id + "_" + std::to_string(n);
  return unique;
}

void write_operation(std::string& out, const Op& op, const std::vector<PathParam>& path_params,
                     bool multi_server, std::set<std::string>& ids, std::string_view path) {
  const Endpoint& e = op.ep;
  out += '{';
  out += R"("operationId":)";
  str(out, operation_id(e.method, path, ids));
  if (multi_server) {
    out += R"(,"servers":[)";
    for (size_t i = 0; i < op.hosts.size(); ++i) {
      if (i) out += ',';
      out += R"({"url":)";
      str(out, "http://" + op.hosts[i]);
      out += '}';
    }
    out += ']';
  }

  // Parameters: every path placeholder (required), then the query parameters seen.
  out += R"(,"parameters":[)";
  bool first = true;
  for (const PathParam& p : path_params) {
    if (!first) out += ',';
    first = false;
    out += R"({"name":)";
    str(out, p.name);
    out += R"(,"in":"path","required":true,"schema":)";
    path_param_schema(out, p.kind);
    out += '}';
  }
  bool body = false;
  for (const Endpoint::Param& p : e.params) {
    if (p.in == "body") body = true;
    if (p.in != "query") continue;
    if (!first) out += ',';
    first = false;
    out += R"({"name":)";
    str(out, p.name);
    out += R"(,"in":"query","schema":)";
    type_schema(out, p.type);
    out += R"(,"x-mirador-count":)";
    out += std::to_string(p.count);
    out += '}';
  }
  out += ']';

  if (body || !e.request_content_types.empty()) {
    std::vector<std::string> types = e.request_content_types;
    if (types.empty()) types.push_back("application/json");  // body keys are JSON keys
    out += R"(,"requestBody":{"content":{)";
    for (size_t i = 0; i < types.size(); ++i) {
      if (i) out += ',';
      str(out, types[i]);
      out += R"(:{"schema":)";
      if (is_json_media(types[i])) {
        out += R"({"type":"object","properties":{)";
        bool f = true;
        for (const Endpoint::Param& p : e.params) {
          if (p.in != "body") continue;
          if (!f) out += ',';
          f = false;
          str(out, p.name);
          out += ':';
          type_schema(out, p.type);
        }
        out += "}}";
      } else {
        out += "{}";
      }
      out += '}';
    }
    out += "}}";
  }

  out += R"(,"responses":{)";
  std::vector<int> other;
  bool any = false;
  for (const auto& [code, n] : e.status_codes) {
    if (code < 100 || code > 599) {
      other.push_back(code);
      continue;
    }
    if (any) out += ',';
    any = true;
    out += '"';
    out += std::to_string(code);
    out += R"(":{"description":)";
    str(out, "Observed " + std::to_string(n) + " time" + (n == 1 ? "" : "s"));
    if (!e.response_content_types.empty()) {
      out += R"(,"content":{)";
      for (size_t i = 0; i < e.response_content_types.size(); ++i) {
        if (i) out += ',';
        str(out, e.response_content_types[i]);
        out += ":{}";
      }
      out += '}';
    }
    out += '}';
  }
  if (!any)
    out += R"("default":{"description":"No response with a standard status code observed"})";
  out += '}';

  // Security: one alternative per credential kind; {} (none needed) when some requests carried
  // none; [] when none ever did.
  std::vector<std::string_view> kinds;
  bool anonymous = false;
  for (const std::string& k : e.auth_kinds) {
    if (k == "none")
      anonymous = true;
    else if (!scheme_json(k).empty())
      kinds.push_back(k);
  }
  if (!kinds.empty()) {
    out += R"(,"security":[)";
    for (size_t i = 0; i < kinds.size(); ++i) {
      if (i) out += ',';
      out += '{';
      str(out, kinds[i]);
      out += ":[]}";
    }
    if (anonymous) out += ",{}";
    out += ']';
  } else if (anonymous) {
    out += R"(,"security":[])";
  }

  out += R"(,"x-mirador-first-seen":)";
  rfc3339(out, e.first_seen_us);
  out += R"(,"x-mirador-last-seen":)";
  rfc3339(out, e.last_seen_us);
  out += R"(,"x-mirador-count":)";
  out += std::to_string(e.count);
  out += R"(,"x-mirador-data-classes":{"request":)";
  str_array(out, e.request_data_classes);
  out += R"(,"response":)";
  str_array(out, e.response_data_classes);
  out += R"(},"x-mirador-sensitivity":)";
  str(out, e.sensitivity);
  out += R"(,"x-mirador-auth-kinds":)";
  str_array(out, e.auth_kinds);
  out += R"(,"x-mirador-hosts":)";
  str_array(out, op.hosts);
  if (!other.empty()) {
    out += R"(,"x-mirador-other-status":[)";
    for (size_t i = 0; i < other.size(); ++i) {
      if (i) out += ',';
      out += std::to_string(other[i]);
    }
    out += ']';
  }
  out += '}';
}

// OpenAPI's path item keys, lower-case; other methods are listed under x-mirador-other-methods.
bool openapi_method(std::string_view m, std::string& key) {
  key.clear();
  for (char c : m) key += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (std::string_view k : {"get", "put", "post", "delete", "options", "head", "patch", "trace"})
    if (key == k) return true;
  return false;
}

}  // namespace

void export_openapi(const Inventory& inv, const OpenApiOptions& opt, std::string& out) {
  // Endpoints by (shape, method key): one operation each, merged across hosts. Templates of one
  // shape with different placeholders at a position ("/u/{id}", "/u/{uuid}") are one OpenAPI
  // path (OpenAPI forbids both): that position becomes "{param}".
  std::map<std::pair<std::string, std::string>, Op> ops;
  std::map<std::string, std::vector<std::string>> shape_kinds;
  std::vector<std::string> hosts;
  std::vector<std::pair<std::string, std::string>> other_methods;  // (template, method)
  std::set<std::string> schemes;
  std::string shape, method;
  std::vector<std::string> kinds;
  inv.for_each([&](const Endpoint& e) {
    if (!opt.host.empty() && e.host != opt.host) return;
    if (hosts.empty() || hosts.back() != e.host) hosts.push_back(e.host);  // for_each: by host
    if (!openapi_method(e.method, method)) {
      other_methods.emplace_back(e.path_template, e.method);
      return;
    }
    for (const std::string& k : e.auth_kinds)
      if (!scheme_json(k).empty()) schemes.insert(k);
    split_template(e.path_template, shape, kinds);
    auto [sk, fresh] = shape_kinds.try_emplace(shape, kinds);
    if (!fresh)
      for (size_t i = 0; i < kinds.size(); ++i)
        if (sk->second[i] != kinds[i]) sk->second[i] = "param";
    auto [it, added] = ops.try_emplace({shape, method});
    if (added) {
      it->second.ep = e;
      it->second.ep.host.clear();
      it->second.hosts.push_back(e.host);
    } else {
      merge(it->second, e);
    }
  });
  const bool multi_server = hosts.size() > 1;

  out += R"({"openapi":"3.0.3","info":{"title":)";
  str(out, opt.title);
  out += R"(,"version":)";
  str(out, opt.version);
  out +=
      R"(,"description":"Generated from observed traffic by Mirador's passive inventory: it describes what was seen, not everything the APIs accept."},"servers":[)";
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (i) out += ',';
    out += R"({"url":)";
    str(out, "http://" + hosts[i]);
    out += '}';
  }
  out += R"(],"paths":{)";
  std::set<std::string> ids;
  for (auto it = ops.begin(); it != ops.end();) {
    if (it != ops.begin()) out += ',';
    const std::string& op_shape = it->first.first;
    std::vector<PathParam> params;
    const std::string path = render_path(op_shape, shape_kinds[op_shape], params);
    str(out, path);
    out += ":{";
    for (bool first = true; it != ops.end() && it->first.first == op_shape; ++it, first = false) {
      if (!first) out += ',';
      str(out, it->first.second);
      out += ':';
      write_operation(out, it->second, params, multi_server, ids, path);
    }
    out += '}';
  }
  out += '}';
  out += R"(,"components":{"securitySchemes":{)";
  bool first = true;
  for (const std::string& s : schemes) {
    if (!first) out += ',';
    first = false;
    str(out, s);
    out += ':';
    out += scheme_json(s);
  }
  out += "}}";
  if (!other_methods.empty()) {
    // Methods OpenAPI 3.0 has no key for (PROPFIND, custom verbs): listed, not described.
    out += R"(,"x-mirador-other-methods":[)";
    for (size_t i = 0; i < other_methods.size(); ++i) {
      if (i) out += ',';
      out += R"({"path":)";
      str(out, other_methods[i].first);
      out += R"(,"method":)";
      str(out, other_methods[i].second);
      out += '}';
    }
    out += ']';
  }
  out += '}';
}

}  // namespace mirador::detect

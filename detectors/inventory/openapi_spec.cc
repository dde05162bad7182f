#include "detectors/inventory/openapi_spec.h"

#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "decoders/ascii.h"

namespace mirador::detect {

namespace {

constexpr uint32_t kNone = UINT32_MAX;
// Deeper spec paths are an error; deeper requests cannot match any (kMaxSegments covers both).
constexpr size_t kMaxPathSegments = 48;
constexpr size_t kMaxPrefixSegments = 16;
constexpr size_t kMaxSegments = kMaxPathSegments + kMaxPrefixSegments;
constexpr size_t kDecodeBuffer = 4096;  // decoded bytes of one request path held on the stack

constexpr std::array<std::string_view, 8> kMethods = {"get",   "put",  "post",    "delete",
                                                      "patch", "head", "options", "trace"};
constexpr uint8_t kGetBit = 1u << 0;
constexpr uint8_t kHeadBit = 1u << 5;

// The bit of an operation name, 0 when it is not one (compared case-insensitively).
uint8_t method_bit(std::string_view m) {
  for (size_t i = 0; i < kMethods.size(); ++i) {
    if (ascii_iequals(m, kMethods[i])) return static_cast<uint8_t>(1u << i);
  }
  return 0;
}

[[noreturn]] void fail(std::string_view origin, const std::string& what) {
  throw std::runtime_error(std::string(origin) + ": " + what);
}

// What this module reads of a document, filled by the JSON or the YAML reader.
struct RawDoc {
  std::string version;  // "openapi" or "swagger" value
  bool swagger = false;
  std::vector<std::string> prefixes;  // server URL paths or basePath, as written
  struct PathItem {
    std::string key;
    uint8_t ops = 0, deprecated = 0;
    bool ref_only = false;
  };
  std::vector<PathItem> paths;
  size_t operations = 0;
};

void count_operation(RawDoc& d, const OpenApiSpecLimits& lim, std::string_view origin) {
  if (++d.operations > lim.max_operations) {
    fail(origin, "more than " + std::to_string(lim.max_operations) +
                     " operations (inventory.spec_max_operations)");
  }
}

void add_path(RawDoc& d, const OpenApiSpecLimits& lim, std::string_view origin, std::string key) {
  if (d.paths.size() == lim.max_paths) {
    fail(origin,
         "more than " + std::to_string(lim.max_paths) + " paths (inventory.spec_max_paths)");
  }
  d.paths.push_back({std::move(key)});
}

// Replaces "{name}" in a server URL with the variable's default.
std::string substitute(std::string_view url, const std::map<std::string, std::string>& defaults,
                       std::string_view origin, std::string_view where) {
  std::string out;
  size_t i = 0;
  while (i < url.size()) {
    if (url[i] != '{') {
      out += url[i++];
      continue;
    }
    const size_t close = url.find('}', i);
    if (close == std::string_view::npos) fail(origin, std::string(where) + ": unbalanced '{'");
    const std::string name(url.substr(i + 1, close - i - 1));
    auto it = defaults.find(name);
    if (it == defaults.end()) {
      fail(origin, std::string(where) + ": variable {" + name + "} has no default");
    }
    out += it->second;
    i = close + 1;
  }
  return out;
}

// ---- JSON (simdjson DOM) ------------------------------------------------------------------------

std::string json_where(std::string_view a, std::string_view b = {}, std::string_view c = {}) {
  std::string w(a);
  if (!b.empty()) (w += '.') += b;
  if (!c.empty()) (w += '.') += c;
  return w;
}

void read_json(std::string_view text, std::string_view origin, const OpenApiSpecLimits& lim,
               RawDoc& d) {
  using namespace simdjson;
  dom::parser parser;
  padded_string padded(text);
  dom::element root;
  if (auto err = parser.parse(padded).get(root)) {
    fail(origin, std::string("not valid JSON: ") + error_message(err));
  }
  dom::object top;
  if (root.get_object().get(top)) fail(origin, "the document is not a JSON object");
  std::string_view s;
  dom::element paths;
  bool have_paths = false;
  for (auto field : top) {
    const std::string_view key = field.key;
    if (key == "openapi" || key == "swagger") {
      if (field.value.get_string().get(s)) fail(origin, std::string(key) + ": not a string");
      d.version.assign(s);
      d.swagger = key == "swagger";
    } else if (key == "basePath") {
      if (field.value.get_string().get(s)) fail(origin, "basePath: not a string");
      d.prefixes.emplace_back(s);
    } else if (key == "servers") {
      dom::array servers;
      if (field.value.get_array().get(servers)) fail(origin, "servers: not an array");
      size_t i = 0;
      for (dom::element server : servers) {
        const std::string where = "servers[" + std::to_string(i++) + "]";
        std::string_view url;
        if (server["url"].get_string().get(url))
          fail(origin, where + ".url: missing or not a string");
        std::map<std::string, std::string> defaults;
        dom::object vars;
        if (!server["variables"].get_object().get(vars)) {
          for (auto v : vars) {
            std::string_view def;
            if (v.value["default"].get_string().get(def)) {
              fail(origin, where + ".variables." + std::string(v.key) + ".default: missing");
            }
            defaults[std::string(v.key)] = std::string(def);
          }
        }
        d.prefixes.push_back(substitute(url, defaults, origin, where + ".url"));
      }
    } else if (key == "paths") {
      paths = field.value;
      have_paths = true;
    }
  }
  if (!have_paths) return;
  dom::object path_obj;
  if (paths.get_object().get(path_obj)) fail(origin, "paths: not an object");
  for (auto p : path_obj) {
    const std::string_view pkey = p.key;
    if (pkey.substr(0, 2) == "x-") continue;  // extensions
    dom::object item;
    if (p.value.get_object().get(item)) fail(origin, json_where("paths", pkey) + ": not an object");
    add_path(d, lim, origin, std::string(pkey));
    RawDoc::PathItem& pi = d.paths.back();
    bool ref = false;
    for (auto op : item) {
      if (op.key == "$ref") ref = true;
      const uint8_t bit = method_bit(op.key);
      if (bit == 0) continue;  // parameters, summary, servers…
      dom::object op_obj;
      if (op.value.get_object().get(op_obj)) {
        fail(origin, json_where("paths", pkey, op.key) + ": not an object");
      }
      count_operation(d, lim, origin);
      pi.ops |= bit;
      dom::element dep;
      if (!op_obj["deprecated"].get(dep)) {
        bool b = false;
        if (dep.get_bool().get(b)) {
          fail(origin, json_where("paths", pkey, op.key) + ".deprecated: not a boolean");
        }
        if (b) pi.deprecated |= bit;
      }
    }
    pi.ref_only = ref && pi.ops == 0;
  }
}

// ---- YAML (yaml-cpp) ----------------------------------------------------------------------------

std::string yaml_where(const YAML::Node& n, const std::string& what) {
  if (!n.IsDefined()) return what;
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return what;
  return "line " + std::to_string(m.line + 1) + ": " + what;
}

std::string yaml_string(const YAML::Node& n, std::string_view origin, const std::string& what) {
  if (!n.IsDefined() || !n.IsScalar()) {
    fail(origin, yaml_where(n, what + ": missing or not a string"));
  }
  return n.Scalar();
}

void read_yaml(std::string_view text, std::string_view origin, const OpenApiSpecLimits& lim,
               RawDoc& d) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    fail(origin, "not valid YAML: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) fail(origin, "the document is not a mapping (neither JSON nor YAML object)");
  const YAML::Node& top = root;
  YAML::Node paths;
  for (const auto& kv : top) {
    if (!kv.first.IsScalar()) continue;
    const std::string& key = kv.first.Scalar();
    if (key == "openapi" || key == "swagger") {
      d.version = yaml_string(kv.second, origin, key);
      d.swagger = key == "swagger";
    } else if (key == "basePath") {
      d.prefixes.push_back(yaml_string(kv.second, origin, "basePath"));
    } else if (key == "servers") {
      if (!kv.second.IsSequence()) fail(origin, yaml_where(kv.second, "servers: not a list"));
      size_t i = 0;
      for (const YAML::Node& server : kv.second) {
        const std::string where = "servers[" + std::to_string(i++) + "]";
        if (!server.IsMap()) fail(origin, yaml_where(server, where + ": not a mapping"));
        const std::string url = yaml_string(server["url"], origin, where + ".url");
        std::map<std::string, std::string> defaults;
        const YAML::Node vars = server["variables"];
        if (vars.IsDefined() && vars.IsMap()) {
          for (const auto& v : vars) {
            const std::string name = v.first.Scalar();
            const YAML::Node def = v.second.IsMap() ? v.second["default"] : YAML::Node();
            if (!def.IsDefined() || !def.IsScalar()) {
              fail(origin,
                   yaml_where(v.second, where + ".variables." + name + ".default: missing"));
            }
            defaults[name] = def.Scalar();
          }
        }
        d.prefixes.push_back(substitute(url, defaults, origin, where + ".url"));
      }
    } else if (key == "paths") {
      paths = kv.second;
    }
  }
  if (!paths.IsDefined() || paths.IsNull()) return;
  if (!paths.IsMap()) fail(origin, yaml_where(paths, "paths: not a mapping"));
  for (const auto& p : paths) {
    const std::string pkey = yaml_string(p.first, origin, "paths key");
    if (pkey.substr(0, 2) == "x-") continue;
    const std::string where = "paths." + pkey;
    if (!p.second.IsMap()) fail(origin, yaml_where(p.second, where + ": not a mapping"));
    add_path(d, lim, origin, pkey);
    RawDoc::PathItem& pi = d.paths.back();
    bool ref = false;
    for (const auto& op : p.second) {
      if (!op.first.IsScalar()) continue;
      if (op.first.Scalar() == "$ref") ref = true;
      const uint8_t bit = method_bit(op.first.Scalar());
      if (bit == 0) continue;
      const std::string owhere = where + "." + op.first.Scalar();
      if (!op.second.IsMap()) fail(origin, yaml_where(op.second, owhere + ": not a mapping"));
      count_operation(d, lim, origin);
      pi.ops |= bit;
      const YAML::Node dep = op.second["deprecated"];
      if (dep.IsDefined() && !dep.IsNull()) {
        bool b = false;
        if (!dep.IsScalar() || !YAML::convert<bool>::decode(dep, b)) {
          fail(origin, yaml_where(dep, owhere + ".deprecated: not a boolean"));
        }
        if (b) pi.deprecated |= bit;
      }
    }
    pi.ref_only = ref && pi.ops == 0;
  }
}

// ---- segments -----------------------------------------------------------------------------------

// Calls f(segment) for each non-empty segment of a '/'-separated path.
template <typename F>
void for_each_segment(std::string_view path, F&& f) {
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i && !f(path.substr(i, j - i))) return;
    i = j + 1;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A mixed segment: literal pieces around parameters ("{name}.json" → "", ".json").
struct Pattern {
  std::vector<std::string> pieces;  // parameters between consecutive pieces
};

// Each parameter takes at least one character; middle pieces are placed leftmost, which leaves
// the most room for the rest (the greedy glob match).
bool pattern_matches(const Pattern& p, std::string_view s) {
  const std::string& first = p.pieces.front();
  const std::string& last = p.pieces.back();
  if (s.size() < first.size() + last.size() + 1) return false;
  if (s.substr(0, first.size()) != first) return false;
  if (s.substr(s.size() - last.size()) != last) return false;
  size_t pos = first.size();
  const size_t end = s.size() - last.size();
  for (size_t i = 1; i + 1 < p.pieces.size(); ++i) {
    const std::string& piece = p.pieces[i];
    const size_t at = s.substr(0, end).find(piece, pos + 1);
    if (at == std::string_view::npos) return false;
    pos = at + piece.size();
  }
  return end >= pos + 1;
}

}  // namespace

struct OpenApiSpec::Impl {
  struct Node {
    std::map<std::string, uint32_t, std::less<>> literals;
    std::vector<std::pair<Pattern, uint32_t>> mixed;
    uint32_t param = kNone;
    uint8_t ops = 0, deprecated = 0;
    uint32_t path = kNone;  // index in paths: the first document path ending here
  };
  std::vector<Node> nodes;  // nodes[0] is the root
  std::vector<std::string> paths;
  // Server prefixes as segments, longest first; one empty prefix when the API is served at "/".
  std::vector<std::vector<std::string>> prefixes;
  std::string version;
  size_t operations = 0, deprecated_operations = 0;

  uint32_t child(uint32_t at, std::string_view seg, std::string_view origin,
                 const std::string& path);
  uint32_t find(uint32_t at, const std::string_view* segs, size_t n, uint8_t bit) const;
};

uint32_t OpenApiSpec::Impl::child(uint32_t at, std::string_view seg, std::string_view origin,
                                  const std::string& path) {
  const size_t open = seg.find('{');
  if (open == std::string_view::npos) {
    if (seg.find('}') != std::string_view::npos)
      fail(origin, "path '" + path + "': unbalanced '}'");
    auto it = nodes[at].literals.find(seg);
    if (it != nodes[at].literals.end()) return it->second;
    const auto idx = static_cast<uint32_t>(nodes.size());
    nodes[at].literals.emplace(std::string(seg), idx);
    nodes.emplace_back();
    return idx;
  }
  Pattern p;
  std::string piece;
  for (size_t i = 0; i < seg.size(); ++i) {
    if (seg[i] == '}') fail(origin, "path '" + path + "': unbalanced '}'");
    if (seg[i] != '{') {
      piece += seg[i];
      continue;
    }
    const size_t close = seg.find('}', i);
    if (close == std::string_view::npos ||
        seg.substr(i + 1, close - i - 1).find('{') != std::string_view::npos) {
      fail(origin, "path '" + path + "': unbalanced '{'");
    }
    p.pieces.push_back(std::move(piece));
    piece.clear();
    i = close;
  }
  p.pieces.push_back(std::move(piece));
  if (p.pieces.size() == 2 && p.pieces[0].empty() && p.pieces[1].empty()) {  // "{x}"
    if (nodes[at].param == kNone) {
      const auto idx = static_cast<uint32_t>(nodes.size());
      nodes[at].param = idx;
      nodes.emplace_back();
    }
    return nodes[at].param;
  }
  for (const auto& [q, idx] : nodes[at].mixed) {
    if (q.pieces == p.pieces) return idx;
  }
  const auto idx = static_cast<uint32_t>(nodes.size());
  nodes[at].mixed.emplace_back(std::move(p), idx);
  nodes.emplace_back();
  return idx;
}

// Depth-first, literal before mixed before parameter: the first node at the end of the path that
// has the method (HEAD: or GET). The trie is a tree, so each node is visited at most once.
uint32_t OpenApiSpec::Impl::find(uint32_t at, const std::string_view* segs, size_t n,
                                 uint8_t bit) const {
  const Node& node = nodes[at];
  if (n == 0) {
    const bool has = (node.ops & bit) || (bit == kHeadBit && (node.ops & kGetBit));
    return has ? at : kNone;
  }
  auto it = node.literals.find(segs[0]);
  if (it != node.literals.end()) {
    const uint32_t r = find(it->second, segs + 1, n - 1, bit);
    if (r != kNone) return r;
  }
  for (const auto& [p, idx] : node.mixed) {
    if (!pattern_matches(p, segs[0])) continue;
    const uint32_t r = find(idx, segs + 1, n - 1, bit);
    if (r != kNone) return r;
  }
  if (node.param != kNone) return find(node.param, segs + 1, n - 1, bit);
  return kNone;
}

OpenApiSpec::OpenApiSpec(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OpenApiSpec::~OpenApiSpec() = default;

std::shared_ptr<const OpenApiSpec> OpenApiSpec::parse(std::string_view text,
                                                      std::string_view origin,
                                                      const OpenApiSpecLimits& limits) {
  RawDoc d;
  size_t first = 0;
  // A UTF-8 byte order mark, then white space.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") first = 3;
  while (first < text.size() && (text[first] == ' ' || text[first] == '\t' || text[first] == '\r' ||
                                 text[first] == '\n')) {
    ++first;
  }
  if (first == text.size()) fail(origin, "empty document");
  if (text[first] == '{') {
    read_json(text.substr(first), origin, limits, d);
  } else {
    try {
      read_yaml(text.substr(first), origin, limits, d);
    } catch (const YAML::Exception& e) {
      fail(origin, std::string("not a readable YAML document: ") + e.what());
    }
  }

  if (d.version.empty()) {
    fail(origin, "not an OpenAPI or Swagger document (no 'openapi' or 'swagger' version)");
  }
  if (d.swagger ? d.version != "2.0"
                : !(d.version.rfind("3.0", 0) == 0 || d.version.rfind("3.1", 0) == 0)) {
    fail(origin, "unsupported version '" + d.version + "' (OpenAPI 3.0, 3.1 or Swagger 2.0)");
  }

  auto impl = std::make_unique<Impl>();
  impl->version = d.version;
  impl->nodes.emplace_back();
  // Prefixes: a URL's path ("https://h/v1" → "/v1", "//h/v1" → "/v1", "/v1", "v1" → "/v1").
  for (const std::string& url : d.prefixes) {
    std::string_view p = url;
    size_t scheme = p.find("://");
    if (scheme != std::string_view::npos) {
      p.remove_prefix(scheme + 3);
      p = p.substr(std::min(p.find('/'), p.size()));
    } else if (p.substr(0, 2) == "//") {
      p.remove_prefix(2);
      p = p.substr(std::min(p.find('/'), p.size()));
    }
    p = p.substr(0, p.find_first_of("?#"));
    std::vector<std::string> segs;
    for_each_segment(p, [&](std::string_view s) {
      segs.emplace_back(s);
      return true;
    });
    if (segs.size() > kMaxPrefixSegments) {
      fail(origin, "server path '" + std::string(p) + "' is deeper than " +
                       std::to_string(kMaxPrefixSegments) + " segments");
    }
    bool dup = false;
    for (const auto& q : impl->prefixes) dup = dup || q == segs;
    if (!dup) impl->prefixes.push_back(std::move(segs));
  }
  if (impl->prefixes.empty()) impl->prefixes.emplace_back();  // served at "/"
  std::stable_sort(impl->prefixes.begin(), impl->prefixes.end(),
                   [](const auto& a, const auto& b) { return a.size() > b.size(); });

  for (RawDoc::PathItem& pi : d.paths) {
    if (pi.key.empty() || pi.key[0] != '/') {
      fail(origin, "path '" + pi.key + "' does not start with '/'");
    }
    uint32_t at = 0;
    size_t depth = 0;
    for_each_segment(pi.key, [&](std::string_view seg) {
      if (++depth > kMaxPathSegments) {
        fail(origin, "path '" + pi.key + "' is deeper than " + std::to_string(kMaxPathSegments) +
                         " segments");
      }
      at = impl->child(at, seg, origin, pi.key);
      return true;
    });
    Impl::Node& node = impl->nodes[at];
    const uint8_t ops = pi.ref_only ? 0xFF : pi.ops;
    if (node.path == kNone && (ops != 0 || pi.ref_only)) {
      node.path = static_cast<uint32_t>(impl->paths.size());
      impl->paths.push_back(pi.key);
    }
    // A method a path with the same shape already had keeps that path's answer.
    const uint8_t added = ops & static_cast<uint8_t>(~node.ops);
    node.ops |= added;
    node.deprecated |= pi.deprecated & added;
    if (!pi.ref_only) {
      impl->operations += static_cast<size_t>(__builtin_popcount(added));
      impl->deprecated_operations += static_cast<size_t>(__builtin_popcount(pi.deprecated & added));
    }
  }
  return std::shared_ptr<const OpenApiSpec>(new OpenApiSpec(std::move(impl)));
}

std::shared_ptr<const OpenApiSpec> OpenApiSpec::load_file(const std::string& path,
                                                          const OpenApiSpecLimits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open the OpenAPI document");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) fail(path, "cannot read the OpenAPI document");
  return parse(ss.str(), path, limits);
}

SpecMatch OpenApiSpec::match(std::string_view method, std::string_view path) const {
  const Impl& m = *impl_;
  const uint8_t bit = method_bit(method);
  if (bit == 0) return {};
  // Segments, percent-decoded into a stack buffer (a segment that does not fit stays as sent).
  std::array<std::string_view, kMaxSegments> segs;
  std::array<char, kDecodeBuffer> buf;
  size_t n = 0, used = 0;
  bool too_deep = false;
  for_each_segment(path, [&](std::string_view s) {
    if (n == kMaxSegments) {
      too_deep = true;
      return false;
    }
    if (s.find('%') != std::string_view::npos && used + s.size() <= buf.size()) {
      const size_t start = used;
      for (size_t i = 0; i < s.size(); ++i) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < s.size() && (hi = hex_value(s[i + 1])) >= 0 &&
            (lo = hex_value(s[i + 2])) >= 0) {
          buf[used++] = static_cast<char>(hi * 16 + lo);
          i += 2;
        } else {
          buf[used++] = s[i];
        }
      }
      s = std::string_view(buf.data() + start, used - start);
    }
    segs[n++] = s;
    return true;
  });
  if (too_deep) return {};
  for (const std::vector<std::string>& prefix : m.prefixes) {
    if (prefix.size() > n) continue;
    bool ok = true;
    for (size_t i = 0; i < prefix.size() && ok; ++i) ok = segs[i] == prefix[i];
    if (!ok) continue;
    const uint32_t at = m.find(0, segs.data() + prefix.size(), n - prefix.size(), bit);
    if (at == kNone) continue;
    const Impl::Node& node = m.nodes[at];
    // HEAD without its own operation answers as GET does.
    const uint8_t b = (node.ops & bit) ? bit : kGetBit;
    SpecMatch r;
    r.status = (node.deprecated & b) ? SpecStatus::deprecated : SpecStatus::documented;
    if (node.path != kNone) r.spec_path = m.paths[node.path];
    return r;
  }
  return {};
}

size_t OpenApiSpec::paths() const {
  return impl_->paths.size();
}
size_t OpenApiSpec::operations() const {
  return impl_->operations;
}
size_t OpenApiSpec::deprecated_operations() const {
  return impl_->deprecated_operations;
}
const std::string& OpenApiSpec::version() const {
  return impl_->version;
}

}  // namespace mirador::detect

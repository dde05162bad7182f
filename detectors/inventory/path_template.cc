// PathTemplater: per host, a trie of path positions. Literal segments are keys under their
// parent until the parent has seen more than param_min_distinct of them; then the literals'
// subtrees are merged into the parent's param child and every literal there is "{param}".
// Nodes live in one vector per host, linked by index; merged nodes go to a free list.
#include "detectors/inventory/path_template.h"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mirador::detect {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr std::string_view kParam = "{param}";

// Heterogeneous lookup: a string_view finds a std::string key without building one.
struct SvHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using SvMap = std::unordered_map<std::string, V, SvHash, std::equal_to<>>;

struct Node {
  SvMap<uint32_t> literals;                   // literal segment as sent → child
  std::array<uint32_t, kSegmentKinds> shape;  // child per shape kind ([literal] unused)
  uint32_t param = kNone;                     // "{param}": promoted literals and over-long segments
  bool promoted = false;
  Node() { shape.fill(kNone); }
};

struct Host {
  std::vector<Node> nodes;  // [0] is the root
  std::vector<uint32_t> free;
  size_t live() const { return nodes.size() - free.size(); }
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `seg` into `buf` when it holds a '%'; invalid escapes stay as they are.
std::string_view decoded(std::string_view seg, std::string& buf) {
  if (seg.find('%') == std::string_view::npos) return seg;
  buf.clear();
  for (size_t i = 0; i < seg.size(); ++i) {
    const int hi = seg[i] == '%' && i + 2 < seg.size() ? hex_value(seg[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_value(seg[i + 2]) : -1;
    if (lo >= 0) {
      buf.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      buf.push_back(seg[i]);
    }
  }
  return buf;
}

}  // namespace

struct PathTemplater::Impl {
  TemplateConfig cfg;
  SvMap<Host> hosts;

  explicit Impl(const TemplateConfig& c) : cfg(c) {}

  // A new node, or kNone at the host's node cap.
  uint32_t add_node(Host& h, TemplateCounters& k) {
    if (h.live() >= cfg.max_nodes_per_host) {
      ++k.nodes_capped;
      return kNone;
    }
    ++k.nodes;
    if (!h.free.empty()) {
      const uint32_t i = h.free.back();
      h.free.pop_back();
      h.nodes[i] = Node();
      return i;
    }
    h.nodes.emplace_back();
    return static_cast<uint32_t>(h.nodes.size() - 1);
  }

  void free_node(Host& h, uint32_t i, TemplateCounters& k) {
    h.nodes[i] = Node();  // releases the map's memory
    h.free.push_back(i);
    --k.nodes;
  }

  // Moves `src`'s subtree into `dst`'s, merging children that exist in both; frees `src`.
  // Merging adds no node, so references into h.nodes stay valid across the recursion.
  void merge(Host& h, uint32_t dst, uint32_t src, TemplateCounters& k) {
    SvMap<uint32_t> lits = std::move(h.nodes[src].literals);
    const std::array<uint32_t, kSegmentKinds> shape = h.nodes[src].shape;
    const uint32_t param = h.nodes[src].param;
    const bool promoted = h.nodes[src].promoted;
    free_node(h, src, k);
    for (auto& [key, child] : lits) {
      Node& d = h.nodes[dst];
      if (d.promoted) {
        adopt_param(h, dst, child, k);
        continue;
      }
      auto it = d.literals.find(key);
      if (it == d.literals.end())
        d.literals.emplace(key, child);
      else
        merge(h, it->second, child, k);
    }
    for (size_t s = 0; s < kSegmentKinds; ++s) {
      if (shape[s] == kNone) continue;
      if (h.nodes[dst].shape[s] == kNone)
        h.nodes[dst].shape[s] = shape[s];
      else
        merge(h, h.nodes[dst].shape[s], shape[s], k);
    }
    if (param != kNone) adopt_param(h, dst, param, k);
    if (promoted || h.nodes[dst].literals.size() > cfg.param_min_distinct) promote(h, dst, k);
  }

  // `child` becomes, or is merged into, `parent`'s param child.
  void adopt_param(Host& h, uint32_t parent, uint32_t child, TemplateCounters& k) {
    if (h.nodes[parent].param == kNone)
      h.nodes[parent].param = child;
    else
      merge(h, h.nodes[parent].param, child, k);
  }

  void promote(Host& h, uint32_t n, TemplateCounters& k) {
    if (h.nodes[n].promoted) return;
    h.nodes[n].promoted = true;
    ++k.promoted;
    SvMap<uint32_t> lits = std::move(h.nodes[n].literals);
    h.nodes[n].literals = {};
    for (auto& [key, child] : lits) adopt_param(h, n, child, k);
  }

  // The one walk behind templ (learn: adds nodes, promotes, counts) and lookup (reads only).
  void walk(Host* h, std::string_view path, std::string& out, bool learn, TemplateCounters& k) {
    out.clear();
    std::string buf;
    uint32_t cur = h != nullptr ? 0 : kNone;
    size_t depth = 0;
    size_t pos = 0;
    while (pos < path.size()) {
      const size_t end = std::min(path.find('/', pos), path.size());
      const std::string_view seg = path.substr(pos, end - pos);
      pos = end + 1;
      if (seg.empty()) continue;
      if (depth == cfg.max_segments) {
        out += "/{rest}";
        if (learn) ++k.segments_capped;
        break;
      }
      ++depth;
      out += '/';
      const SegmentKind kind = classify_segment(decoded(seg, buf));
      if (kind != SegmentKind::literal) {
        out += segment_placeholder(kind);
        cur = child(h, cur, kind, learn, k);
        continue;
      }
      const bool too_long = seg.size() > cfg.max_literal_len;
      if (too_long && learn) ++k.long_segments;
      if (cur == kNone) {
        out += too_long ? kParam : seg;
        continue;
      }
      if (!too_long && !h->nodes[cur].promoted) {
        Node& n = h->nodes[cur];
        if (auto it = n.literals.find(seg); it != n.literals.end()) {
          out += seg;
          cur = it->second;
          continue;
        }
        if (n.literals.size() + 1 <= cfg.param_min_distinct) {
          out += seg;
          cur = learn ? add_literal(*h, cur, seg, k) : kNone;
          continue;
        }
        // One distinct literal too many: the position is a parameter.
        if (!learn) {
          out += kParam;
          cur = kNone;  // the merged subtree does not exist yet
          continue;
        }
        promote(*h, cur, k);
      }
      out += kParam;
      cur = child(h, cur, SegmentKind::literal, learn, k);
    }
    if (out.empty()) out.push_back('/');  // not out = "/": g++ 12 -Wrestrict false positive
  }

  uint32_t add_literal(Host& h, uint32_t parent, std::string_view seg, TemplateCounters& k) {
    const uint32_t c = add_node(h, k);
    if (c != kNone) h.nodes[parent].literals.emplace(std::string(seg), c);
    return c;
  }

  // The param child of `cur` (kind literal) or its child for a shape kind; added when learning.
  uint32_t child(Host* h, uint32_t cur, SegmentKind kind, bool learn, TemplateCounters& k) {
    if (cur == kNone) return kNone;
    const uint32_t existing = *slot(*h, cur, kind);
    if (existing != kNone || !learn) return existing;
    const uint32_t c = add_node(*h, k);
    if (c != kNone) *slot(*h, cur, kind) = c;  // after add_node: the vector may have moved
    return c;
  }

  static uint32_t* slot(Host& h, uint32_t n, SegmentKind kind) {
    Node& node = h.nodes[n];
    return kind == SegmentKind::literal ? &node.param : &node.shape[static_cast<size_t>(kind)];
  }
};

PathTemplater::PathTemplater(const TemplateConfig& cfg) : impl_(std::make_unique<Impl>(cfg)) {}
PathTemplater::~PathTemplater() = default;

void PathTemplater::templ(std::string_view host, std::string_view path, std::string& out) {
  ++counters_.paths;
  Host* h = nullptr;
  if (auto it = impl_->hosts.find(host); it != impl_->hosts.end()) {
    h = &it->second;
  } else if (impl_->hosts.size() < impl_->cfg.max_hosts) {
    h = &impl_->hosts.emplace(std::string(host), Host()).first->second;
    h->nodes.emplace_back();  // the root
    ++counters_.hosts;
    ++counters_.nodes;
  } else {
    ++counters_.hosts_capped;
  }
  impl_->walk(h, path, out, true, counters_);
}

void PathTemplater::lookup(std::string_view host, std::string_view path, std::string& out) const {
  Host* h = nullptr;
  if (auto it = impl_->hosts.find(host); it != impl_->hosts.end()) h = &it->second;
  TemplateCounters unused;
  impl_->walk(h, path, out, false, unused);
}

}  // namespace mirador::detect

// The inventory: endpoints in a vector (stable indices, never removed), found through a hash map
// keyed by "host\0method\0template" built in a reused string, so an observation of a known
// endpoint that adds nothing new allocates nothing. Every per-endpoint set is a sorted vector:
// small (a handful of codes, kinds, types), cheap to search, already in the order the readers
// want.
#include "detectors/inventory/inventory.h"

#include <algorithm>
#include <array>
#include <unordered_map>

namespace mirador::detect {
namespace {

constexpr std::string_view kMixed = "mixed";

// Inserts `v` into the sorted set `set` when absent; true when inserted.
bool insert_sorted(std::vector<std::string>& set, std::string_view v) {
  auto it = std::lower_bound(set.begin(), set.end(), v,
                             [](const std::string& a, std::string_view b) { return a < b; });
  if (it != set.end() && *it == v) return false;
  set.emplace(it, v);
  return true;
}

const char* level_name(int level) {
  return level >= 2 ? "high" : level == 1 ? "medium" : "low";
}

}  // namespace

bool Endpoint::authenticated() const {
  for (const std::string& k : auth_kinds)
    if (!k.empty() && k != "none") return true;
  return false;
}

int data_class_sensitivity(std::string_view data_class) {
  if (data_class.empty()) return 0;
  static constexpr std::array<std::string_view, 10> kHigh = {
      "cn_resident_id", "bank_card",   "cn_passport",  "cn_uscc", "password", "jwt",
      "aws_access_key", "private_key", "bearer_token", "api_key"};
  for (std::string_view h : kHigh)
    if (data_class == h) return 2;
  // E-mail, mobile, name, address, birth date, and any class this list does not know yet: a
  // new class is personal data until someone says otherwise.
  return 1;
}

struct Inventory::Impl {
  struct Entry {
    Endpoint ep;
    bool dirty = false;
  };
  InventoryConfig cfg;
  std::vector<Entry> entries;
  std::unordered_map<std::string, size_t> index;
  std::vector<size_t> dirty;  // indices of the dirty entries, each once
  std::string key;            // reused lookup key

  void mark(size_t i, InventoryCounters& c) {
    if (entries[i].dirty) return;
    entries[i].dirty = true;
    dirty.push_back(i);
    ++c.changes;
  }
};

Inventory::Inventory(const InventoryConfig& cfg) : impl_(std::make_unique<Impl>()) {
  impl_->cfg = cfg;
}
Inventory::~Inventory() = default;

void Inventory::observe(const Observation& o) {
  Impl& im = *impl_;
  ++counters_.observations;
  im.key.clear();
  im.key.append(o.host).push_back('\0');
  im.key.append(o.method).push_back('\0');
  im.key.append(o.path_template);

  size_t idx;
  bool changed = false;
  auto found = im.index.find(im.key);
  if (found != im.index.end()) {
    idx = found->second;
  } else {
    if (im.entries.size() >= im.cfg.max_endpoints) {
      ++counters_.endpoints_capped;
      return;
    }
    idx = im.entries.size();
    im.index.emplace(im.key, idx);
    Endpoint& ep = im.entries.emplace_back().ep;
    ep.host = o.host;
    ep.method = o.method;
    ep.path_template = o.path_template;
    ep.first_seen_us = ep.last_seen_us = o.time_us;
    counters_.endpoints = im.entries.size();
    changed = true;
  }
  Endpoint& ep = im.entries[idx].ep;
  ++ep.count;
  // Capture clocks can step back: first/last are the extremes, not the order of arrival.
  ep.first_seen_us = std::min(ep.first_seen_us, o.time_us);
  ep.last_seen_us = std::max(ep.last_seen_us, o.time_us);

  if (o.status != 0) {
    auto it =
        std::lower_bound(ep.status_codes.begin(), ep.status_codes.end(), o.status,
                         [](const std::pair<int, uint64_t>& a, int b) { return a.first < b; });
    if (it != ep.status_codes.end() && it->first == o.status) {
      ++it->second;
    } else if (ep.status_codes.size() < im.cfg.max_status_codes) {
      ep.status_codes.emplace(it, o.status, 1);
      changed = true;
    } else {
      ++counters_.status_capped;
    }
  }
  if (!o.auth_kind.empty()) changed |= insert_sorted(ep.auth_kinds, o.auth_kind);
  if (!o.request_content_type.empty())
    changed |= insert_sorted(ep.request_content_types, o.request_content_type);
  if (!o.response_content_type.empty())
    changed |= insert_sorted(ep.response_content_types, o.response_content_type);

  for (const Observation::Param& p : o.params) {
    auto it = std::lower_bound(ep.params.begin(), ep.params.end(), p,
                               [](const Endpoint::Param& a, const Observation::Param& b) {
                                 const int c = std::string_view(a.in).compare(b.in);
                                 return c < 0 || (c == 0 && std::string_view(a.name) < b.name);
                               });
    if (it != ep.params.end() && it->in == p.in && it->name == p.name) {
      ++it->count;
      if (it->type != p.type && it->type != kMixed) {
        it->type = kMixed;
        changed = true;
      }
    } else if (ep.params.size() < im.cfg.max_params) {
      ep.params.insert(
          it, Endpoint::Param{std::string(p.in), std::string(p.name), std::string(p.type), 1});
      changed = true;
    } else {
      ++counters_.params_capped;
    }
  }

  // Data classes are names from the rule set: their number is bounded by it, not by traffic.
  bool classes = false;
  for (std::string_view c : o.request_data_classes)
    if (!c.empty()) classes |= insert_sorted(ep.request_data_classes, c);
  for (std::string_view c : o.response_data_classes)
    if (!c.empty()) classes |= insert_sorted(ep.response_data_classes, c);
  if (classes) {
    changed = true;
    // What the endpoint exposes decides; what it takes counts as medium at most.
    int level = 0;
    for (const std::string& c : ep.response_data_classes)
      level = std::max(level, data_class_sensitivity(c));
    for (const std::string& c : ep.request_data_classes)
      level = std::max(level, std::min(1, data_class_sensitivity(c)));
    ep.sensitivity = level_name(level);
  }

  if (changed) im.mark(idx, counters_);
}

void Inventory::take_changed(const std::function<void(const Endpoint&)>& f) {
  Impl& im = *impl_;
  for (size_t i : im.dirty) {
    im.entries[i].dirty = false;
    f(im.entries[i].ep);
  }
  im.dirty.clear();
}

void Inventory::for_each(const std::function<void(const Endpoint&)>& f) const {
  std::vector<const Endpoint*> order;
  order.reserve(impl_->entries.size());
  for (const Impl::Entry& e : impl_->entries) order.push_back(&e.ep);
  std::sort(order.begin(), order.end(), [](const Endpoint* a, const Endpoint* b) {
    if (int c = a->host.compare(b->host); c != 0) return c < 0;
    if (int c = a->path_template.compare(b->path_template); c != 0) return c < 0;
    return a->method < b->method;
  });
  for (const Endpoint* e : order) f(*e);
}

size_t Inventory::size() const {
  return impl_->entries.size();
}

}  // namespace mirador::detect

#include "detectors/fields/field.h"

#include <algorithm>
#include <limits>

namespace mirador::detect {

std::string_view part_name(Part p) {
  switch (p) {
    case Part::request_target:
      return "request.target";
    case Part::request_path:
      return "request.path";
    case Part::request_query:
      return "request.query";
    case Part::request_header:
      return "request.header";
    case Part::request_cookie:
      return "request.cookie";
    case Part::request_body:
      return "request.body";
    case Part::response_header:
      return "response.header";
    case Part::response_body:
      return "response.body";
  }
  return "unknown";
}

void FieldList::clear() {
  entries_.clear();  // both keep their capacity: the next transaction reuses it
  arena_.clear();
}

void FieldList::truncate(size_t n) {
  if (n >= entries_.size()) return;
  arena_.resize(entries_[n].key_off);  // entries are laid out in the arena in order
  entries_.resize(n);
}

bool FieldList::add(Part part, std::string_view key, std::string_view value, std::string_view path,
                    bool raw) {
  if (entries_.size() >= max_fields) return false;
  // Offsets are 32-bit: the arena never passes 4 GiB whatever max_bytes says.
  const size_t cap = std::min<size_t>(max_bytes, std::numeric_limits<uint32_t>::max());
  const size_t need = key.size() + value.size() + path.size();
  if (need > cap || arena_.size() > cap - need) return false;
  Entry e;
  e.part = part;
  e.raw = raw;
  e.key_off = static_cast<uint32_t>(arena_.size());
  e.key_len = static_cast<uint32_t>(key.size());
  arena_.append(key);
  e.value_off = static_cast<uint32_t>(arena_.size());
  e.value_len = static_cast<uint32_t>(value.size());
  arena_.append(value);
  e.path_off = static_cast<uint32_t>(arena_.size());
  e.path_len = static_cast<uint32_t>(path.size());
  arena_.append(path);
  entries_.push_back(e);
  return true;
}

Field FieldList::operator[](size_t i) const {
  const Entry& e = entries_[i];
  const std::string_view a(arena_);
  return Field{e.part, a.substr(e.key_off, e.key_len), a.substr(e.value_off, e.value_len),
               a.substr(e.path_off, e.path_len), e.raw};
}

void FieldList::location(size_t i, std::string& out) const {
  const Entry& e = entries_[i];
  out.assign(part_name(e.part));
  if (e.path_len == 0) return;
  out += ' ';
  out.append(arena_, e.path_off, e.path_len);
}

}  // namespace mirador::detect

#include "detectors/fields/cookie_split.h"

namespace mirador::detect {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool split_cookie_pair(std::string_view pair, std::string_view& name, std::string_view& value) {
  pair = trim(pair);
  if (pair.empty()) return false;
  const size_t eq = pair.find('=');
  if (eq == std::string_view::npos) {
    name = {};
    value = pair;
    return true;
  }
  name = trim(pair.substr(0, eq));
  value = trim(pair.substr(eq + 1));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return true;
}

bool split_set_cookie(std::string_view header, std::string_view& name, std::string_view& value) {
  return split_cookie_pair(header.substr(0, header.find(';')), name, value);
}

size_t add_cookie_fields(std::string_view header, Part part, FieldList& out) {
  size_t dropped = 0;
  for_each_cookie(header, [&](std::string_view name, std::string_view value) {
    if (!out.add(part, name, value, name)) ++dropped;
  });
  return dropped;
}

}  // namespace mirador::detect

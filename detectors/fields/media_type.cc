#include "detectors/fields/media_type.h"

#include "decoders/ascii.h"

namespace mirador::detect {

namespace {

bool ows(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && ows(s.back())) s.remove_suffix(1);
  return s;
}

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && ascii_iequals(s.substr(s.size() - suffix.size()), suffix);
}

}  // namespace

BodyKind body_kind(std::string_view content_type) {
  const std::string_view type = trim(content_type.substr(0, content_type.find(';')));
  if (ascii_iequals(type, "application/json") || ascii_iequals(type, "text/json") ||
      iends_with(type, "+json")) {
    return BodyKind::json;
  }
  if (ascii_iequals(type, "application/x-www-form-urlencoded")) return BodyKind::form;
  if (ascii_iequals(type, "multipart/form-data")) return BodyKind::multipart;
  return BodyKind::other;
}

bool header_param(std::string_view header_value, std::string_view name, std::string_view& value) {
  const std::string_view v = header_value;
  size_t i = v.find(';');
  while (i != std::string_view::npos && i < v.size()) {
    ++i;  // past ';'
    const size_t eq = v.find_first_of("=;", i);
    const std::string_view pname = trim(v.substr(i, eq == std::string_view::npos ? eq : eq - i));
    if (eq == std::string_view::npos) return false;
    if (v[eq] == ';') {  // a parameter without a value
      i = eq;
      continue;
    }
    size_t j = eq + 1;
    while (j < v.size() && ows(v[j])) ++j;
    std::string_view pvalue;
    if (j < v.size() && v[j] == '"') {
      size_t k = j + 1;
      while (k < v.size() && v[k] != '"') k += v[k] == '\\' ? 2 : 1;
      pvalue = v.substr(j + 1, (k < v.size() ? k : v.size()) - j - 1);
      i = v.find(';', k < v.size() ? k : v.size());
    } else {
      const size_t semi = v.find(';', j);
      pvalue = trim(v.substr(j, semi == std::string_view::npos ? semi : semi - j));
      i = semi;
    }
    if (ascii_iequals(pname, name)) {
      value = pvalue;
      return true;
    }
  }
  return false;
}

}  // namespace mirador::detect

#include "sensor/output/masking.h"

#include <algorithm>

#include "decoders/ascii.h"

namespace mirador {

namespace {

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (ascii_iequals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

}  // namespace

UriMasker::UriMasker(const MaskingConfig& cfg) : cfg_(cfg) {}

bool UriMasker::sensitive_name(std::string_view name) const {
  for (const std::string& n : cfg_.names) {
    if (ascii_iequals(name, n)) return true;
  }
  for (const std::string& f : cfg_.name_fragments) {
    if (icontains(name, f)) return true;
  }
  return false;
}

size_t UriMasker::mask(std::string_view uri, std::string& out) const {
  out.clear();
  const size_t q = uri.find('?');
  if (!cfg_.enabled || q == std::string_view::npos) {
    out.assign(uri);
    return 0;
  }
  size_t masked = 0;
  out.append(uri.substr(0, q + 1));
  // Parameters run to '&' or ';'; a fragment ('#') ends the query and is kept as it is.
  const size_t end = std::min(uri.size(), uri.find('#', q));
  size_t i = q + 1;
  while (i <= end) {
    size_t j = i;
    while (j < end && uri[j] != '&' && uri[j] != ';') ++j;
    std::string_view param = uri.substr(i, j - i);
    const size_t eq = param.find('=');
    if (eq != std::string_view::npos && eq + 1 < param.size() &&
        sensitive_name(param.substr(0, eq))) {
      out.append(param.substr(0, eq + 1));
      out.append("***");
      ++masked;
    } else {
      out.append(param);
    }
    if (j < end) out.push_back(uri[j]);
    i = j + 1;
  }
  if (end < uri.size()) out.append(uri.substr(end));
  return masked;
}

}  // namespace mirador

#include "detectors/fields/query_split.h"

#include "detectors/attack/normalize.h"

namespace mirador::detect {

size_t add_query_fields(std::string_view query, Part part, FieldList& out, QueryScratch& scratch) {
  size_t dropped = 0;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view segment = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (segment.empty()) continue;
    const size_t eq = segment.find('=');
    percent_decode(segment.substr(0, eq), scratch.name, true);
    if (eq == std::string_view::npos) {
      scratch.value.clear();
    } else {
      percent_decode(segment.substr(eq + 1), scratch.value, true);
    }
    if (!out.add(part, scratch.name, scratch.value, scratch.name)) ++dropped;
  }
  return dropped;
}

}  // namespace mirador::detect

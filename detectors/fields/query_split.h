// Query strings and application/x-www-form-urlencoded bodies cut into parameters. Only '&'
// separates parameters (';' is an ordinary character, as for WHATWG URLSearchParams and the
// common frameworks); empty segments ("&&") are skipped; a name without '=' has an empty value.
// Name and value are percent-decoded once with '+' as a space; malformed escapes are kept.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "detectors/fields/field.h"

namespace mirador::detect {

// Decoding buffers, reused from call to call.
struct QueryScratch {
  std::string name;
  std::string value;
};

// Adds one field per parameter to `out`: key = path = decoded name, value = decoded value.
// Returns how many fields the list refused (its caps).
size_t add_query_fields(std::string_view query, Part part, FieldList& out, QueryScratch& scratch);

}  // namespace mirador::detect

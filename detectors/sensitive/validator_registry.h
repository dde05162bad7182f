// Validators by name, as rules name them (`validator: cn_resident_id`). A validator sees the whole
// field value and the match inside it, so it can check the match itself (check digits) and its
// surroundings (not inside a longer digit run).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace mirador::sensitive {

// True when value[begin, end) is a real instance of the class. Must not allocate or throw.
using Validator = bool (*)(std::string_view value, size_t begin, size_t end);

// Null for an unknown name.
Validator find_validator(std::string_view name);
// Every registered name, sorted (for `mirador rules check` errors and docs).
std::vector<std::string_view> validator_names();

}  // namespace mirador::sensitive

// Masking of sensitive values in findings: enough left to recognise the shape (and to tell two
// samples apart), never enough to use. Resident ID 110105********123X, mobile 138****8000,
// card 622202******1234, email j***@example.com, secrets "eyJh…(312 chars)", anything else the
// first and last characters of at most a quarter of the value each.
#pragma once

#include <string>
#include <string_view>

namespace mirador::sensitive {

// Appends the masked form of `value` of data class `data_class` (a rule's class) to `out`.
void mask_value(std::string_view data_class, std::string_view value, std::string& out);

}  // namespace mirador::sensitive

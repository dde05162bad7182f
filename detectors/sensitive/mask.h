// Masking of sensitive values in findings: enough left to recognise the shape (and to tell two
// samples apart), never enough to use. Resident ID 110105********123X, mobile 138****8000
// (+86 138****8000: a country code stays), card 622202******1234 (separators kept), email
// j***@example.com, secrets (jwt, aws_access_key, private_key, api_key, secret) "eyJh…(312
// chars)", bearer_token "Bearer eyJh…(312 chars)", password always "******", person_name the
// first character and '*' for each other one (张*, J*********), anything else the first and
// last characters of at most a quarter of the value each. Characters are UTF-8 code points
// (never cut inside one; an invalid byte is one character and is written as U+FFFD). A value of
// more than 64 characters is shown as its first 4 and its length. One trailing
// non-alphanumeric byte of an identifier or email is dropped: value patterns may end with a
// boundary byte (validator_registry.cc).
#pragma once

#include <string>
#include <string_view>

namespace mirador::sensitive {

// Appends the masked form of `value` of data class `data_class` (a rule's class) to `out`.
void mask_value(std::string_view data_class, std::string_view value, std::string& out);

}  // namespace mirador::sensitive

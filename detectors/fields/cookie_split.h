// Cookies: the request's Cookie header ("a=b; c=d") and the cookie a Set-Cookie header sets
// ("name=value; Path=/; HttpOnly": the pair before the first ';'). Names and values are trimmed
// of spaces and tabs and a value in double quotes loses them, as servers read it; values are not
// percent-decoded (no cookie standard says they are encoded; the attack normaliser decodes).
// A pair without '=' is a value with an empty name, as RFC 6265bis and browsers read it.
#pragma once

#include <cstddef>
#include <string_view>

#include "detectors/fields/field.h"

namespace mirador::detect {

// The cookie a Set-Cookie header sets. False when the header holds no cookie at all.
bool split_set_cookie(std::string_view header, std::string_view& name, std::string_view& value);

// Adds one field per cookie of a Cookie header: key = path = name. Returns how many the list
// refused.
size_t add_cookie_fields(std::string_view header, Part part, FieldList& out);

// One "name=value" pair, trimmed; false when it is empty.
bool split_cookie_pair(std::string_view pair, std::string_view& name, std::string_view& value);

// Calls f(name, value) for each cookie of a Cookie header; empty pairs ("a=b;; c=d") are skipped.
template <class F>
void for_each_cookie(std::string_view header, F&& f) {
  while (!header.empty()) {
    const size_t semi = header.find(';');
    const std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    std::string_view name, value;
    if (split_cookie_pair(pair, name, value)) f(name, value);
  }
}

}  // namespace mirador::detect

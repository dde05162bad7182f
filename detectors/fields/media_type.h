// Content-Type and Content-Disposition values: which walker a body needs, and the parameters
// ("boundary", "name", "filename") the multipart walker reads.
#pragma once

#include <string_view>

namespace mirador::detect {

enum class BodyKind { json, form, multipart, other };

// application/json, text/json and any "+json" type → json; application/x-www-form-urlencoded →
// form; multipart/form-data → multipart. Case-insensitive; parameters ignored.
BodyKind body_kind(std::string_view content_type);

// The value of parameter `name` (case-insensitive) in a header value "type; a=b; c=\"d\"": without
// its quotes when quoted (backslash escapes are skipped over, not undone). False when absent.
bool header_param(std::string_view header_value, std::string_view name, std::string_view& value);

}  // namespace mirador::detect

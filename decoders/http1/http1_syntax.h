// Small RFC 9110/9112 syntax helpers shared by the parser, the session and content sniffing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mirador::http1 {

// RFC 9110 tchar.
bool is_tchar(char c);
bool iequals(std::string_view a, std::string_view b);
// Strips optional whitespace (SP / HTAB) at both ends.
std::string_view trim_ows(std::string_view v);

// `line` (no line terminator) is a request line: METHOD SP target [SP HTTP/1.x]. A method is a
// known one or an RFC 9110 token of uppercase letters (and '-', '_'). `strict` requires the
// " HTTP/1." version (used when resynchronising, where a 0.9 form would match too much);
// `partial` accepts a line cut inside the target when the method is a well-known one.
bool looks_like_request_line(std::string_view line, bool strict, bool partial);
// `line` starts with "HTTP/1." digit SP and a 3-digit status.
bool looks_like_status_line(std::string_view line);

}  // namespace mirador::http1

#include "decoders/http1/http1_syntax.h"

#include "decoders/ascii.h"

#include <array>
#include <cctype>

namespace mirador::http1 {

namespace {

constexpr std::array<std::string_view, 16> kKnownMethods = {
    "GET",   "POST",     "PUT",   "DELETE", "HEAD", "OPTIONS", "PATCH",  "CONNECT",
    "TRACE", "PROPFIND", "MKCOL", "COPY",   "MOVE", "LOCK",    "UNLOCK", "PROPPATCH"};

bool is_method(std::string_view m) {
  if (m.empty() || m.size() > 32 || m[0] < 'A' || m[0] > 'Z') return false;
  for (char c : m) {
    if (!((c >= 'A' && c <= 'Z') || c == '-' || c == '_')) return false;
  }
  return true;
}

bool is_known_method(std::string_view m) {
  for (auto k : kKnownMethods) {
    if (k == m) return true;
  }
  return false;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool iequals(std::string_view a, std::string_view b) {
  return ascii_iequals(a, b);
}

std::string_view trim_ows(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

bool looks_like_request_line(std::string_view line, bool strict, bool partial) {
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return false;
  std::string_view method = line.substr(0, sp);
  if (!is_method(method)) return false;
  std::string_view rest = line.substr(sp + 1);
  // The target: visible characters up to SP or the line end.
  size_t i = 0;
  while (i < rest.size() && rest[i] != ' ' && rest[i] != '\r' && rest[i] != '\n') {
    unsigned char c = static_cast<unsigned char>(rest[i]);
    if (c < 0x21 || c == 0x7f) return false;
    ++i;
  }
  if (i == 0) return false;
  // "GET HTTP/1.1": a request whose target is missing.
  if (rest.substr(0, i).starts_with("HTTP/1.") && i == 8) return true;
  if (i == rest.size()) {
    // Ran out of data inside the target (a sniffed segment) or a complete 0.9 line.
    if (partial) return is_known_method(method);
    return !strict;
  }
  if (rest[i] == '\r' || rest[i] == '\n') return !strict;
  rest = rest.substr(i + 1);
  constexpr std::string_view kVersion = "HTTP/1.";
  if (rest.size() < kVersion.size()) return partial && kVersion.substr(0, rest.size()) == rest;
  return rest.substr(0, kVersion.size()) == kVersion;
}

bool looks_like_status_line(std::string_view line) {
  // "HTTP/1.x NNN"
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1.") return false;
  return is_digit(line[7]) && line[8] == ' ' && is_digit(line[9]) && is_digit(line[10]) &&
         is_digit(line[11]) &&
         (line.size() == 12 || line[12] == ' ' || line[12] == '\r' || line[12] == '\n');
}

}  // namespace mirador::http1

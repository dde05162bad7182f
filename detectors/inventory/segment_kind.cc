// Shapes of path segments that are parameters whatever their cardinality. One pass counts the
// character classes; the shape checks then run in an order where the narrower shape wins
// (a UUID before hex, a date and a phone before a number).
#include "decoders/ascii.h"
#include "detectors/inventory/path_template.h"
#include "detectors/sensitive/validators.h"

namespace mirador::detect {
namespace {

// Short names for the shared ASCII classes (decoders/ascii.h).
constexpr auto is_digit = ascii_is_digit;
constexpr auto is_upper = ascii_is_upper;
constexpr auto is_lower = ascii_is_lower;
constexpr auto is_hex = ascii_is_hex;
constexpr auto is_alnum = ascii_is_alnum;

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash_pos = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_pos ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  return true;
}

// local@domain.tld: a local part of the usual characters, a dotted domain of letter/digit/
// hyphen labels, a top-level label of two or more letters.
bool is_email(std::string_view s) {
  const size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos || at > 64) return false;
  for (char c : s.substr(0, at))
    if (!is_alnum(c) && c != '.' && c != '_' && c != '%' && c != '+' && c != '-') return false;
  const std::string_view domain = s.substr(at + 1);
  const size_t last_dot = domain.rfind('.');
  if (last_dot == std::string_view::npos || last_dot == 0) return false;
  size_t label = 0;
  for (char c : domain.substr(0, last_dot)) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (is_alnum(c) || c == '-') {
      ++label;
    } else {
      return false;
    }
  }
  if (label == 0) return false;
  const std::string_view tld = domain.substr(last_dot + 1);
  if (tld.size() < 2) return false;
  for (char c : tld)
    if (!is_upper(c) && !is_lower(c)) return false;
  return true;
}

// YYYY-MM-DD, a real date between 1900 and 2199.
bool is_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!is_digit(s[i])) return false;
  auto num = [&](size_t pos, size_t n) {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  return mirador::sensitive::real_date(num(0, 4), num(5, 2), num(8, 2), 2199);
}

// "+" and 7–15 digits; digit groups split by single '-' or ' ' totalling 7–15 digits (with or
// without '+'); or a bare Chinese mobile number 1[3-9]xxxxxxxxx.
bool is_phone(std::string_view s) {
  const bool plus = !s.empty() && s[0] == '+';
  if (plus) s.remove_prefix(1);
  if (s.empty() || !is_digit(s.front()) || !is_digit(s.back())) return false;
  size_t digits = 0, separators = 0;
  char prev = '0';
  for (char c : s) {
    if (is_digit(c)) {
      ++digits;
    } else if (c == '-' || c == ' ') {
      if (!is_digit(prev)) return false;  // no doubled separators
      ++separators;
    } else {
      return false;
    }
    prev = c;
  }
  if (plus || separators > 0) return digits >= 7 && digits <= 15;
  return s.size() == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9';
}

bool is_number(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// ≥ 16 hex characters with a digit and a letter, or ≥ 24 of any hex (an ObjectId is 24).
bool is_hex_id(std::string_view s) {
  if (s.size() < 16) return false;
  bool digit = false, letter = false;
  for (char c : s) {
    if (!is_hex(c)) return false;
    (is_digit(c) ? digit : letter) = true;
  }
  return s.size() >= 24 || (digit && letter);
}

// A JWT: "eyJ" (base64 of '{"'), base64url parts joined by dots.
bool is_jwt(std::string_view s) {
  if (s.size() < 20 || !s.starts_with("eyJ")) return false;
  size_t dots = 0;
  for (char c : s) {
    if (c == '.')
      ++dots;
    else if (!is_alnum(c) && c != '-' && c != '_')
      return false;
  }
  return dots >= 1 && dots <= 2;
}

// ≥ 20 characters of base64url, or of base64 with trailing '=' padding, holding a digit, an
// upper-case and a lower-case letter: a session id, an API key, a reset token.
bool is_token(std::string_view s) {
  if (s.size() < 20) return false;
  while (s.size() > 1 && s.back() == '=') s.remove_suffix(1);
  bool digit = false, upper = false, lower = false;
  for (char c : s) {
    if (is_digit(c))
      digit = true;
    else if (is_upper(c))
      upper = true;
    else if (is_lower(c))
      lower = true;
    else if (c != '-' && c != '_' && c != '+' && c != '/')
      return false;
  }
  return digit && upper && lower;
}

}  // namespace

SegmentKind classify_segment(std::string_view s) {
  if (s.empty()) return SegmentKind::literal;
  // Cheap rejection: a segment opening with a letter other than a–f/A–F and shorter than
  // 20 characters is a word ("users", "v1", "me", "orders").
  const char c0 = s[0];
  if (s.size() < 20 && (is_upper(c0) || is_lower(c0)) && !is_hex(c0) &&
      s.find('@') == std::string_view::npos)
    return SegmentKind::literal;
  if (is_uuid(s)) return SegmentKind::uuid;
  if (is_email(s)) return SegmentKind::email;
  if (is_date(s)) return SegmentKind::date;
  if (is_phone(s)) return SegmentKind::phone;
  if (is_number(s)) return SegmentKind::number;
  if (is_hex_id(s)) return SegmentKind::hex;
  if (is_jwt(s) || is_token(s)) return SegmentKind::token;
  return SegmentKind::literal;
}

std::string_view segment_placeholder(SegmentKind k) {
  switch (k) {
    case SegmentKind::literal:
      return "";
    case SegmentKind::number:
      return "{id}";
    case SegmentKind::uuid:
      return "{uuid}";
    case SegmentKind::hex:
      return "{hex}";
    case SegmentKind::token:
      return "{token}";
    case SegmentKind::phone:
      return "{phone}";
    case SegmentKind::email:
      return "{email}";
    case SegmentKind::date:
      return "{date}";
  }
  return "";
}

}  // namespace mirador::detect

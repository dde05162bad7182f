#include "detectors/sensitive/validator_registry.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "decoders/ascii.h"
#include "detectors/sensitive/validators.h"

// Every validator here sees the whole field value and the match [begin, end) inside it. They
// read only inside the value, never allocate and never throw: they run on every pattern match
// of every transaction.
//
// Value patterns that could end at many places (a card number's digits, an email's domain) end
// with one boundary byte, `(?:[^0-9A-Za-z]|$)`-style, so a long run yields one match instead of
// one per byte (the scanner caps matches per scan). The validators of those classes drop that
// trailing byte (trim_boundary) before checking.

namespace mirador::sensitive {
namespace {

// Short names for the shared ASCII classes (decoders/ascii.h).
constexpr auto is_digit = ascii_is_digit;
constexpr auto is_upper = ascii_is_upper;
constexpr auto is_lower = ascii_is_lower;
constexpr auto is_alpha = ascii_is_alpha;
bool is_alnum(char c) {
  return is_digit(c) || is_alpha(c);
}
bool is_b64url(char c) {
  return is_alnum(c) || c == '-' || c == '_';
}
char lower(char c) {
  return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// The match as a view, or false when [begin, end) is not a non-empty span of `value`.
bool span(std::string_view value, size_t begin, size_t end, std::string_view& out) {
  if (begin >= end || end > value.size()) return false;
  out = value.substr(begin, end - begin);
  return true;
}

// Neither the byte before the match nor the byte after it is an ASCII letter or digit: an ID
// glued to other alphanumerics is part of a longer token (a hash, an order number).
bool alnum_isolated(std::string_view value, size_t begin, size_t end) {
  if (begin > 0 && is_alnum(value[begin - 1])) return false;
  if (end < value.size() && is_alnum(value[end])) return false;
  return true;
}

// Drops the boundary byte a pattern may have consumed after the match proper (see the top).
size_t trim_boundary(std::string_view value, size_t begin, size_t end) {
  if (end > begin && !is_alnum(value[end - 1])) return end - 1;
  return end;
}

// --- identifiers with check digits -------------------------------------------------------------

bool v_cn_resident_id(std::string_view value, size_t begin, size_t end) {
  std::string_view s;
  return span(value, begin, end, s) && valid_cn_resident_id(s) && alnum_isolated(value, begin, end);
}

// "+86", "0086" or "86", an optional space or dash, then 11 digits, either run together or as
// 3-4-4 groups with one kind of separator ("138 0013 8000", "138-0013-8000"); an assigned
// segment (assigned_cn_mobile_segment).
bool v_cn_mobile(std::string_view value, size_t begin, size_t end) {
  std::string_view s;
  if (!span(value, begin, end, s) || !alnum_isolated(value, begin, end)) return false;
  size_t i = 0;
  if (s[0] == '+') {
    if (s.substr(1, 2) != "86") return false;
    i = 3;
  } else if (s.substr(0, 4) == "0086") {
    i = 4;
  } else if (s.substr(0, 2) == "86") {
    i = 2;
  }
  if (i > 0 && i < s.size() && (s[i] == ' ' || s[i] == '-')) ++i;
  const std::string_view r = s.substr(i);
  std::array<char, 11> digits{};
  if (r.size() == 11) {
    std::copy(r.begin(), r.end(), digits.begin());
  } else if (r.size() == 13 && (r[3] == ' ' || r[3] == '-') && r[8] == r[3]) {
    std::copy(r.begin(), r.begin() + 3, digits.begin());
    std::copy(r.begin() + 4, r.begin() + 8, digits.begin() + 3);
    std::copy(r.begin() + 9, r.end(), digits.begin() + 7);
  } else {
    return false;
  }
  const std::string_view d(digits.data(), digits.size());
  return valid_cn_mobile(d) && assigned_cn_mobile_segment(d);
}

// 13-19 digits, either run together or in groups with one kind of separator (space or dash):
// 4-4-4-4(-1..3), 4-4-4-1..4, or the Amex/Diners 4-6-5 / 4-6-4. A known brand with its length,
// and Luhn. The pattern may have consumed one boundary byte after the last digit; a boundary
// that is a separator followed by another digit means the number goes on: not this match.
bool v_bank_card(std::string_view value, size_t begin, size_t end) {
  std::string_view all;
  if (!span(value, begin, end, all)) return false;
  const size_t stop = trim_boundary(value, begin, end);
  if (stop < end && (value[stop] == ' ' || value[stop] == '-') && stop + 1 < value.size() &&
      is_digit(value[stop + 1]))
    return false;
  if (!alnum_isolated(value, begin, stop)) return false;
  std::array<char, 19> digits{};
  std::array<uint8_t, 8> groups{};
  size_t n = 0, ngroups = 0, in_group = 0;
  char sep = 0;
  for (size_t i = begin; i < stop; ++i) {
    const char c = value[i];
    if (is_digit(c)) {
      if (n == digits.size()) return false;
      digits[n++] = c;
      ++in_group;
      continue;
    }
    if ((c != ' ' && c != '-') || in_group == 0 || (sep != 0 && c != sep)) return false;
    if (ngroups + 1 >= groups.size()) return false;
    sep = c;
    groups[ngroups++] = static_cast<uint8_t>(in_group);
    in_group = 0;
  }
  if (in_group == 0) return false;
  groups[ngroups++] = static_cast<uint8_t>(in_group);
  if (ngroups > 1) {
    bool fours = true;  // every group but the last has 4 digits, the last 1..4
    for (size_t g = 0; g + 1 < ngroups; ++g) fours = fours && groups[g] == 4;
    fours = fours && groups[ngroups - 1] <= 4;
    const bool amex_like =
        ngroups == 3 && groups[0] == 4 && groups[1] == 6 && (groups[2] == 5 || groups[2] == 4);
    if (!fours && !amex_like) return false;
  }
  return valid_bank_card(std::string_view(digits.data(), n));
}

// GB 32100 check character, plus what the check character alone lets through 1 time in 31:
// the registration authority (first char: 1-9, A, N or Y), an administrative division whose
// first two digits are a province or 10 (national bodies), the check character of the
// organisation code inside it (GB 11714, positions 9-17), and not a resident ID (an 18-digit
// resident ID passes the USCC check about 1 time in 31 too). Without the organisation-code
// check, about 1 % of random 18-digit numbers (snowflake ids, order numbers) passed.
bool v_cn_uscc(std::string_view value, size_t begin, size_t end) {
  std::string_view s;
  if (!span(value, begin, end, s) || s.size() != 18 || !alnum_isolated(value, begin, end))
    return false;
  const char authority = s[0];
  if (!((authority >= '1' && authority <= '9') || authority == 'A' || authority == 'N' ||
        authority == 'Y'))
    return false;
  if (!is_digit(s[2]) || !is_digit(s[3])) return false;
  const int region = (s[2] - '0') * 10 + (s[3] - '0');
  if (region != 10 && !known_cn_region(region)) return false;
  return valid_cn_uscc(s) && valid_cn_org_code(s.substr(8, 9)) && !valid_cn_resident_id(s);
}

bool v_cn_passport(std::string_view value, size_t begin, size_t end) {
  std::string_view s;
  return span(value, begin, end, s) && valid_cn_passport(s) && alnum_isolated(value, begin, end);
}

// --- email --------------------------------------------------------------------------------------

// local@domain.tld: local part 1..64 bytes of [A-Za-z0-9._%+-], not starting or ending with a
// dot, no ".."; domain labels 1..63 bytes of [A-Za-z0-9-], not starting or ending with '-';
// at least two labels; the last (the TLD) letters only, 2..24; the domain at most 253 bytes.
// The match must be the whole address: the pattern's boundary byte, when consumed, may not be
// a dot followed by more of the domain.
bool v_email(std::string_view value, size_t begin, size_t end) {
  std::string_view all;
  if (!span(value, begin, end, all)) return false;
  const size_t stop = trim_boundary(value, begin, end);
  if (stop < end && value[stop] == '.' && stop + 1 < value.size() && is_alnum(value[stop + 1]))
    return false;
  if (stop < value.size() && (is_alnum(value[stop]) || value[stop] == '-')) return false;
  if (begin > 0) {
    const char before = value[begin - 1];
    if (is_alnum(before) || before == '.' || before == '_' || before == '%' || before == '+' ||
        before == '-')
      return false;
  }
  const std::string_view s = value.substr(begin, stop - begin);
  const size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  const std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.front() == '.' || local.back() == '.') return false;
  for (size_t i = 0; i < local.size(); ++i) {
    const char c = local[i];
    if (!(is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-')) return false;
    if (c == '.' && i + 1 < local.size() && local[i + 1] == '.') return false;
  }
  if (domain.empty() || domain.size() > 253) return false;
  size_t labels = 0, label_start = 0;
  for (size_t i = 0; i <= domain.size(); ++i) {
    if (i < domain.size() && domain[i] != '.') {
      const char c = domain[i];
      if (!is_alnum(c) && c != '-') return false;
      continue;
    }
    const std::string_view label = domain.substr(label_start, i - label_start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    ++labels;
    if (i == domain.size()) {  // the TLD
      if (label.size() < 2 || label.size() > 24) return false;
      for (char c : label)
        if (!is_alpha(c)) return false;
    }
    label_start = i + 1;
  }
  return labels >= 2;
}

// --- secrets ------------------------------------------------------------------------------------

int b64url_value(char c) {
  if (is_upper(c)) return c - 'A';
  if (is_lower(c)) return c - 'a' + 26;
  if (is_digit(c)) return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

// Decodes up to out.size() bytes of the base64url text `in` (no padding); returns the count, or
// -1 on a character outside the alphabet or an impossible length (4k+1).
template <size_t N>
int b64url_decode_prefix(std::string_view in, std::array<char, N>& out) {
  if (in.size() % 4 == 1) return -1;
  size_t n = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = b64url_value(c);
    if (v < 0) return -1;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n == N) return static_cast<int>(n);
      out[n++] = static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return static_cast<int>(n);
}

// The match is "eyJ<header>.eyJ<payload>." (the pattern stops at the second dot so a token is
// one match); the signature follows it (empty for alg "none"). The header must decode to a JSON
// object naming "alg" (decoded into a stack buffer: headers are short, the first 384 bytes are
// enough), the token must not be glued to other base64url text on either side.
bool v_jwt(std::string_view value, size_t begin, size_t end) {
  std::string_view s;
  if (!span(value, begin, end, s) || s.size() < 10 || s.back() != '.') return false;
  if (begin > 0 && (is_b64url(value[begin - 1]) || value[begin - 1] == '.')) return false;
  const size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot + 1 >= s.size() - 1) return false;
  const std::string_view header = s.substr(0, dot);
  const std::string_view payload = s.substr(dot + 1, s.size() - dot - 2);
  for (char c : payload)
    if (!is_b64url(c)) return false;
  if (payload.size() % 4 == 1) return false;
  size_t i = end;
  while (i < value.size() && is_b64url(value[i])) ++i;
  if (i < value.size() && (value[i] == '.' || value[i] == '=')) return false;  // JWE or not b64url
  std::array<char, 384> decoded{};
  const std::string_view head = header.substr(0, header.size() > 512 ? 512 : header.size());
  const int n = b64url_decode_prefix(head, decoded);
  if (n < 8) return false;
  const std::string_view json(decoded.data(), static_cast<size_t>(n));
  size_t first = 0;
  while (first < json.size() &&
         (json[first] == ' ' || json[first] == '\n' || json[first] == '\r' || json[first] == '\t'))
    ++first;
  if (first == json.size() || json[first] != '{') return false;
  return json.find("\"alg\"") != std::string_view::npos;
}

// AKIA (long-term) or ASIA (temporary) + 16 base32 characters, alone; AWS's documentation
// example (…EXAMPLE) is not a key.
bool v_aws_access_key(std::string_view value, size_t begin, size_t end) {
  std::string_view s;
  if (!span(value, begin, end, s) || s.size() != 20 || !alnum_isolated(value, begin, end))
    return false;
  if (s.substr(0, 4) != "AKIA" && s.substr(0, 4) != "ASIA") return false;
  for (char c : s.substr(4))
    if (!(is_upper(c) || (c >= '2' && c <= '7'))) return false;
  return s.substr(13) != "EXAMPLE";
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// A secret by key name: at least 16 bytes, at most 4096, no whitespace, and a byte entropy of
// at least 3.5 bits (3.0 when every byte is a hex digit: 16 random hex digits average about
// 3.4, 32 about 3.8, while the entropy of a hex alphabet tops out at 4). Placeholders such as
// "your-api-key-here" or "xxxxxxxxxxxxxxxx" stay below. UUIDs pass: under an api-key name they
// are keys.
bool v_high_entropy(std::string_view value, size_t begin, size_t end) {
  std::string_view s;
  if (!span(value, begin, end, s) || s.size() < 16 || s.size() > 4096) return false;
  bool hex = true;
  for (char c : s) {
    if (is_space(c) || static_cast<unsigned char>(c) < 0x20) return false;
    hex = hex && (is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f'));
  }
  return shannon_entropy_bits_per_char(s) >= (hex ? 3.0 : 3.5);
}

// The value of an Authorization header: "Bearer" (any case), spaces, then one token68 of at
// least 16 characters (RFC 6750: [A-Za-z0-9-._~+/]+ then '=' padding).
bool v_bearer_token(std::string_view value, size_t begin, size_t end) {
  std::string_view s;
  if (!span(value, begin, end, s) || s.size() < 7 || !equals_ci(s.substr(0, 6), "bearer"))
    return false;
  size_t i = 6;
  if (s[i] != ' ') return false;
  while (i < s.size() && s[i] == ' ') ++i;
  const size_t token_start = i;
  while (i < s.size() && (is_alnum(s[i]) || s[i] == '-' || s[i] == '.' || s[i] == '_' ||
                          s[i] == '~' || s[i] == '+' || s[i] == '/'))
    ++i;
  const size_t body_end = i;
  while (i < s.size() && s[i] == '=') ++i;
  while (i < s.size() && is_space(s[i])) ++i;
  return i == s.size() && body_end - token_start >= 16;
}

// --- values found by their key ------------------------------------------------------------------

// What APIs and test fixtures put where a value is unknown; case-insensitive.
bool placeholder(std::string_view s) {
  static constexpr std::array<std::string_view, 22> kWords = {
      "null", "nil",    "none",     "undefined",  "n/a",        "na",    "-",   "unknown",
      "test", "string", "name",     "example",    "sample",     "foo",   "bar", "xxx",
      "true", "false",  "redacted", "[redacted]", "[filtered]", "hidden"};
  for (std::string_view w : kWords)
    if (equals_ci(s, w)) return true;
  return false;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// One UTF-8 code point at s[i]: its value and length, or length 0 when malformed (overlong,
// surrogate, truncated or past U+10FFFF).
size_t utf8_next(std::string_view s, size_t i, uint32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  size_t len = 0;
  uint32_t min = 0;
  if ((c & 0xe0) == 0xc0) {
    len = 2, cp = c & 0x1f, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3, cp = c & 0x0f, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

// Letters of the scripts names are written in: Latin with its accents, Greek, Cyrillic, CJK
// ideographs, kana and Hangul.
bool name_letter(uint32_t cp) {
  if (cp < 0x80) return is_alpha(static_cast<char>(cp));
  if (cp >= 0xc0 && cp <= 0x24f) return cp != 0xd7 && cp != 0xf7;  // Latin-1 and Extended-A/B
  return (cp >= 0x1e00 && cp <= 0x1eff) ||                         // Latin Extended Additional
         (cp >= 0x370 && cp <= 0x3ff) || (cp >= 0x400 && cp <= 0x4ff) ||      // Greek, Cyrillic
         (cp >= 0x3040 && cp <= 0x30ff) ||                                    // kana
         (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) ||  // CJK
         (cp >= 0xac00 && cp <= 0xd7af);                                      // Hangul
}

// Separators inside names: space, '.', apostrophes (' and ’), hyphen, and the middle dots of
// transliterated names (· U+00B7, ・ U+30FB).
bool name_separator(uint32_t cp) {
  return cp == ' ' || cp == '.' || cp == '\'' || cp == '-' || cp == 0xb7 || cp == 0x2019 ||
         cp == 0x30fb;
}

// A person's name: 2..64 bytes of letters and name separators, at least one letter, no digit,
// starting with a letter, not a placeholder.
bool v_person_name(std::string_view value, size_t begin, size_t end) {
  std::string_view s;
  if (!span(value, begin, end, s)) return false;
  s = trim_spaces(s);
  if (s.size() < 2 || s.size() > 64 || placeholder(s)) return false;
  bool first = true;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t len = utf8_next(s, i, cp);
    if (len == 0) return false;
    const bool letter = name_letter(cp);
    if (first && !letter) return false;
    if (!letter && !name_separator(cp)) return false;
    first = false;
    i += len;
  }
  return true;
}

bool contains_ci(std::string_view s, std::string_view needle) {
  if (needle.size() > s.size()) return false;
  for (size_t i = 0; i + needle.size() <= s.size(); ++i)
    if (equals_ci(s.substr(i, needle.size()), needle)) return true;
  return false;
}

// A postal address: at least 6 bytes with a letter (ASCII or any non-ASCII character, which
// covers CJK), not a URL, an email address, or an IP / MAC address (hex digits, ':' and '.').
bool v_address(std::string_view value, size_t begin, size_t end) {
  std::string_view s;
  if (!span(value, begin, end, s)) return false;
  s = trim_spaces(s);
  if (s.size() < 6 || s.size() > 1024 || placeholder(s)) return false;
  if (contains_ci(s, "://") || contains_ci(s.substr(0, 4), "www.") || s.find('@') != s.npos)
    return false;
  bool letter = false, hex_like = true;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    letter = letter || is_alpha(c) || u >= 0x80;
    const char l = lower(c);
    hex_like = hex_like && (is_digit(c) || (l >= 'a' && l <= 'f') || c == ':' || c == '.');
  }
  return letter && !hex_like;
}

// Digits s[i..i+n) as a number, or -1 when they are not all digits (or out of range).
int number(std::string_view s, size_t i, size_t n) {
  if (i + n > s.size() || n == 0) return -1;
  int v = 0;
  for (size_t k = i; k < i + n; ++k) {
    if (!is_digit(s[k])) return -1;
    v = v * 10 + (s[k] - '0');
  }
  return v;
}

// Reads 1 or 2 digits at s[i]; advances i.
int small_number(std::string_view s, size_t& i) {
  size_t n = 0;
  while (i + n < s.size() && n < 3 && is_digit(s[i + n])) ++n;
  if (n == 0 || n > 2) return -1;
  const int v = number(s, i, n);
  i += n;
  return v;
}

// A date of birth: YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD (month and day may have one digit),
// optionally followed by a time ('T' or ' ' and anything); YYYYMMDD; DD/MM/YYYY or MM/DD/YYYY
// (either reading a real date); 1990年1月2日. A real date, year 1900..2100.
bool v_birth_date(std::string_view value, size_t begin, size_t end) {
  std::string_view s;
  if (!span(value, begin, end, s)) return false;
  s = trim_spaces(s);
  if (s.size() < 8 || s.size() > 40) return false;
  if (s.size() == 8 && number(s, 0, 8) >= 0) {  // YYYYMMDD
    return real_date(number(s, 0, 4), number(s, 4, 2), number(s, 6, 2));
  }
  const int year = number(s, 0, 4);
  if (year >= 0 && s.size() > 4) {
    if (s.substr(4, 3) == "\xe5\xb9\xb4") {  // 年
      size_t i = 7;
      const int m = small_number(s, i);
      if (m < 0 || s.substr(i, 3) != "\xe6\x9c\x88") return false;  // 月
      i += 3;
      const int d = small_number(s, i);
      if (d < 0) return false;
      const std::string_view rest = s.substr(i);
      return (rest.empty() || rest == "\xe6\x97\xa5" || rest == "\xe5\x8f\xb7") &&  // 日 号
             real_date(year, m, d);
    }
    const char sep = s[4];
    if (sep != '-' && sep != '/' && sep != '.') return false;
    size_t i = 5;
    const int m = small_number(s, i);
    if (m < 0 || i >= s.size() || s[i] != sep) return false;
    ++i;
    const int d = small_number(s, i);
    if (d < 0) return false;
    if (i < s.size() && s[i] != 'T' && s[i] != ' ') return false;
    return real_date(year, m, d);
  }
  // DD/MM/YYYY or MM/DD/YYYY (also with '-' or '.').
  size_t i = 0;
  const int a = small_number(s, i);
  if (a < 0 || i >= s.size()) return false;
  const char sep = s[i];
  if (sep != '/' && sep != '-' && sep != '.') return false;
  ++i;
  const int b = small_number(s, i);
  if (b < 0 || i >= s.size() || s[i] != sep) return false;
  ++i;
  const int y = number(s, i, 4);
  if (y < 0 || i + 4 != s.size()) return false;
  return real_date(y, b, a) || real_date(y, a, b);
}

// A password value: not empty, not a mask ("***", "••••"), not a placeholder (null, undefined,
// "" as two quote characters, [FILTERED]…), at most 1024 bytes.
bool v_password(std::string_view value, size_t begin, size_t end) {
  std::string_view s;
  if (!span(value, begin, end, s)) return false;
  s = trim_spaces(s);
  if (s.empty() || s.size() > 1024 || placeholder(s) || s == "\"\"" || s == "''") return false;
  bool mask = true;
  for (size_t i = 0; i < s.size() && mask;) {
    if (s[i] == '*' || s[i] == 'x' || s[i] == 'X' || s[i] == '#') {
      ++i;
    } else if (s.substr(i, 3) == "\xe2\x80\xa2" || s.substr(i, 3) == "\xe2\x97\x8f") {  // • ●
      i += 3;
    } else {
      mask = false;
    }
  }
  return !mask;
}

struct Entry {
  std::string_view name;
  Validator fn;
};

// Sorted by name (validator_names() returns them in this order; find_validator bisects).
constexpr std::array<Entry, 14> kRegistry = {{
    {"address", v_address},
    {"aws_access_key", v_aws_access_key},
    {"bank_card", v_bank_card},
    {"bearer_token", v_bearer_token},
    {"birth_date", v_birth_date},
    {"cn_mobile", v_cn_mobile},
    {"cn_passport", v_cn_passport},
    {"cn_resident_id", v_cn_resident_id},
    {"cn_uscc", v_cn_uscc},
    {"email", v_email},
    {"high_entropy", v_high_entropy},
    {"jwt", v_jwt},
    {"password", v_password},
    {"person_name", v_person_name},
}};

}  // namespace

Validator find_validator(std::string_view name) {
  const auto it = std::lower_bound(kRegistry.begin(), kRegistry.end(), name,
                                   [](const Entry& e, std::string_view n) { return e.name < n; });
  return it != kRegistry.end() && it->name == name ? it->fn : nullptr;
}

std::vector<std::string_view> validator_names() {
  std::vector<std::string_view> names;
  names.reserve(kRegistry.size());
  for (const Entry& e : kRegistry) names.push_back(e.name);
  return names;
}

}  // namespace mirador::sensitive

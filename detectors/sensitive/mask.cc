#include "detectors/sensitive/mask.h"

#include <cstdint>

namespace mirador::sensitive {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// Length of the character at s[i]: a well-formed UTF-8 sequence, or 1 for a byte that does not
// start one (an invalid byte is one character of its own, so a cut never lands inside a code
// point and never swallows the next one).
size_t char_len(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t len = 1;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
  }
  if (i + len > s.size()) return 1;
  for (size_t k = 1; k < len; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 1;
  return len;
}

size_t char_count(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += char_len(s, i)) ++n;
  return n;
}

// Appends the character at s[i] (U+FFFD for an invalid byte: samples must be valid UTF-8) and
// returns its length.
size_t append_char(std::string_view s, size_t i, std::string& out) {
  const size_t len = char_len(s, i);
  if (len == 1 && static_cast<unsigned char>(s[i]) >= 0x80) {
    out += "\xef\xbf\xbd";
  } else {
    out.append(s.substr(i, len));
  }
  return len;
}

// Appends the first `n` characters of s; returns the byte offset after them.
size_t append_chars(std::string_view s, size_t n, std::string& out) {
  size_t i = 0;
  for (size_t k = 0; k < n && i < s.size(); ++k) i += append_char(s, i, out);
  return i;
}

void append_length(size_t n, std::string& out) {
  out += "\xe2\x80\xa6(";  // …
  out += std::to_string(n);
  out += " chars)";
}

// Values longer than this many characters are shown as their first 4 and their length only.
constexpr size_t kLongValue = 64;

// Secrets: the first 4 characters (the kind of token: "eyJh", "AKIA", "----") and the length.
void mask_secret(std::string_view v, std::string& out) {
  const size_t n = char_count(v);
  append_chars(v, n >= 16 ? 4 : 0, out);
  append_length(n, out);
}

// The first and last quarter (at most), '*' for each character between.
void mask_generic(std::string_view v, std::string& out) {
  const size_t n = char_count(v);
  if (n > kLongValue) {
    mask_secret(v, out);
    return;
  }
  const size_t keep = n / 4;
  size_t i = append_chars(v, keep, out);
  for (size_t k = keep; k < n - keep; ++k) {
    out += '*';
    i += char_len(v, i);
  }
  while (i < v.size()) i += append_char(v, i, out);
}

// A value pattern may have consumed one boundary byte after the match (validator_registry.cc):
// it is not part of the value.
std::string_view trim_boundary(std::string_view v) {
  if (!v.empty() && !is_alnum(v.back())) v.remove_suffix(1);
  return v;
}

// Keeps the first `first` and last `last` countable characters (digits; with `x_counts`, also
// X and x), masks the other countable ones and keeps everything else (separators, '+').
// Returns false (nothing appended) when there are not enough countable characters to hide one.
bool mask_digits(std::string_view v, size_t first, size_t last, bool x_counts, std::string& out) {
  const auto countable = [&](char c) {
    return is_digit(c) || (x_counts && (c == 'X' || c == 'x'));
  };
  size_t total = 0;
  for (char c : v) {
    if (countable(c)) {
      ++total;
    } else if (!(c == ' ' || c == '-' || c == '+')) {
      return false;  // not a formatted number: the generic mask handles it
    }
  }
  if (total < first + last + 1) return false;
  size_t idx = 0;
  for (char c : v) {
    if (!countable(c)) {
      out += c;
      continue;
    }
    out += (idx < first || idx >= total - last) ? c : '*';
    ++idx;
  }
  return true;
}

void mask_mobile(std::string_view v, std::string& out) {
  size_t total = 0;
  for (char c : v) total += is_digit(c) ? 1 : 0;
  // A country code (86, 0086) stays visible: keep it plus the 3-digit segment.
  if (total >= 11 && mask_digits(v, 3 + (total - 11), 4, false, out)) return;
  mask_generic(v, out);
}

void mask_email(std::string_view v, std::string& out) {
  const size_t at = v.find('@');
  if (at == std::string_view::npos || at == 0) {
    mask_generic(v, out);
    return;
  }
  append_chars(v, 1, out);
  out += "***";
  const std::string_view domain = v.substr(at);
  for (size_t i = 0; i < domain.size();) i += append_char(domain, i, out);
}

void mask_bearer(std::string_view v, std::string& out) {
  size_t i = 0;
  while (i < v.size() && v[i] != ' ') ++i;
  while (i < v.size() && v[i] == ' ') ++i;
  if (i == v.size()) {
    mask_secret(v, out);
    return;
  }
  out.append(v.substr(0, i));  // the scheme ("Bearer ") is not secret
  mask_secret(v.substr(i), out);
}

// First character, then '*' for every other one.
void mask_name(std::string_view v, std::string& out) {
  const size_t n = char_count(v);
  if (n > kLongValue) {
    mask_secret(v, out);
    return;
  }
  append_chars(v, 1, out);
  for (size_t k = 1; k < n; ++k) out += '*';
}

}  // namespace

void mask_value(std::string_view data_class, std::string_view value, std::string& out) {
  if (data_class == "password") {
    out += "******";  // not even the length
  } else if (data_class == "cn_resident_id") {
    const std::string_view v = trim_boundary(value);
    if (!mask_digits(v, 6, 4, true, out)) mask_generic(value, out);
  } else if (data_class == "cn_mobile") {
    mask_mobile(trim_boundary(value), out);
  } else if (data_class == "bank_card") {
    const std::string_view v = trim_boundary(value);
    if (!mask_digits(v, 6, 4, false, out)) mask_generic(value, out);
  } else if (data_class == "email") {
    mask_email(trim_boundary(value), out);
  } else if (data_class == "bearer_token") {
    mask_bearer(value, out);
  } else if (data_class == "jwt" || data_class == "aws_access_key" || data_class == "private_key" ||
             data_class == "api_key" || data_class == "secret") {
    mask_secret(value, out);
  } else if (data_class == "person_name") {
    mask_name(value, out);
  } else {
    mask_generic(value, out);
  }
}

}  // namespace mirador::sensitive

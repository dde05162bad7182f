#include "detectors/sensitive/validators.h"

#include <array>
#include <cmath>

namespace mirador::sensitive {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
int digit(char c) {
  return c - '0';
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// Value of s[pos..pos+n) as a number; the caller has checked the chars are digits.
int number_at(std::string_view s, size_t pos, size_t n) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) v = v * 10 + digit(s[i]);
  return v;
}

bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

}  // namespace

bool real_date(int y, int m, int d, int max_year) {
  if (y < 1900 || y > max_year || m < 1 || m > 12 || d < 1) return false;
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int days = kDays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
  return d <= days;
}

// GB/T 2260 province-level codes, plus 83 (Taiwan residents' residence permits, 2018).
bool known_cn_region(int code) {
  return (code >= 11 && code <= 15) || (code >= 21 && code <= 23) || (code >= 31 && code <= 37) ||
         (code >= 41 && code <= 46) || (code >= 50 && code <= 54) || (code >= 61 && code <= 65) ||
         code == 71 || code == 81 || code == 82 || code == 83;
}

namespace {

constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// Index of c in the USCC alphabet, or -1 (which also rejects I, O, Z, S, V and lower case).
int uscc_value(char c) {
  size_t i = kUsccAlphabet.find(c);
  return i == std::string_view::npos ? -1 : static_cast<int>(i);
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

}  // namespace

bool valid_cn_resident_id(std::string_view s, int max_year) {
  if (s.size() != 18 || !all_digits(s.substr(0, 17))) return false;
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                   3, 7, 9,  10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += digit(s[i]) * kWeights[i];
  char expected = std::string_view("10X98765432")[sum % 11];
  char check = s[17] == 'x' ? 'X' : s[17];
  if (check != expected) return false;
  if (!real_date(number_at(s, 6, 4), number_at(s, 10, 2), number_at(s, 12, 2), max_year))
    return false;
  return known_cn_region(number_at(s, 0, 2));
}

bool valid_cn_mobile(std::string_view digits) {
  return digits.size() == 11 && all_digits(digits) && digits[0] == '1' && digits[1] >= '3';
}

bool assigned_cn_mobile_segment(std::string_view d) {
  if (d.size() < 3 || d[0] != '1' || !is_digit(d[1]) || !is_digit(d[2])) return false;
  const int third = digit(d[2]);
  switch (d[1]) {
    case '3':
    case '8':
      return true;
    case '4':
      return third >= 5;
    case '5':
      return third != 4;
    case '6':
      return third == 2 || (third >= 5 && third <= 7);
    case '7':
      return third <= 8;
    case '9':
      return third != 4;
    default:
      return false;
  }
}

std::string_view strip_cn_country_code(std::string_view s) {
  for (std::string_view prefix : {"+86", "0086", "86"}) {
    if (s.size() == prefix.size() + 11 && starts_with(s, prefix)) return s.substr(prefix.size());
  }
  return s;
}

bool digit_run_isolated(std::string_view text, size_t begin, size_t end) {
  if (begin >= end || end > text.size()) return false;
  if (begin > 0 && is_digit(text[begin - 1])) return false;
  if (end < text.size() && is_digit(text[end])) return false;
  return true;
}

bool luhn_valid(std::string_view digits) {
  if (digits.empty() || !all_digits(digits)) return false;
  int sum = 0;
  bool twice = false;  // every second digit from the right is doubled
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digit(digits[i]);
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

CardBrand card_brand(std::string_view digits) {
  if (digits.size() < 13 || !all_digits(digits)) return CardBrand::unknown;
  const size_t n = digits.size();
  const int p2 = number_at(digits, 0, 2);
  const int p4 = number_at(digits, 0, 4);
  if (p2 == 62 && n >= 16 && n <= 19) return CardBrand::unionpay;
  if (digits[0] == '4' && (n == 13 || n == 16 || n == 19)) return CardBrand::visa;
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n == 16)
    return CardBrand::mastercard;
  if ((p2 == 34 || p2 == 37) && n == 15) return CardBrand::amex;
  return CardBrand::unknown;
}

std::string_view card_brand_name(CardBrand b) {
  switch (b) {
    case CardBrand::unionpay:
      return "unionpay";
    case CardBrand::visa:
      return "visa";
    case CardBrand::mastercard:
      return "mastercard";
    case CardBrand::amex:
      return "amex";
    case CardBrand::unknown:
      break;
  }
  return "unknown";
}

bool valid_bank_card(std::string_view digits) {
  return card_brand(digits) != CardBrand::unknown && luhn_valid(digits);
}

bool valid_cn_uscc(std::string_view s) {
  if (s.size() != 18) return false;
  static constexpr std::array<int, 17> kWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                                   29, 25, 13, 8,  24, 10, 30, 28};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    int v = uscc_value(s[i]);
    if (v < 0) return false;
    sum += v * kWeights[i];
  }
  int check = uscc_value(s[17]);
  return check >= 0 && check == (31 - sum % 31) % 31;
}

bool valid_cn_org_code(std::string_view s) {
  if (s.size() != 9) return false;
  static constexpr std::array<int, 8> kWeights = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 8; ++i) {
    const char c = s[i];
    int v = 0;
    if (is_digit(c)) {
      v = digit(c);
    } else if (c >= 'A' && c <= 'Z') {
      v = c - 'A' + 10;
    } else {
      return false;
    }
    sum += v * kWeights[i];
  }
  const int check = 11 - sum % 11;
  const char expected = check == 10 ? 'X' : check == 11 ? '0' : static_cast<char>('0' + check);
  return s[8] == expected;
}

bool valid_cn_passport(std::string_view s) {
  if (s.size() != 9) return false;
  const char first = s[0];
  if (first == 'E') {
    if (all_digits(s.substr(1))) return true;
    const char second = s[1];
    return second >= 'A' && second <= 'Z' && second != 'I' && second != 'O' &&
           all_digits(s.substr(2));
  }
  return (first == 'G' || first == 'D' || first == 'S' || first == 'P') && all_digits(s.substr(1));
}

double shannon_entropy_bits_per_char(std::string_view s) {
  if (s.empty()) return 0.0;
  std::array<size_t, 256> counts{};
  for (char c : s) ++counts[static_cast<unsigned char>(c)];
  const double n = static_cast<double>(s.size());
  double bits = 0.0;
  for (size_t c : counts) {
    if (c == 0) continue;
    const double p = static_cast<double>(c) / n;
    bits -= p * std::log2(p);
  }
  return bits;
}

}  // namespace mirador::sensitive

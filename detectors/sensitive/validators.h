// Validators for sensitive-data candidates. A Hyperscan pattern only says "this looks like an
// ID"; these checks (check digits, real dates, known prefixes) keep random digit strings from
// being reported. Each takes the candidate exactly (no surrounding text), reads only inside the
// view and never allocates, so it is safe on hostile input and cheap on the hot path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mirador::sensitive {

// Chinese resident ID (GB 11643-1999), 18-character form only (the 15-digit form of the 1980s
// has no check digit and is left out on purpose: too many false positives). Checks: 17 digits +
// check char (digit, 'X' or 'x'); ISO 7064 MOD 11-2 check; a real birth date (YYYYMMDD at 6..13,
// Gregorian leap years, year 1900..max_year); a province-level region prefix from GB/T 2260
// (11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82) plus 83, which the 2018 residence
// permits for Taiwan residents use.
inline constexpr int kCnIdMaxYear = 2100;
bool valid_cn_resident_id(std::string_view s, int max_year = kCnIdMaxYear);
// The province-level region codes above (the first two digits of a resident ID or of the
// administrative-division part of a USCC).
bool known_cn_region(int two_digit_code);
// A real Gregorian date with year in 1900..max_year.
bool real_date(int year, int month, int day, int max_year = kCnIdMaxYear);

// Chinese mobile number: exactly 11 digits, "1", then 3-9, then 9 digits. A country code is the
// caller's job: strip it with strip_cn_country_code first.
bool valid_cn_mobile(std::string_view digits);
// The number's first three digits are a segment MIIT has assigned to public mobile service (as
// of 2023: 13x, 145-149, 15x but 154, 162, 165-167, 170-178, 18x, 19x but 194). Stricter than
// valid_cn_mobile: 140-144 are 13-digit IoT numbers, the others unassigned. False for fewer
// than three digits.
bool assigned_cn_mobile_segment(std::string_view digits);
// Returns the number without a leading "+86", "0086" or "86" when what remains is 11 chars long;
// otherwise returns `s` unchanged (so "8613800138000" → "13800138000", "86123" → "86123").
std::string_view strip_cn_country_code(std::string_view s);

// True when the match [begin, end) of `text` is not part of a longer run of digits: the byte
// before `begin` and the byte at `end` (when they exist) are not ASCII digits. A phone number
// inside a 20-digit order id is not a phone number. False for an out-of-range or empty span.
bool digit_run_isolated(std::string_view text, size_t begin, size_t end);

// Luhn (mod 10) check; false for an empty string or any non-digit.
bool luhn_valid(std::string_view digits);

enum class CardBrand : uint8_t { unknown, unionpay, visa, mastercard, amex };
// Brand from prefix AND length (a prefix with the wrong length is unknown): unionpay 62 + 16-19
// digits, visa 4 + 13/16/19, mastercard 51-55 or 2221-2720 + 16, amex 34/37 + 15. Digits only.
CardBrand card_brand(std::string_view digits);
std::string_view card_brand_name(CardBrand b);
// Known brand (with its length) and a valid Luhn check.
bool valid_bank_card(std::string_view digits);

// Unified social credit code (GB 32100-2015): 18 chars from "0123456789ABCDEFGHJKLMNPQRTUWXY"
// (no I, O, Z, S, V; upper case only, as the standard prints it), with the check character over
// the first 17 values (weights 3^i mod 31). The registration-authority and type codes in the
// first two chars are not checked (the list changes; the check character is what rejects noise).
bool valid_cn_uscc(std::string_view s);
// Organisation code (GB 11714-1997), which a USCC carries at positions 9-17: 8 characters
// (digits, upper-case letters worth 10..35) and a check character (weights 3 7 9 10 5 8 4 2,
// 11 - sum mod 11; 10 is 'X', 11 is '0'). Exactly 9 characters.
bool valid_cn_org_code(std::string_view s9);

// Chinese passport numbers, upper case only, 9 chars: "E" + 8 digits (e-passports since 2012),
// "E" + a letter other than I/O + 7 digits (once the E digit space ran out), or "G", "D", "S",
// "P" + 8 digits (older ordinary, diplomatic, service and public-affairs passports). The
// two-letter forms ("DE", "SE", "PE" + 7 digits) are not accepted yet.
bool valid_cn_passport(std::string_view s);

// Shannon entropy of the byte distribution, in bits per byte (0 for an empty string, at most 8).
// Random API keys sit around 4.5-6; words and repeated characters much lower.
double shannon_entropy_bits_per_char(std::string_view s);

}  // namespace mirador::sensitive

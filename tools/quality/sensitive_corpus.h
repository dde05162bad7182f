// Sensitive-data corpus for detection-quality measurements (issue 4, must-show 3): seeded
// generators of VALID identifiers (correct check digits, real dates, real region prefixes and
// card ranges) and of RANDOM strings of the same shape (what a validator has to reject), and a
// realistic JSON API response that plants a given list of values under realistic keys (or
// neutral ones). Same seed, same output.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mirador::quality {

// The identifier classes, named as the rules' `class:` names them.
enum class IdClass : uint8_t { cn_resident_id, cn_mobile, bank_card, cn_uscc, cn_passport, email };
inline constexpr std::array<IdClass, 6> kIdClasses = {IdClass::cn_resident_id, IdClass::cn_mobile,
                                                      IdClass::bank_card,      IdClass::cn_uscc,
                                                      IdClass::cn_passport,    IdClass::email};
std::string_view id_class_name(IdClass c);

enum class CardKind : uint8_t { unionpay, visa, mastercard, amex };

// Keys an API would use for the class ("idCard", "mobile", "身份证号", …).
const std::vector<std::string_view>& realistic_keys(IdClass c);
// Keys that say nothing about the value ("ref", "note", …).
const std::vector<std::string_view>& neutral_keys();
// True for the classes whose rules require a context word in the key (cn_passport: nine
// characters with no check digit are found only under a passport key).
bool needs_context_key(IdClass c);

class SensitiveCorpus {
 public:
  explicit SensitiveCorpus(uint64_t seed) : rng_(seed) {}

  // A valid identifier of the class (bank_card: a random brand).
  std::string valid(IdClass c);
  // A random string of the same shape (resident ID: 18 random digits; mobile: 1 + 10 random
  // digits; card: a brand's prefix + random digits of its length; USCC: 18 random characters
  // of its alphabet; passport: E + 8 random digits; email: random local@random text).
  std::string random_like(IdClass c);

  // Resident ID: a real district code, a birth date in 1940..2010, a 3-digit sequence and the
  // GB 11643 check character.
  std::string resident_id();
  // Mobile: an assigned segment (validators.h) + 8 digits.
  std::string mobile();
  // A card of the brand: a real issuer prefix, the brand's length and the Luhn digit.
  std::string card(CardKind kind);
  // USCC: registration authority and type ("91", "12", "Y1"…), a real district code, an
  // organisation code with its GB 11714 check character, and the GB 32100 check character.
  std::string uscc();
  // Passport: E + 8 digits, E + letter (not I/O) + 7 digits, or G + 8 digits.
  std::string passport();
  // Email: first.last, initials or handles at example.com/.org/.net (reserved domains).
  std::string email();

  // Random helpers the response builder shares.
  size_t below(size_t n);  // uniform in [0, n)
  std::string digits(size_t n);

 private:
  std::mt19937_64 rng_;
};

struct Planted {
  IdClass cls = IdClass::cn_resident_id;
  std::string value;
  bool neutral_key = false;  // under "ref", "note", … (ignored for needs_context_key classes)
};

// {"code":0,"data":[{…},…],"page":{…}}: records of ordinary fields (ids, timestamps, statuses,
// amounts, order numbers, UUIDs) each carrying one or two of `values` under a key of their
// class (or a neutral key). Every planted value appears exactly once, as a JSON string.
std::string build_json_response(const std::vector<Planted>& values, SensitiveCorpus& corpus);

// How many of `n` random same-shape strings of the class the class's validator accepts (its
// inherent false-positive rate; each string is the whole value).
struct PassRate {
  size_t tried = 0;
  size_t passed = 0;
  double rate() const { return tried ? static_cast<double>(passed) / tried : 0.0; }
};
PassRate random_pass_rate(IdClass c, size_t n, uint64_t seed);

}  // namespace mirador::quality

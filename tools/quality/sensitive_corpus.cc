#include "tools/quality/sensitive_corpus.h"

#include <algorithm>
#include <cstdio>

#include "detectors/sensitive/validator_registry.h"
#include "detectors/sensitive/validators.h"
#include "sensor/output/json_writer.h"

namespace mirador::quality {
namespace {

// District codes (GB/T 2260) of real cities, so generated resident IDs and USCCs carry a real
// region; 810000-830000 are the residence permits of Hong Kong, Macau and Taiwan residents.
constexpr std::array<std::string_view, 18> kDistricts = {
    "110105", "110108", "310115", "310104", "440305", "440106", "330106", "510107", "420111",
    "320102", "610113", "500103", "120101", "370202", "210102", "650102", "810000", "830000"};

constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

char id_check(std::string_view s17) {
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                   3, 7, 9,  10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (s17[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

char uscc_check(std::string_view s17) {
  int sum = 0, w = 1;
  for (char c : s17) {
    sum += static_cast<int>(kUsccAlphabet.find(c)) * w;
    w = w * 3 % 31;
  }
  return kUsccAlphabet[(31 - sum % 31) % 31];
}

char org_check(std::string_view s8) {
  static constexpr std::array<int, 8> kWeights = {3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 8; ++i) {
    const char c = s8[i];
    sum += (c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10) * kWeights[i];
  }
  const int check = 11 - sum % 11;
  return check == 10 ? 'X' : check == 11 ? '0' : static_cast<char>('0' + check);
}

char luhn_check(std::string_view body) {
  int sum = 0;
  bool twice = true;  // the digit next to the check digit is doubled
  for (size_t i = body.size(); i-- > 0;) {
    int d = body[i] - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

}  // namespace

std::string_view id_class_name(IdClass c) {
  switch (c) {
    case IdClass::cn_resident_id:
      return "cn_resident_id";
    case IdClass::cn_mobile:
      return "cn_mobile";
    case IdClass::bank_card:
      return "bank_card";
    case IdClass::cn_uscc:
      return "cn_uscc";
    case IdClass::cn_passport:
      return "cn_passport";
    case IdClass::email:
      return "email";
  }
  return "unknown";
}

const std::vector<std::string_view>& realistic_keys(IdClass c) {
  static const std::vector<std::string_view> kId = {"idCard",   "id_card",  "idNo",
                                                    "idNumber", "身份证号", "certNo"};
  static const std::vector<std::string_view> kMobile = {"mobile",       "phone",  "tel",
                                                        "contactPhone", "手机号", "phoneNumber"};
  static const std::vector<std::string_view> kCard = {"cardNo",   "bankCard", "card_number",
                                                      "银行卡号", "pan",      "accountNo"};
  static const std::vector<std::string_view> kUscc = {"creditCode", "uscc", "统一社会信用代码",
                                                      "unifiedSocialCreditCode"};
  static const std::vector<std::string_view> kPassport = {"passportNo", "passport", "护照号",
                                                          "passport_number"};
  static const std::vector<std::string_view> kEmail = {"email", "mail", "contactEmail", "邮箱"};
  switch (c) {
    case IdClass::cn_resident_id:
      return kId;
    case IdClass::cn_mobile:
      return kMobile;
    case IdClass::bank_card:
      return kCard;
    case IdClass::cn_uscc:
      return kUscc;
    case IdClass::cn_passport:
      return kPassport;
    case IdClass::email:
      break;
  }
  return kEmail;
}

const std::vector<std::string_view>& neutral_keys() {
  static const std::vector<std::string_view> kKeys = {"ref",   "note",  "remark",
                                                      "extra", "value", "memo"};
  return kKeys;
}

bool needs_context_key(IdClass c) {
  return c == IdClass::cn_passport;
}

size_t SensitiveCorpus::below(size_t n) {
  return std::uniform_int_distribution<size_t>(0, n - 1)(rng_);
}

std::string SensitiveCorpus::digits(size_t n) {
  std::string s(n, '0');
  for (char& c : s) c = static_cast<char>('0' + below(10));
  return s;
}

std::string SensitiveCorpus::resident_id() {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int year = 1940 + static_cast<int>(below(71));
  const int month = 1 + static_cast<int>(below(12));
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int days = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  const int day = 1 + static_cast<int>(below(static_cast<size_t>(days)));
  char date[48];
  std::snprintf(date, sizeof date, "%04d%02d%02d", year, month, day);
  std::string s = std::string(kDistricts[below(kDistricts.size())]) + date + digits(3);
  s += id_check(s);
  return s;
}

std::string SensitiveCorpus::mobile() {
  // Draw segments until one is assigned (about 80 % of 13x-19x are).
  for (;;) {
    std::string s = "1" + std::string(1, static_cast<char>('3' + below(7))) + digits(9);
    if (sensitive::assigned_cn_mobile_segment(s)) return s;
  }
}

std::string SensitiveCorpus::card(CardKind kind) {
  std::string body;
  switch (kind) {
    case CardKind::unionpay: {
      static constexpr std::array<std::string_view, 5> kBins = {"622202", "621700", "622848",
                                                                "621226", "625807"};
      const size_t len = below(2) ? 19 : 16;
      body = std::string(kBins[below(kBins.size())]);
      body += digits(len - 1 - body.size());
      break;
    }
    case CardKind::visa:
      body = "4" + digits(14);
      break;
    case CardKind::mastercard:
      if (below(4) == 0) {  // the 2-series
        body = std::to_string(2221 + below(500)) + digits(11);
      } else {
        body = "5" + std::string(1, static_cast<char>('1' + below(5))) + digits(13);
      }
      break;
    case CardKind::amex:
      body = std::string(below(2) ? "34" : "37") + digits(12);
      break;
  }
  return body + luhn_check(body);
}

std::string SensitiveCorpus::uscc() {
  static constexpr std::array<std::string_view, 8> kKinds = {"91", "92", "93", "12",
                                                             "11", "51", "52", "Y1"};
  std::string s = std::string(kKinds[below(kKinds.size())]);
  s += kDistricts[below(kDistricts.size() - 2)];  // mainland districts
  // The organisation code: 8 characters and its GB 11714 check character (new codes start "MA").
  std::string org = below(2) ? "MA" : "";
  while (org.size() < 8) org += kUsccAlphabet[below(kUsccAlphabet.size())];
  s += org + org_check(org);
  s += uscc_check(s);
  return s;
}

std::string SensitiveCorpus::passport() {
  switch (below(3)) {
    case 0:
      return "E" + digits(8);
    case 1: {
      constexpr std::string_view kLetters = "ABCDEFGHJKLMNPQRSTUVWXYZ";  // no I, O
      return "E" + std::string(1, kLetters[below(kLetters.size())]) + digits(7);
    }
    default:
      return "G" + digits(8);
  }
}

std::string SensitiveCorpus::email() {
  static constexpr std::array<std::string_view, 8> kFirst = {"wei",  "li",    "john", "maria",
                                                             "chen", "sofia", "liam", "yuki"};
  static constexpr std::array<std::string_view, 8> kLast = {"zhang", "wang",  "smith",  "garcia",
                                                            "liu",   "rossi", "o-neil", "sato"};
  static constexpr std::array<std::string_view, 5> kDomains = {
      "example.com", "example.org", "example.net", "mail.example.com", "corp.example.org"};
  std::string local;
  switch (below(3)) {
    case 0:
      local =
          std::string(kFirst[below(kFirst.size())]) + "." + std::string(kLast[below(kLast.size())]);
      break;
    case 1:
      local = std::string(1, kFirst[below(kFirst.size())][0]) +
              std::string(kLast[below(kLast.size())]) + digits(2);
      break;
    default:
      local = std::string(kFirst[below(kFirst.size())]) + "_" + digits(4) + "+api";
  }
  return local + "@" + std::string(kDomains[below(kDomains.size())]);
}

std::string SensitiveCorpus::valid(IdClass c) {
  switch (c) {
    case IdClass::cn_resident_id:
      return resident_id();
    case IdClass::cn_mobile:
      return mobile();
    case IdClass::bank_card:
      return card(static_cast<CardKind>(below(4)));
    case IdClass::cn_uscc:
      return uscc();
    case IdClass::cn_passport:
      return passport();
    case IdClass::email:
      break;
  }
  return email();
}

std::string SensitiveCorpus::random_like(IdClass c) {
  switch (c) {
    case IdClass::cn_resident_id:
      return digits(18);
    case IdClass::cn_mobile:
      return "1" + digits(10);
    case IdClass::bank_card:
      switch (below(4)) {
        case 0:
          return "62" + digits(14);
        case 1:
          return "4" + digits(15);
        case 2:
          return "5" + std::string(1, static_cast<char>('1' + below(5))) + digits(14);
        default:
          return "3" + std::string(below(2) ? "4" : "7") + digits(13);
      }
    case IdClass::cn_uscc: {
      std::string s;
      for (int i = 0; i < 18; ++i) s += kUsccAlphabet[below(kUsccAlphabet.size())];
      return s;
    }
    case IdClass::cn_passport:
      return "E" + digits(8);
    case IdClass::email:
      break;
  }
  constexpr std::string_view kLocal = "abcdefghijklmnopqrstuvwxyz0123456789._-";
  constexpr std::string_view kDomain = "abcdefghijklmnopqrstuvwxyz0123456789.-";
  std::string s;
  for (size_t i = 0, n = 1 + below(12); i < n; ++i) s += kLocal[below(kLocal.size())];
  s += '@';
  for (size_t i = 0, n = 1 + below(12); i < n; ++i) s += kDomain[below(kDomain.size())];
  return s;
}

std::string build_json_response(const std::vector<Planted>& values, SensitiveCorpus& corpus) {
  static constexpr std::array<std::string_view, 4> kStatus = {"active", "pending", "closed",
                                                              "suspended"};
  std::string out = "{\"code\":0,\"message\":\"ok\",\"data\":[";
  size_t record = 0;
  for (size_t i = 0; i < values.size();) {
    if (record > 0) out += ',';
    // Ordinary fields first: ids, an order number (20 digits), a millisecond timestamp (13
    // digits), an ISO time, a UUID, an amount — digit runs a validator must not take for IDs.
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "{\"id\":%zu,\"orderNo\":\"%s\",\"ts\":%s,\"createdAt\":\"2024-%02zu-%02zuT%02zu:"
                  "%02zu:%02zuZ\",\"status\":\"%s\",\"amount\":%zu.%02zu,",
                  1000 + corpus.below(900000), corpus.digits(20).c_str(),
                  ("17" + corpus.digits(11)).c_str(), 1 + corpus.below(12), 1 + corpus.below(28),
                  corpus.below(24), corpus.below(60), corpus.below(60),
                  std::string(kStatus[corpus.below(kStatus.size())]).c_str(), corpus.below(10000),
                  corpus.below(100));
    out += buf;
    out += "\"traceId\":\"";
    const std::string hex = "0123456789abcdef";
    for (int k = 0; k < 32; ++k) {
      if (k == 8 || k == 12 || k == 16 || k == 20) out += '-';
      out += hex[corpus.below(16)];
    }
    out += '"';
    // One or two planted values per record, never two under the same key.
    const size_t n = std::min<size_t>(values.size() - i, 1 + corpus.below(2));
    std::string_view used;
    for (size_t k = 0; k < n; ++k, ++i) {
      const Planted& p = values[i];
      const bool neutral = p.neutral_key && !needs_context_key(p.cls);
      const auto& keys = neutral ? neutral_keys() : realistic_keys(p.cls);
      std::string_view key = keys[corpus.below(keys.size())];
      if (key == used)
        key = keys[(std::find(keys.begin(), keys.end(), key) - keys.begin() + 1) % keys.size()];
      used = key;
      out += ',';
      append_json_string(out, key);
      out += ':';
      append_json_string(out, p.value);
    }
    out += '}';
    ++record;
  }
  char tail[96];
  std::snprintf(tail, sizeof tail, "],\"page\":{\"number\":1,\"size\":%zu,\"total\":%zu}}", record,
                record);
  out += tail;
  return out;
}

PassRate random_pass_rate(IdClass c, size_t n, uint64_t seed) {
  SensitiveCorpus corpus(seed);
  const sensitive::Validator v = sensitive::find_validator(id_class_name(c));
  PassRate r;
  for (size_t i = 0; i < n; ++i) {
    const std::string s = corpus.random_like(c);
    ++r.tried;
    if (v != nullptr && v(s, 0, s.size())) ++r.passed;
  }
  return r;
}

}  // namespace mirador::quality

#include "detectors/sensitive/validators.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

using namespace mirador::sensitive;

namespace {

// Independent computation of the GB 11643 check character, so tests can build valid IDs for
// any date and region instead of relying on a handful of fixed samples.
std::string with_id_check(std::string s17) {
  static const int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (s17[i] - '0') * kW[i];
  return s17 + "10X98765432"[sum % 11];
}

// The same for GB 32100 (weights are 3^i mod 31).
std::string with_uscc_check(std::string s17) {
  const std::string_view alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  int sum = 0, w = 1;
  for (char c : s17) {
    sum += static_cast<int>(alphabet.find(c)) * w;
    w = w * 3 % 31;
  }
  return s17 + alphabet[(31 - sum % 31) % 31];
}

// Flips the last character to another value of the same kind (digit stays a digit).
std::string wrong_last(std::string s) {
  char& c = s.back();
  c = (c >= '0' && c <= '8') ? c + 1 : '0';
  return s;
}

}  // namespace

TEST_CASE("resident ID: published sample and computed IDs are valid") {
  CHECK(valid_cn_resident_id("11010519491231002X"));
  CHECK(valid_cn_resident_id("11010519491231002x"));  // lower-case check char is accepted
  CHECK(valid_cn_resident_id(with_id_check("44030420000229123")));  // Feb 29 in a leap year
  CHECK(valid_cn_resident_id(with_id_check("31011519000101001")));  // earliest year
  CHECK(valid_cn_resident_id(with_id_check("83000019900101001")));  // Taiwan residence permit
  for (const char* region : {"11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65",
                             "71", "81", "82", "83"})
    CHECK(valid_cn_resident_id(with_id_check(std::string(region) + "010519800615001")));
}

TEST_CASE("resident ID: near misses are rejected") {
  CHECK_FALSE(valid_cn_resident_id("110105194912310021"));  // wrong check digit
  CHECK_FALSE(valid_cn_resident_id(wrong_last(with_id_check("44030419850704123"))));
  CHECK_FALSE(valid_cn_resident_id(with_id_check("44030419850230123")));  // Feb 30
  CHECK_FALSE(valid_cn_resident_id(with_id_check("44030419010229123")));  // Feb 29, 1901
  CHECK_FALSE(valid_cn_resident_id(with_id_check("44030419000229123")));  // 1900: not leap
  CHECK_FALSE(valid_cn_resident_id(with_id_check("44030419851301123")));  // month 13
  CHECK_FALSE(valid_cn_resident_id(with_id_check("44030419850001123")));  // month 0
  CHECK_FALSE(valid_cn_resident_id(with_id_check("44030419850400123")));  // day 0
  CHECK_FALSE(valid_cn_resident_id(with_id_check("44030419850431123")));  // April 31
  CHECK_FALSE(valid_cn_resident_id(with_id_check("44030418991231123")));  // before 1900
  for (const char* region : {"00", "10", "16", "20", "24", "30", "38", "40", "47", "55", "60", "66",
                             "70", "72", "80", "84", "99"})
    CHECK_FALSE(valid_cn_resident_id(with_id_check(std::string(region) + "010519800615001")));
  CHECK_FALSE(valid_cn_resident_id(""));
  CHECK_FALSE(valid_cn_resident_id("11010519491231002"));    // 17 chars
  CHECK_FALSE(valid_cn_resident_id("11010519491231002X0"));  // 19 chars
  CHECK_FALSE(valid_cn_resident_id("1101051949123100AX"));   // letter where a digit belongs
  CHECK_FALSE(valid_cn_resident_id("11010519491231002Y"));   // check char not a digit or X
  CHECK_FALSE(valid_cn_resident_id("X10105194912310021"));   // X only allowed at the end
  CHECK_FALSE(valid_cn_resident_id("110105 9491231002X"));
}

TEST_CASE("resident ID: max_year bounds the birth year") {
  const std::string id = with_id_check("44030420300101123");
  CHECK(valid_cn_resident_id(id));
  CHECK(valid_cn_resident_id(id, 2030));
  CHECK_FALSE(valid_cn_resident_id(id, 2029));
  CHECK_FALSE(valid_cn_resident_id(with_id_check("44030421010101123")));  // past 2100
}

TEST_CASE("mobile: 1, then 3-9, then 9 digits") {
  CHECK(valid_cn_mobile("13800138000"));
  CHECK(valid_cn_mobile("19912345678"));
  CHECK(valid_cn_mobile("16600000000"));
  CHECK_FALSE(valid_cn_mobile("12800138000"));   // second digit 2
  CHECK_FALSE(valid_cn_mobile("10800138000"));   // second digit 0
  CHECK_FALSE(valid_cn_mobile("23800138000"));   // does not start with 1
  CHECK_FALSE(valid_cn_mobile("1380013800"));    // 10 digits
  CHECK_FALSE(valid_cn_mobile("138001380000"));  // 12 digits
  CHECK_FALSE(valid_cn_mobile("1380013800O"));   // letter O where a digit belongs
  CHECK_FALSE(valid_cn_mobile("138-0013-800"));
  CHECK_FALSE(valid_cn_mobile(""));
}

TEST_CASE("mobile: country code stripping") {
  CHECK(strip_cn_country_code("+8613800138000") == "13800138000");
  CHECK(strip_cn_country_code("008613800138000") == "13800138000");
  CHECK(strip_cn_country_code("8613800138000") == "13800138000");
  CHECK(strip_cn_country_code("13800138000") == "13800138000");
  CHECK(strip_cn_country_code("86123") == "86123");                      // too short to be a prefix
  CHECK(strip_cn_country_code("+86138001380001") == "+86138001380001");  // 12 after prefix
  CHECK(strip_cn_country_code("").empty());
  CHECK(valid_cn_mobile(strip_cn_country_code("+8613800138000")));
  CHECK_FALSE(valid_cn_mobile(strip_cn_country_code("+8612800138000")));
}

TEST_CASE("digit_run_isolated: the match must not sit inside a longer digit run") {
  const std::string_view text = "tel:13800138000;";
  CHECK(digit_run_isolated(text, 4, 15));
  CHECK(digit_run_isolated("13800138000", 0, 11));  // whole text
  CHECK(digit_run_isolated("a13800138000", 1, 12));
  CHECK(digit_run_isolated("13800138000b", 0, 11));
  const std::string_view order = "order 9913800138000 done";  // 13-digit run
  CHECK_FALSE(digit_run_isolated(order, 8, 19));              // digit before
  CHECK_FALSE(digit_run_isolated(order, 6, 17));              // digit after
  CHECK_FALSE(digit_run_isolated("138001380001", 0, 11));
  CHECK_FALSE(digit_run_isolated("013800138000", 1, 12));
  // Out-of-range and empty spans are rejected, not read.
  CHECK_FALSE(digit_run_isolated(text, 4, 17));
  CHECK_FALSE(digit_run_isolated(text, 20, 30));
  CHECK_FALSE(digit_run_isolated(text, 5, 5));
  CHECK_FALSE(digit_run_isolated(text, 6, 5));
  CHECK_FALSE(digit_run_isolated("", 0, 0));
}

TEST_CASE("luhn: published test numbers pass, one-digit changes fail") {
  for (std::string_view n : {"4111111111111111", "5555555555554444", "378282246310005",
                             "6212345678901232", "4222222222222", "0"}) {
    CHECK(luhn_valid(n));
    CHECK_FALSE(luhn_valid(wrong_last(std::string(n))));
  }
  CHECK_FALSE(luhn_valid("6212345678901234"));  // the example: its Luhn is not valid
  CHECK_FALSE(luhn_valid(""));
  CHECK_FALSE(luhn_valid("4111 1111 1111 1111"));
  CHECK_FALSE(luhn_valid("411111111111111a"));
}

TEST_CASE("card_brand: prefix and length together") {
  CHECK(card_brand("6212345678901232") == CardBrand::unionpay);
  CHECK(card_brand("6212345678901232123") == CardBrand::unionpay);  // 19 digits
  CHECK(card_brand("621234567890123") == CardBrand::unknown);       // 15 digits
  CHECK(card_brand("62123456789012321234") == CardBrand::unknown);  // 20 digits
  CHECK(card_brand("4111111111111111") == CardBrand::visa);
  CHECK(card_brand("4222222222222") == CardBrand::visa);        // 13
  CHECK(card_brand("4111111111111111111") == CardBrand::visa);  // 19
  CHECK(card_brand("41111111111111") == CardBrand::unknown);    // 14
  CHECK(card_brand("5555555555554444") == CardBrand::mastercard);
  CHECK(card_brand("5105105105105100") == CardBrand::mastercard);
  CHECK(card_brand("2221000000000009") == CardBrand::mastercard);
  CHECK(card_brand("2720990000000000") == CardBrand::mastercard);
  CHECK(card_brand("2220990000000000") == CardBrand::unknown);
  CHECK(card_brand("2721000000000000") == CardBrand::unknown);
  CHECK(card_brand("5655555555554444") == CardBrand::unknown);
  CHECK(card_brand("555555555555444") == CardBrand::unknown);  // 15
  CHECK(card_brand("378282246310005") == CardBrand::amex);
  CHECK(card_brand("341111111111111") == CardBrand::amex);
  CHECK(card_brand("3782822463100051") == CardBrand::unknown);  // 16
  CHECK(card_brand("358282246310005") == CardBrand::unknown);
  CHECK(card_brand("") == CardBrand::unknown);
  CHECK(card_brand("411111111111111a") == CardBrand::unknown);
  CHECK(card_brand_name(CardBrand::unionpay) == "unionpay");
  CHECK(card_brand_name(CardBrand::unknown) == "unknown");
}

TEST_CASE("valid_bank_card: brand, length and Luhn") {
  CHECK(valid_bank_card("4111111111111111"));
  CHECK(valid_bank_card("5555555555554444"));
  CHECK(valid_bank_card("378282246310005"));
  CHECK(valid_bank_card("6212345678901232"));
  CHECK(valid_bank_card("2221000000000009"));
  CHECK_FALSE(valid_bank_card("6212345678901234"));  // Luhn fails
  CHECK_FALSE(valid_bank_card("4111111111111112"));
  CHECK_FALSE(valid_bank_card("79927398713"));  // Luhn-valid, but no known brand or length
  CHECK_FALSE(valid_bank_card(""));
}

TEST_CASE("USCC: published and computed codes are valid") {
  CHECK(valid_cn_uscc("91350100M000100Y43"));
  CHECK(valid_cn_uscc(with_uscc_check("91440300MA5E00000")));
  CHECK(valid_cn_uscc(with_uscc_check("12100000400000624")));
  CHECK(valid_cn_uscc(with_uscc_check("Y1110000WXYTRQPNM")));
  // Varying one position walks the check character through all 31 values, each accepted.
  std::string seen;
  for (char c : std::string_view("0123456789ABCDEFGHJKLMNPQRTUWXY")) {
    const std::string code = with_uscc_check("9135010" + std::string(1, c) + "M000100Y4");
    CHECK(valid_cn_uscc(code));
    if (seen.find(code.back()) == std::string::npos) seen.push_back(code.back());
  }
  CHECK(seen.size() == 31);
}

TEST_CASE("USCC: near misses are rejected") {
  CHECK_FALSE(valid_cn_uscc("91350100M000100Y44"));  // wrong check character
  CHECK_FALSE(valid_cn_uscc("91350100M000100Y4A"));
  for (char bad : {'I', 'O', 'Z', 'S', 'V'}) {
    std::string s = "91350100M000100Y4";
    s[8] = bad;
    // Even with the "right" check computed as if the letter were allowed, it is rejected.
    CHECK_FALSE(valid_cn_uscc(s + "0"));
    for (char check : std::string_view("0123456789ABCDEFGHJKLMNPQRTUWXY"))
      CHECK_FALSE(valid_cn_uscc(s + check));
  }
  CHECK_FALSE(valid_cn_uscc("91350100m000100Y43"));  // lower case
  CHECK_FALSE(valid_cn_uscc("91350100M000100Y4"));   // 17 chars
  CHECK_FALSE(valid_cn_uscc("91350100M000100Y430"));
  CHECK_FALSE(valid_cn_uscc(""));
  CHECK_FALSE(
      valid_cn_uscc(std::string_view("91350100M\0"
                                     "00100Y43",
                                     18)));
}

TEST_CASE("passport: accepted forms") {
  CHECK(valid_cn_passport("E12345678"));
  CHECK(valid_cn_passport("EA1234567"));
  CHECK(valid_cn_passport("EZ0000000"));
  CHECK(valid_cn_passport("G12345678"));
  CHECK(valid_cn_passport("D12345678"));
  CHECK(valid_cn_passport("S12345678"));
  CHECK(valid_cn_passport("P12345678"));
}

TEST_CASE("passport: near misses are rejected") {
  CHECK_FALSE(valid_cn_passport("EI1234567"));  // I and O look like digits
  CHECK_FALSE(valid_cn_passport("EO1234567"));
  CHECK_FALSE(valid_cn_passport("e12345678"));  // lower case
  CHECK_FALSE(valid_cn_passport("Ea1234567"));
  CHECK_FALSE(valid_cn_passport("GA1234567"));   // the letter form is only for E
  CHECK_FALSE(valid_cn_passport("H12345678"));   // unknown series
  CHECK_FALSE(valid_cn_passport("E1234567"));    // 8 chars
  CHECK_FALSE(valid_cn_passport("E123456789"));  // 10 chars
  CHECK_FALSE(valid_cn_passport("E1234567A"));   // letter where a digit belongs
  CHECK_FALSE(valid_cn_passport("EAB123456"));
  CHECK_FALSE(valid_cn_passport("123456789"));
  CHECK_FALSE(valid_cn_passport(""));
}

TEST_CASE("entropy: bits per byte") {
  CHECK(shannon_entropy_bits_per_char("") == 0.0);
  CHECK(shannon_entropy_bits_per_char("aaaaaaaa") == 0.0);
  CHECK(shannon_entropy_bits_per_char("abab") == Approx(1.0));
  CHECK(shannon_entropy_bits_per_char("abcd") == Approx(2.0));
  CHECK(shannon_entropy_bits_per_char("0123456789abcdef") == Approx(4.0));
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  CHECK(shannon_entropy_bits_per_char(all) == Approx(8.0));  // high bytes counted, not negative
  // A random-looking key scores well above an English word.
  CHECK(shannon_entropy_bits_per_char("sk_live_4eC39HqLyjWDarjtT1zdp7dc") > 4.0);
  CHECK(shannon_entropy_bits_per_char("password") < 3.0);
}

TEST_CASE("mobile segments: assigned ones only") {
  for (const char* ok : {"130", "139", "145", "149", "150", "153", "155", "162", "165", "167",
                         "170", "178", "180", "189", "190", "193", "195", "199"})
    CHECK(assigned_cn_mobile_segment(std::string(ok) + "12345678"));
  for (const char* no : {"140", "144", "154", "160", "161", "163", "164", "168", "169", "179",
                         "194", "120", "200", "1a3"})
    CHECK_FALSE(assigned_cn_mobile_segment(std::string(no) + "12345678"));
  CHECK_FALSE(assigned_cn_mobile_segment("13"));
  CHECK_FALSE(assigned_cn_mobile_segment(""));
}

TEST_CASE("regions and dates: the helpers behind the resident ID") {
  CHECK(known_cn_region(11));
  CHECK(known_cn_region(65));
  CHECK(known_cn_region(83));
  CHECK_FALSE(known_cn_region(10));
  CHECK_FALSE(known_cn_region(16));
  CHECK_FALSE(known_cn_region(99));
  CHECK(real_date(2000, 2, 29));
  CHECK_FALSE(real_date(2100, 2, 29));
  CHECK_FALSE(real_date(1899, 12, 31));
  CHECK_FALSE(real_date(2101, 1, 1));
  CHECK(real_date(2101, 1, 1, 2200));
}

TEST_CASE("organisation code: GB 11714 check character") {
  CHECK(valid_cn_org_code("M000100Y4"));  // inside the published USCC 91350100M000100Y43
  CHECK(valid_cn_org_code("MA5E00009"));  // computed
  CHECK_FALSE(valid_cn_org_code("M000100Y5"));
  CHECK_FALSE(valid_cn_org_code("m000100Y4"));
  CHECK_FALSE(valid_cn_org_code("M000100Y"));
  CHECK_FALSE(valid_cn_org_code("M000-00Y4"));
  // Every check value occurs, including X (10) and 0 (11).
  std::string seen;
  for (char c : std::string_view("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")) {
    for (char d : std::string_view("0123456789X")) {
      const std::string code = std::string("1234567") + c + d;
      if (valid_cn_org_code(code) && seen.find(d) == std::string::npos) seen.push_back(d);
    }
  }
  CHECK(seen.size() == 11);
}

#include "detectors/sensitive/validator_registry.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

using namespace mirador::sensitive;

namespace {

// The validator `name` on the whole of `value`.
bool whole(std::string_view name, std::string_view value) {
  const Validator v = find_validator(name);
  REQUIRE(v != nullptr);
  return v(value, 0, value.size());
}

// The validator `name` on the first occurrence of `match` inside `text`.
bool inside(std::string_view name, std::string_view text, std::string_view match) {
  const Validator v = find_validator(name);
  REQUIRE(v != nullptr);
  const size_t at = text.find(match);
  REQUIRE(at != std::string_view::npos);
  return v(text, at, at + match.size());
}

std::string with_luhn(std::string body) {
  int sum = 0;
  bool twice = true;  // the check digit will be appended on the right
  for (size_t i = body.size(); i-- > 0;) {
    int d = body[i] - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return body + static_cast<char>('0' + (10 - sum % 10) % 10);
}

const std::string_view kJwtHeader = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";  // {"alg":"HS256",…
const std::string_view kJwtPayload =
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ";
const std::string_view kJwtSig = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

}  // namespace

TEST_CASE("registry: names are sorted, unique and all found") {
  const auto names = validator_names();
  CHECK(names.size() >= 14);
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
  for (std::string_view n : names) CHECK(find_validator(n) != nullptr);
  for (std::string_view n : {"cn_resident_id", "cn_mobile", "bank_card", "cn_uscc", "cn_passport",
                             "email", "jwt", "aws_access_key", "high_entropy", "person_name",
                             "address", "birth_date", "password", "bearer_token"})
    CHECK(find_validator(n) != nullptr);
  CHECK(find_validator("") == nullptr);
  CHECK(find_validator("luhn") == nullptr);
  CHECK(find_validator("cn_mobil") == nullptr);
  CHECK(find_validator("zzz") == nullptr);
}

TEST_CASE("registry: a span outside the value is refused, never read") {
  for (std::string_view n : validator_names()) {
    const Validator v = find_validator(n);
    CHECK_FALSE(v("abc", 2, 5));
    CHECK_FALSE(v("abc", 2, 2));
    CHECK_FALSE(v("abc", 3, 1));
    CHECK_FALSE(v("", 0, 0));
  }
}

TEST_CASE("cn_resident_id: check digit and isolation") {
  CHECK(whole("cn_resident_id", "11010519491231002X"));
  CHECK(inside("cn_resident_id", "/users/11010519491231002X/orders", "11010519491231002X"));
  CHECK(inside("cn_resident_id", "身份证11010519491231002X。", "11010519491231002X"));
  CHECK_FALSE(whole("cn_resident_id", "110105194912310021"));  // wrong check digit
  CHECK_FALSE(inside("cn_resident_id", "911010519491231002X", "11010519491231002X"));
  CHECK_FALSE(inside("cn_resident_id", "11010519491231002X7", "11010519491231002X"));
  CHECK_FALSE(inside("cn_resident_id", "a11010519491231002X", "11010519491231002X"));  // hex/token
}

TEST_CASE("cn_mobile: country codes, groups, segments, isolation") {
  CHECK(whole("cn_mobile", "13800138000"));
  CHECK(whole("cn_mobile", "+8613800138000"));
  CHECK(whole("cn_mobile", "008613800138000"));
  CHECK(whole("cn_mobile", "8613800138000"));
  CHECK(whole("cn_mobile", "+86 13800138000"));
  CHECK(whole("cn_mobile", "+86-138-0013-8000"));
  CHECK(whole("cn_mobile", "138 0013 8000"));
  CHECK(whole("cn_mobile", "19912345678"));
  CHECK(whole("cn_mobile", "14512345678"));
  CHECK(inside("cn_mobile", "tel:13800138000;", "13800138000"));
  CHECK_FALSE(whole("cn_mobile", "12800138000"));  // 12x is not mobile
  CHECK_FALSE(whole("cn_mobile", "14012345678"));  // 140-144: 13-digit IoT numbers
  CHECK_FALSE(whole("cn_mobile", "15412345678"));  // unassigned
  CHECK_FALSE(whole("cn_mobile", "19412345678"));
  CHECK_FALSE(whole("cn_mobile", "1380013800"));     // 10 digits
  CHECK_FALSE(whole("cn_mobile", "138 0013-8000"));  // mixed separators
  CHECK_FALSE(whole("cn_mobile", "1380 013 8000"));  // not 3-4-4
  CHECK_FALSE(whole("cn_mobile", "+8713800138000"));
  CHECK_FALSE(inside("cn_mobile", "202313800138000", "13800138000"));  // inside an order number
  CHECK_FALSE(inside("cn_mobile", "13800138000123", "13800138000"));
  CHECK_FALSE(inside("cn_mobile", "id_x13800138000", "13800138000"));
}

TEST_CASE("bank_card: brands, Luhn, grouping, boundary byte") {
  CHECK(whole("bank_card", "4111111111111111"));
  CHECK(whole("bank_card", "5555555555554444"));
  CHECK(whole("bank_card", "378282246310005"));
  CHECK(whole("bank_card", "6212345678901232"));
  CHECK(whole("bank_card", with_luhn("622202123456789012")));  // 19-digit UnionPay
  CHECK(whole("bank_card", "4111 1111 1111 1111"));
  CHECK(whole("bank_card", "4111-1111-1111-1111"));
  CHECK(whole("bank_card", "3782 822463 10005"));  // Amex 4-6-5
  const std::string u19 = with_luhn("622202123456789012");
  CHECK(whole("bank_card", u19.substr(0, 4) + " " + u19.substr(4, 4) + " " + u19.substr(8, 4) +
                               " " + u19.substr(12, 4) + " " + u19.substr(16)));
  // The pattern's trailing boundary byte is ignored.
  CHECK(inside("bank_card", "card=4111111111111111&x=1", "4111111111111111&"));
  CHECK(inside("bank_card", "\"4111 1111 1111 1111\"", "4111 1111 1111 1111\""));

  CHECK_FALSE(whole("bank_card", "4111111111111112"));            // Luhn
  CHECK_FALSE(whole("bank_card", with_luhn("999999999999999")));  // no brand
  CHECK_FALSE(whole("bank_card", "4111 1111-1111 1111"));         // mixed separators
  CHECK_FALSE(whole("bank_card", "41111 11111 11111 1"));         // not a card grouping
  CHECK_FALSE(whole("bank_card", "4111  1111 1111 1111"));        // double separator
  CHECK_FALSE(inside("bank_card", "94111111111111111", "4111111111111111"));
  CHECK_FALSE(inside("bank_card", "41111111111111110", "4111111111111111"));
  // A separator and more digits after the match: the number goes on.
  CHECK_FALSE(inside("bank_card", "4111 1111 1111 1111 1234", "4111 1111 1111 1111 "));
}

TEST_CASE("cn_uscc: check character, authority, region, not a resident ID") {
  CHECK(whole("cn_uscc", "91350100M000100Y43"));
  CHECK(inside("cn_uscc", "code: 91350100M000100Y43.", "91350100M000100Y43"));
  CHECK_FALSE(whole("cn_uscc", "91350100M000100Y44"));  // check character
  CHECK_FALSE(whole("cn_uscc", "91350100m000100Y43"));  // lower case
  CHECK_FALSE(whole("cn_uscc", "B1350100M000100Y4X"));  // unknown registration authority
  CHECK_FALSE(inside("cn_uscc", "X91350100M000100Y43", "91350100M000100Y43"));
  // An 18-digit value that is a valid resident ID is a resident ID, even when its last digit
  // happens to satisfy the USCC check too; search one such ID.
  bool found_overlap = false;
  for (int serial = 0; serial < 1000 && !found_overlap; ++serial) {
    std::string s17 = "11010519900307" + std::to_string(1000 + serial).substr(1);
    static const int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; ++i) sum += (s17[i] - '0') * kW[i];
    const std::string id = s17 + "10X98765432"[sum % 11];
    if (id.back() == 'X') continue;
    if (whole("cn_resident_id", id)) {
      // USCC check over the same 17 characters.
      const std::string_view alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
      int usum = 0, w = 1;
      for (char c : s17) {
        usum += static_cast<int>(alphabet.find(c)) * w;
        w = w * 3 % 31;
      }
      if (alphabet[(31 - usum % 31) % 31] == id.back()) {
        found_overlap = true;
        CHECK_FALSE(whole("cn_uscc", id));
      }
    }
  }
  CHECK(found_overlap);
}

TEST_CASE("cn_passport: forms and isolation") {
  CHECK(whole("cn_passport", "E12345678"));
  CHECK(whole("cn_passport", "EA1234567"));
  CHECK(inside("cn_passport", "护照E12345678", "E12345678"));
  CHECK_FALSE(whole("cn_passport", "EI1234567"));
  CHECK_FALSE(inside("cn_passport", "XE12345678", "E12345678"));
  CHECK_FALSE(inside("cn_passport", "E123456789", "E12345678"));
}

TEST_CASE("email: a sane address, the whole of it") {
  CHECK(whole("email", "john.doe@example.com"));
  CHECK(whole("email", "a@b.co"));
  CHECK(whole("email", "x_y+tag%1@mail.example.co.uk"));
  CHECK(inside("email", "mailto:j@example.org>", "j@example.org>"));  // boundary byte
  CHECK(inside("email", "write to j@example.org. Thanks", "j@example.org."));
  CHECK_FALSE(whole("email", "john..doe@example.com"));  // consecutive dots
  CHECK_FALSE(whole("email", ".john@example.com"));
  CHECK_FALSE(whole("email", "john.@example.com"));
  CHECK_FALSE(whole("email", "john@example"));      // one label
  CHECK_FALSE(whole("email", "john@example.c"));    // TLD of one letter
  CHECK_FALSE(whole("email", "john@example.c0m"));  // digits in the TLD
  CHECK_FALSE(whole("email", "john@-example.com"));
  CHECK_FALSE(whole("email", "john@example..com"));
  CHECK_FALSE(whole("email", "@example.com"));
  CHECK_FALSE(whole("email", std::string(65, 'a') + "@example.com"));  // local part > 64
  CHECK_FALSE(whole("email", "a@" + std::string(64, 'b') + ".com"));   // label > 63
  // Not the whole domain: the match stops at a dot followed by more labels.
  CHECK_FALSE(inside("email", "j@mail.example.com", "j@mail.example."));
  CHECK_FALSE(inside("email", "xj@example.com", "j@example.com"));
}

TEST_CASE("jwt: header decodes to a JSON object with alg") {
  const std::string token =
      std::string(kJwtHeader) + "." + std::string(kJwtPayload) + "." + std::string(kJwtSig);
  const std::string match = std::string(kJwtHeader) + "." + std::string(kJwtPayload) + ".";
  CHECK(inside("jwt", token, match));
  CHECK(inside("jwt", "Bearer " + token, match));
  CHECK(inside("jwt", "{\"t\":\"" + token + "\"}", match));
  CHECK(inside("jwt", match, match));  // alg "none": no signature
  // {"typ":"JWT"}: a JSON object without alg.
  const std::string no_alg = "eyJ0eXAiOiJKV1QifQ." + std::string(kJwtPayload) + ".";
  CHECK_FALSE(inside("jwt", no_alg + "sig", no_alg));
  // base64url of "eyJ" but not JSON: "{" then garbage and no alg.
  const std::string junk = "eyJxxxxxxxxxxxxxxxx." + std::string(kJwtPayload) + ".";
  CHECK_FALSE(inside("jwt", junk, junk));
  CHECK_FALSE(inside("jwt", "x" + token, match));      // glued to other base64url text
  CHECK_FALSE(inside("jwt", token + ".abc", match));   // five parts: JWE, not a JWT
  CHECK_FALSE(inside("jwt", "eyJ.eyJ.", "eyJ.eyJ."));  // too short
}

TEST_CASE("aws_access_key: prefix, alphabet, isolation, not the documentation example") {
  CHECK(whole("aws_access_key", "AKIA2E3MPLZ7QWERTY23"));
  CHECK(whole("aws_access_key", "ASIAY34FZKBOKMUTVV7A"));
  CHECK(inside("aws_access_key", "key=AKIA2E3MPLZ7QWERTY23&", "AKIA2E3MPLZ7QWERTY23"));
  CHECK_FALSE(whole("aws_access_key", "AKIAIOSFODNN7EXAMPLE"));
  CHECK_FALSE(whole("aws_access_key", "AKIA2E3MPLZ7QWERTY18"));  // 1 and 8 are not base32
  CHECK_FALSE(whole("aws_access_key", "AKIA2E3MPLZ7QWERTy23"));
  CHECK_FALSE(whole("aws_access_key", "AIDA2E3MPLZ7QWERTY23"));
  CHECK_FALSE(inside("aws_access_key", "XAKIA2E3MPLZ7QWERTY23", "AKIA2E3MPLZ7QWERTY23"));
}

TEST_CASE("high_entropy: random keys yes, words and placeholders no") {
  CHECK(whole("high_entropy", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"));
  CHECK(whole("high_entropy", "f47ac10b-58cc-4372-a567-0e02b2c3d479"));  // UUID
  CHECK(whole("high_entropy", "9f86d081884c7d659a2feaa0c55ad015"));      // 32 hex
  CHECK(whole("high_entropy", "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"));
  CHECK_FALSE(whole("high_entropy", "short1A"));
  CHECK_FALSE(whole("high_entropy", "xxxxxxxxxxxxxxxxxxxxxxxx"));
  CHECK_FALSE(whole("high_entropy", "your-api-key-here"));
  CHECK_FALSE(whole("high_entropy", "aaaabbbbccccdddd"));
  CHECK_FALSE(whole("high_entropy", "sk_live_4eC39HqLy jWDarjtT1zdp7dc"));  // whitespace
}

TEST_CASE("bearer_token: scheme and a token68 of 16+") {
  CHECK(whole("bearer_token", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc"));
  CHECK(whole("bearer_token", "bearer  abcdefghijklmnop"));
  CHECK(whole("bearer_token", "Bearer abcdefghijklmnop=="));
  CHECK_FALSE(whole("bearer_token", "Bearer short"));
  CHECK_FALSE(whole("bearer_token", "Bearer null"));
  CHECK_FALSE(whole("bearer_token", "Basic dXNlcjpwYXNzd29yZDEyMzQ="));
  CHECK_FALSE(whole("bearer_token", "Bearer abcdefgh ijklmnopqr"));
  CHECK_FALSE(whole("bearer_token", "Bearerabcdefghijklmnop"));
}

TEST_CASE("person_name: scripts, separators, no digits, no placeholders") {
  CHECK(whole("person_name", "张三"));
  CHECK(whole("person_name", "欧阳娜娜"));
  CHECK(whole("person_name", "阿卜杜拉·买买提"));
  CHECK(whole("person_name", "John Smith"));
  CHECK(whole("person_name", "Seán O'Brien"));
  CHECK(whole("person_name", "Anne-Marie D’Angelo"));
  CHECK(whole("person_name", "José Martínez"));
  CHECK(whole("person_name", "J. R. R. Tolkien"));
  CHECK(whole("person_name", "Дмитрий Иванов"));
  CHECK(whole("person_name", "田中 太郎"));
  CHECK_FALSE(whole("person_name", "J"));      // 1 byte
  CHECK_FALSE(whole("person_name", "John2"));  // digit
  CHECK_FALSE(whole("person_name", "null"));
  CHECK_FALSE(whole("person_name", "Test"));
  CHECK_FALSE(whole("person_name", "string"));
  CHECK_FALSE(whole("person_name", "-John"));  // must start with a letter
  CHECK_FALSE(whole("person_name", "john@x.com"));
  CHECK_FALSE(whole("person_name", std::string(65, 'a')));
  CHECK_FALSE(whole("person_name", "\xe5\xbc"));  // truncated UTF-8
  CHECK_FALSE(whole("person_name", "Bob 😀"));     // emoji is not a letter
}

TEST_CASE("address: text with letters, not URLs, emails or IPs") {
  CHECK(whole("address", "北京市朝阳区建国路88号"));
  CHECK(whole("address", "221B Baker Street, London"));
  CHECK(whole("address", "1600 Amphitheatre Pkwy"));
  CHECK_FALSE(whole("address", "Rd 1"));  // < 6 bytes
  CHECK_FALSE(whole("address", "https://example.com/a"));
  CHECK_FALSE(whole("address", "www.example.com"));
  CHECK_FALSE(whole("address", "john@example.com"));
  CHECK_FALSE(whole("address", "192.168.100.200"));
  CHECK_FALSE(whole("address", "fe80::1ff:fe23:4567:890a"));
  CHECK_FALSE(whole("address", "aa:bb:cc:dd:ee:ff"));
  CHECK_FALSE(whole("address", "123456789"));
  CHECK_FALSE(whole("address", "unknown"));
}

TEST_CASE("birth_date: formats and real dates") {
  CHECK(whole("birth_date", "1990-01-02"));
  CHECK(whole("birth_date", "1990/1/2"));
  CHECK(whole("birth_date", "1990.12.31"));
  CHECK(whole("birth_date", "19900102"));
  CHECK(whole("birth_date", "2000-02-29"));
  CHECK(whole("birth_date", "1990-01-02T00:00:00Z"));
  CHECK(whole("birth_date", "31/12/1990"));  // DD/MM/YYYY
  CHECK(whole("birth_date", "12/31/1990"));  // MM/DD/YYYY
  CHECK(whole("birth_date", "1990年1月2日"));
  CHECK(whole("birth_date", "1990年12月31日"));
  CHECK_FALSE(whole("birth_date", "1990-02-30"));
  CHECK_FALSE(whole("birth_date", "1900-02-29"));
  CHECK_FALSE(whole("birth_date", "1899-12-31"));
  CHECK_FALSE(whole("birth_date", "2101-01-01"));
  CHECK_FALSE(whole("birth_date", "19901302"));
  CHECK_FALSE(whole("birth_date", "1990-01/02"));
  CHECK_FALSE(whole("birth_date", "32/13/1990"));
  CHECK_FALSE(whole("birth_date", "1990年13月2日"));
  CHECK_FALSE(whole("birth_date", "1990-01-02x"));
  CHECK_FALSE(whole("birth_date", "yesterday"));
  CHECK_FALSE(whole("birth_date", "1704067200"));
}

TEST_CASE("password: anything but a mask or a placeholder") {
  CHECK(whole("password", "hunter2"));
  CHECK(whole("password", "P@ssw0rd!"));
  CHECK(whole("password", "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ012"));
  CHECK(whole("password", "密码123"));
  CHECK_FALSE(whole("password", "***"));
  CHECK_FALSE(whole("password", "******"));
  CHECK_FALSE(whole("password", "••••••"));
  CHECK_FALSE(whole("password", "xxxxxx"));
  CHECK_FALSE(whole("password", "null"));
  CHECK_FALSE(whole("password", "undefined"));
  CHECK_FALSE(whole("password", "\"\""));
  CHECK_FALSE(whole("password", "[FILTERED]"));
  CHECK_FALSE(whole("password", "   "));
}

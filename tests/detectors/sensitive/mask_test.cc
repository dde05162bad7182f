#include "detectors/sensitive/mask.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

using mirador::sensitive::mask_value;

namespace {

std::string mask(std::string_view data_class, std::string_view value) {
  std::string out = "";
  mask_value(data_class, value, out);
  return out;
}

}  // namespace

TEST_CASE("mask: appends to what is there") {
  std::string out = "x=";
  mask_value("cn_mobile", "13800138000", out);
  CHECK(out == "x=138****8000");
}

TEST_CASE("mask: identifiers keep their published shape") {
  CHECK(mask("cn_resident_id", "11010519491231002X") == "110105********002X");
  CHECK(mask("cn_resident_id", "110105194912310021") == "110105********0021");
  CHECK(mask("cn_resident_id", "11010519491231002X\"") == "110105********002X");  // boundary
  CHECK(mask("cn_mobile", "13800138000") == "138****8000");
  CHECK(mask("cn_mobile", "+8613800138000") == "+86138****8000");
  CHECK(mask("cn_mobile", "+86 138-0013-8000") == "+86 138-****-8000");
  CHECK(mask("bank_card", "6222021234561234") == "622202******1234");
  CHECK(mask("bank_card", "4111 1111 1111 1111") == "4111 11** **** 1111");
  CHECK(mask("bank_card", "378282246310005&") == "378282*****0005");
  CHECK(mask("email", "john.doe@example.com") == "j***@example.com");
  CHECK(mask("email", "j@example.com,") == "j***@example.com");
  CHECK(mask("email", "张@example.cn") == "张***@example.cn");
}

TEST_CASE("mask: secrets show their kind and length only") {
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_"
      "adQssw5c";
  CHECK(mask("jwt", jwt) == "eyJh\xe2\x80\xa6(" + std::to_string(jwt.size()) + " chars)");
  CHECK(mask("aws_access_key", "AKIA2E3MPLZ7QWERTY23") == "AKIA…(20 chars)");
  CHECK(mask("api_key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc") == "sk_l…(32 chars)");
  CHECK(mask("private_key", "-----BEGIN RSA PRIVATE KEY-----") == "----…(31 chars)");
  CHECK(mask("api_key", "short") == "…(5 chars)");  // too short to show any of it
  CHECK(mask("bearer_token", "Bearer abcdefghijklmnopqrstu") == "Bearer abcd…(21 chars)");
}

TEST_CASE("mask: a password never gives anything away") {
  CHECK(mask("password", "hunter2") == "******");
  CHECK(mask("password", "a") == "******");
  CHECK(mask("password", std::string(500, 'p')) == "******");
  CHECK(mask("password", "") == "******");
}

TEST_CASE("mask: names keep their first character, UTF-8 aware") {
  CHECK(mask("person_name", "张三") == "张*");
  CHECK(mask("person_name", "欧阳娜娜") == "欧***");
  CHECK(mask("person_name", "John Smith") == "J*********");
  CHECK(mask("person_name", "Émile") == "É****");
  CHECK(mask("person_name",
             "\xff"
             "abc") == "\xef\xbf\xbd***");  // an invalid byte becomes U+FFFD
}

TEST_CASE("mask: anything else keeps at most a quarter at each end") {
  CHECK(mask("address", "北京市朝阳区建国路88号") == "北京市******88号");
  CHECK(mask("birth_date", "1990-01-02") == "19******02");
  CHECK(mask("cn_passport", "E12345678") == "E1*****78");
  CHECK(mask("cn_uscc", "91350100M000100Y43") == "9135**********0Y43");
  CHECK(mask("unknown_class", "abc") == "***");
  CHECK(mask("unknown_class", "") == "");
  // Long values: the first 4 characters and the length.
  CHECK(mask("address", std::string(100, 'a')) == "aaaa…(100 chars)");
  // An identifier class on a value that is not one falls back to the quarter mask.
  CHECK(mask("cn_resident_id", "abcdefgh") == "ab****gh");
  CHECK(mask("cn_mobile", "138") == "***");
}

TEST_CASE("mask: never cuts inside a code point") {
  // Every prefix of a multi-byte string masks to valid UTF-8 of the right character count.
  const std::string s = "é中😀ab中é";
  for (size_t n = 0; n <= s.size(); ++n) {
    const std::string out = mask("address", std::string_view(s).substr(0, n));
    // Valid UTF-8: no continuation byte without its lead byte.
    size_t i = 0;
    while (i < out.size()) {
      const auto c = static_cast<unsigned char>(out[i]);
      const size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
      REQUIRE(c != 0x80);
      REQUIRE((c < 0x80 || c >= 0xc2));
      for (size_t k = 1; k < len; ++k)
        REQUIRE((static_cast<unsigned char>(out[i + k]) & 0xc0) == 0x80);
      i += len;
    }
    CHECK(i == out.size());
  }
}

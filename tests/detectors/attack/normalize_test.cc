// Every normaliser on the encodings attackers use to slip past signatures, and on what must stay
// as it is (malformed escapes, plain text).
#include "detectors/attack/normalize.h"

#include <catch2/catch.hpp>
#include <string>

using namespace mirador::detect;

namespace {

std::string pct(std::string_view in, bool plus = false, uint32_t* flags = nullptr) {
  std::string out;
  const uint32_t f = percent_decode(in, out, plus);
  if (flags) *flags = f;
  return out;
}

std::string norm(std::string_view in, bool plus = true, uint32_t* flags = nullptr) {
  std::string out, scratch;
  const uint32_t f = normalize_for_signatures(in, out, scratch, plus);
  if (flags) *flags = f;
  return out;
}

}  // namespace

TEST_CASE("percent_decode: %XX, %uXXXX, '+', malformed escapes kept") {
  uint32_t f = 0;
  CHECK(pct("%27%20OR%201%3D1", false, &f) == "' OR 1=1");
  CHECK(f == kPercentEncoded);
  CHECK(pct("a+b", true) == "a b");
  CHECK(pct("a+b", false) == "a+b");
  CHECK(pct("%u003cscript%u003E", false, &f) == "<script>");
  CHECK((f & kPercentU) != 0);
  CHECK(pct("%u4e2d", false) == "\xE4\xB8\xAD");  // U+4E2D as UTF-8
  CHECK(pct("100%", false, &f) == "100%");
  CHECK(f == kInvalidEscape);
  CHECK(pct("%zz%4", false) == "%zz%4");
  CHECK(pct("%uD800", false) == "\xEF\xBF\xBD");  // a lone surrogate is not passed through
  CHECK(pct("%00", false) == std::string(1, '\0'));
  CHECK(pct("", false).empty());
}

TEST_CASE("html_entity_decode: named, decimal, hex, with and without ';'") {
  std::string out;
  CHECK(html_entity_decode("&lt;script&gt;alert(1)&lt;/script&gt;", out) == kHtmlEntity);
  CHECK(out == "<script>alert(1)</script>");
  html_entity_decode("&#60;&#x3C;&#X3c;&#0000060", out);
  CHECK(out == "<<<<");
  html_entity_decode("java&Tab;script&colon;alert&lpar;1&rpar;", out);
  CHECK(out == "java\tscript:alert(1)");
  CHECK(html_entity_decode("a & b &unknown; &#; &#x;", out) == 0);
  CHECK(out == "a & b &unknown; &#; &#x;");
  html_entity_decode("&#x1F600;", out);
  CHECK(out == "\xF0\x9F\x98\x80");
}

TEST_CASE("unicode_unescape: \\uXXXX and \\xHH") {
  std::string out;
  CHECK(unicode_unescape("\\u003cimg src=x\\u003e", out) == kUnicodeEscape);
  CHECK(out == "<img src=x>");
  unicode_unescape("\\x27 or \\x31=\\x31", out);
  CHECK(out == "' or 1=1");
  CHECK(unicode_unescape("C:\\users\\u12", out) == 0);  // not escapes: kept
  CHECK(out == "C:\\users\\u12");
}

TEST_CASE("fold_overlong_utf8: overlong forms of ASCII become the character") {
  std::string out;
  CHECK(fold_overlong_utf8("..\xC0\xAF..\xC0\xAF"
                           "etc/passwd",
                           out) == kOverlongUtf8);
  CHECK(out == "../../etc/passwd");
  fold_overlong_utf8("\xE0\x80\xAF", out);
  CHECK(out == "/");
  // Real UTF-8 is not touched.
  CHECK(fold_overlong_utf8("\xE4\xB8\xAD\xC3\xA9", out) == 0);
  CHECK(out == "\xE4\xB8\xAD\xC3\xA9");
  // A truncated lead byte at the end is kept, nothing read past the end.
  fold_overlong_utf8("a\xC0", out);
  CHECK(out == "a\xC0");
}

TEST_CASE("fold_overlong_utf8: full-width forms of ASCII become the character") {
  std::string out;
  // U+FF1C script U+FF1E, U+FF0F: what an NFKC-normalising back end reads as <script>, '/'.
  CHECK(fold_overlong_utf8("\xEF\xBC\x9Cscript\xEF\xBC\x9E\xEF\xBC\x8F", out) == kFullwidth);
  CHECK(out == "<script>/");
  // U+FF01 and U+FF5E are the ends of the range; U+FF5F and U+FF00 are outside it.
  CHECK(fold_overlong_utf8("\xEF\xBC\x81\xEF\xBD\x9E", out) == kFullwidth);
  CHECK(out == "!~");
  CHECK(fold_overlong_utf8("\xEF\xBD\x9F\xEF\xBC\x80", out) == 0);
  CHECK(out == "\xEF\xBD\x9F\xEF\xBC\x80");
  // Other EF sequences (U+FEFF, the BOM) and a truncated one at the end are kept.
  CHECK(fold_overlong_utf8("\xEF\xBB\xBF"
                           "a\xEF\xBC",
                           out) == 0);
  CHECK(out ==
        "\xEF\xBB\xBF"
        "a\xEF\xBC");
}

TEST_CASE("normalize_for_signatures: the chain, and double encoding flagged") {
  uint32_t f = 0;
  CHECK(norm("%2527%2520UNION%2520SELECT", true, &f) == "' union select");
  CHECK((f & kDoubleEncoded) != 0);
  CHECK(norm("%27%20UNION%20SELECT", true, &f) == "' union select");
  CHECK((f & kDoubleEncoded) == 0);
  // Triple encoding within the default three rounds.
  CHECK(norm("%25252e%25252e%25252f", true, &f) == "../");
  // SQL comments and whitespace folded, case folded.
  CHECK(norm("1/**/UnIoN/*x*/SeLeCt\t\n 1,2", true, &f) == "1 union select 1,2");
  CHECK((f & kSqlComment) != 0);
  // MySQL executes what is inside /*! … */ (with an optional version): the content stays.
  CHECK(norm("1 /*!50000UNION*/ /*!SELECT*/ 1", true) == "1 union select 1");
  CHECK(norm("1/*!12345union*/select", true) == "1 union select");
  // An unterminated comment swallows the rest, as a SQL parser would.
  CHECK(norm("1/* rest", true) == "1 ");
  // Entities, \u escapes and overlong UTF-8 after percent-decoding.
  CHECK(norm("%26lt%3Bscript%26gt%3B", true) == "<script>");
  CHECK(norm("\\u003Csvg onload=alert(1)\\u003E", false) == "<svg onload=alert(1)>");
  CHECK(norm("%C0%AE%C0%AE%C0%AF", false, &f) == "../");
  CHECK((f & kOverlongUtf8) != 0);
  // '+' is a space only in the outer (form) layer: an encoded '+' stays a '+'.
  CHECK(norm("a+b%2Bc", true) == "a b+c");
  // Plain text passes unchanged (but lower-cased), flags empty.
  CHECK(norm("GET /api/users/12", false, &f) == "get /api/users/12");
  CHECK(f == 0);
  // Malformed escapes kept.
  CHECK(norm("100%", false, &f) == "100%");
  CHECK(f == kInvalidEscape);
}

TEST_CASE("normalize_for_signatures: output never longer than the input") {
  const char* inputs[] = {
      "%u4e2d%u4e2d", "&#x10FFFF;", "\\u4e2d", "%25%25%25", "a  b\t\tc", "\xC0\xAF",
      "/**/",         "%2",         "&",       "\\",        "%u"};
  std::string out, scratch;
  for (const char* in : inputs) {
    normalize_for_signatures(in, out, scratch, true);
    CHECK(out.size() <= std::string_view(in).size());
  }
}

TEST_CASE("normalisers: escapes at the edges, clean runs copied whole, buffers reused") {
  uint32_t f = 0;
  // Runs without an escape are copied in one piece; an escape cut short at the end is kept.
  CHECK(pct("abc%2", false, &f) == "abc%2");
  CHECK((f & kInvalidEscape) != 0);
  CHECK(pct("%41bc%", false) == "Abc%");
  CHECK(pct("plain text, no escape at all") == "plain text, no escape at all");
  std::string out = "left over from a longer value";
  CHECK(html_entity_decode("a&", out) == 0);
  CHECK(out == "a&");
  html_entity_decode("a&l", out);
  CHECK(out == "a&l");
  html_entity_decode("&lt", out);
  CHECK(out == "<");
  html_entity_decode("x&lt;y&#65;z", out);
  CHECK(out == "x<yAz");
  unicode_unescape("x\\", out);
  CHECK(out == "x\\");
  unicode_unescape("\\u0041b\\x42", out);
  CHECK(out == "AbB");
  unicode_unescape("\\u12", out);
  CHECK(out == "\\u12");
  fold_overlong_utf8(
      "a\xC0\xAF"
      "b",
      out);
  CHECK(out == "a/b");
  fold_overlong_utf8("ab\xC0", out);
  CHECK(out == "ab\xC0");
  fold_overlong_utf8("\xE0\x80\xAF", out);
  CHECK(out == "/");
  fold_overlong_utf8("caf\xC3\xA9", out);
  CHECK(out == "caf\xC3\xA9");
  // Both buffers hold a longer earlier result: nothing of it survives.
  std::string o(64, 'z'), scratch(64, 'y');
  normalize_for_signatures("A \t B/*c*/C", o, scratch, false);
  CHECK(o == "a b c");
  normalize_for_signatures("", o, scratch, false);
  CHECK(o.empty());
}

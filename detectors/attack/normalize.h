// Normalisation of attacker-controlled text before attack signatures run: the server decodes its
// input before acting on it, so a signature must see what the server sees, not the wire form an
// attacker chose to slip past a pattern (double percent-encoding, %u escapes, HTML entities,
// \u escapes, overlong UTF-8, full-width forms, mixed case, SQL comments and odd whitespace).
//
// Contract:
// - Pure functions; `in` must not alias `out` or `scratch`; `out` is cleared and reused (its
// capacity kept: no allocation once it has
//   grown), the input is never modified, nothing is read past its end.
// - Output is never longer than the input (every escape is longer than what it encodes: %uXXXX is
//   6 bytes for at most 3 of UTF-8, &#x10FFFF; 10 for 4), so a caller can bound its buffers.
// - Malformed escapes are kept literally: normalisation never drops attacker bytes, it only
//   replaces a recognised encoding with what it encodes.
// - What was found is reported as flags: double encoding and overlong UTF-8 have no innocent use
//   in a request and are evasion signs in their own right.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mirador::detect {

enum NormalizeFlag : uint32_t {
  kPercentEncoded = 1u << 0,  // at least one %XX decoded
  kDoubleEncoded = 1u << 1,   // a second round of percent-decoding changed the text
  kPercentU = 1u << 2,        // %uXXXX (IIS-style) decoded
  kHtmlEntity = 1u << 3,      // &lt; &#60; &#x3c; ...
  kUnicodeEscape = 1u << 4,   // \uXXXX or \xHH
  kOverlongUtf8 = 1u << 5,    // an overlong UTF-8 form of an ASCII character (C0 AF = '/')
  kSqlComment = 1u << 6,      // /* ... */ folded to a space
  kInvalidEscape = 1u << 7,   // a '%' not followed by a valid escape (kept literally)
  kFullwidth = 1u << 8,       // a full-width form of an ASCII character (U+FF0F = '/')
};

// One round of percent-decoding: %XX, and %uXXXX to UTF-8. With `plus_is_space` (query strings
// and form bodies) '+' becomes a space. Returns flags (kPercentEncoded, kPercentU,
// kInvalidEscape).
uint32_t percent_decode(std::string_view in, std::string& out, bool plus_is_space);

// HTML character references: the five named XML entities plus &nbsp; &sol; &colon; &lpar; &rpar;
// &Tab; &NewLine;, and numeric &#NN; / &#xHH; (the ';' optional, as browsers accept). Returns
// kHtmlEntity when one was decoded.
uint32_t html_entity_decode(std::string_view in, std::string& out);

// \uXXXX and \xHH escapes (JSON, JavaScript) to UTF-8 / bytes. Returns kUnicodeEscape.
uint32_t unicode_unescape(std::string_view in, std::string& out);

// Overlong 2- and 3-byte UTF-8 encodings of ASCII characters to the character (kOverlongUtf8),
// and the full-width forms U+FF01..U+FF5E to the ASCII character they stand for (kFullwidth), as
// a back end that applies NFKC (IIS's best fit, Python's unicodedata, Java's Normalizer) reads
// them.
uint32_t fold_overlong_utf8(std::string_view in, std::string& out);

// The whole chain for attack signatures: percent-decoding repeated until stable (at most
// `max_rounds`, 3 by default: a third layer of encoding is already absurd), then HTML entities,
// \u escapes, overlong UTF-8 and full-width forms, ASCII lower case, SQL comments /* */ to one
// space, and every run of whitespace (space, \t \n \r \v \f) to one space. `scratch` is a second
// reused buffer.
uint32_t normalize_for_signatures(std::string_view in, std::string& out, std::string& scratch,
                                  bool plus_is_space, int max_rounds = 3);

}  // namespace mirador::detect

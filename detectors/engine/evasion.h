// Evasion findings: signs that a transaction was written so that the sensor and the server (or
// two devices on the path) may read different things. The bytes are still decoded one way (first
// wins for TCP and IP overlaps, RFC 9112 for HTTP, the normaliser's reading for encodings); the
// finding says that another reading existed.
//
// Sources: the decoders' HttpEvasion bits (TCP overlap conflicts and IP fragment overlaps laid on
// the message that carried them, a known method in another case, a disguised Transfer-Encoding),
// two HTTP anomalies (obs-fold, a bad chunk size), %u escapes in the target, and what the attack
// normaliser decoded in request input (overlong UTF-8 and %u escapes always; a second
// percent-decoding or full-width characters only when an attack signature fired on the result: both
// have innocent uses, a nested URL in a parameter, Japanese text).
//
// Each kind has a stable rule id `evasion.<name>` and a severity; one finding per transaction
// lists every kind seen (risk class "evasion", OWASP API8:2023 like request smuggling).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "decoders/http1/http_transaction.h"
#include "detectors/finding.h"

namespace mirador::detect {

enum class Evasion : uint8_t {
  tcp_overlap_conflict,
  ip_fragment_overlap,
  method_case,
  te_obfuscated,
  header_folding,
  bad_chunk_size,
  double_encoding,
  overlong_utf8,
  percent_u,
  unicode_fullwidth,
};
inline constexpr size_t kEvasionCount = 10;
inline constexpr uint32_t evasion_bit(Evasion e) {
  return 1u << static_cast<unsigned>(e);
}

struct EvasionInfo {
  const char* rule_id;  // "evasion.tcp_overlap_conflict"
  const char* stat;     // the stats counter: "evasion_tcp_overlap_conflict"
  Severity severity;
};
const EvasionInfo& evasion_info(Evasion e);

// Evasion bits of a transaction from its decoders (HttpEvasion bits and anomalies) and its
// target as sent (%uXXXX escapes, which the field extractor decodes before the normaliser).
uint32_t transaction_evasions(const HttpTransaction& t);

// Evasion bits from the normaliser's flags (normalize.h) on one request value. `decoded_once`:
// the field was already percent-decoded by the extractor (target, path, query), so one more
// round of decoding is a second layer. `attack`: a signature fired on the normalised value.
uint32_t normalization_evasions(uint32_t normalize_flags, bool decoded_once, bool attack);

// The severity of the finding for `bits` (not 0): its most severe kind's.
Severity evasion_severity(uint32_t bits);

// Fills `x` (every field overwritten) as the evasion finding for `bits` (not 0).
void fill_evasion_finding(uint32_t bits, Finding& x);

}  // namespace mirador::detect

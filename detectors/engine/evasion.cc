#include "detectors/engine/evasion.h"

#include <array>

#include "detectors/attack/normalize.h"

namespace mirador::detect {

namespace {

// TCP / IP overlaps and a disguised Transfer-Encoding let two readers see two different requests:
// high. The others change how one request reads: medium.
constexpr std::array<EvasionInfo, kEvasionCount> kInfo = {{
    {"evasion.tcp_overlap_conflict", "evasion_tcp_overlap_conflict", Severity::high},
    {"evasion.ip_fragment_overlap", "evasion_ip_fragment_overlap", Severity::high},
    {"evasion.method_case", "evasion_method_case", Severity::medium},
    {"evasion.te_obfuscated", "evasion_te_obfuscated", Severity::high},
    {"evasion.header_folding", "evasion_header_folding", Severity::medium},
    {"evasion.bad_chunk_size", "evasion_bad_chunk_size", Severity::medium},
    {"evasion.double_encoding", "evasion_double_encoding", Severity::medium},
    {"evasion.overlong_utf8", "evasion_overlong_utf8", Severity::medium},
    {"evasion.percent_u", "evasion_percent_u", Severity::medium},
    {"evasion.unicode_fullwidth", "evasion_unicode_fullwidth", Severity::medium},
}};

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

// "%uXXXX" in the target as sent: the extractor decodes it with the rest (one round, as IIS),
// so the normaliser never sees it there.
bool has_percent_u(std::string_view s) {
  for (size_t i = s.find('%'); i != std::string_view::npos && i + 5 < s.size();
       i = s.find('%', i + 1)) {
    if ((s[i + 1] | 0x20) == 'u' && is_hex(s[i + 2]) && is_hex(s[i + 3]) && is_hex(s[i + 4]) &&
        is_hex(s[i + 5]))
      return true;
  }
  return false;
}

}  // namespace

const EvasionInfo& evasion_info(Evasion e) {
  return kInfo[static_cast<size_t>(e)];
}

uint32_t transaction_evasions(const HttpTransaction& t) {
  uint32_t bits = 0;
  if (t.evasions != 0) {
    if (t.has(HttpEvasion::tcp_overlap_conflict))
      bits |= evasion_bit(Evasion::tcp_overlap_conflict);
    if (t.has(HttpEvasion::ip_fragment_overlap)) bits |= evasion_bit(Evasion::ip_fragment_overlap);
    if (t.has(HttpEvasion::method_case)) bits |= evasion_bit(Evasion::method_case);
    if (t.has(HttpEvasion::te_obfuscated)) bits |= evasion_bit(Evasion::te_obfuscated);
  }
  if (t.has(HttpAnomaly::obs_fold)) bits |= evasion_bit(Evasion::header_folding);
  if (t.has(HttpAnomaly::bad_chunk_size)) bits |= evasion_bit(Evasion::bad_chunk_size);
  if (has_percent_u(t.uri)) bits |= evasion_bit(Evasion::percent_u);
  return bits;
}

uint32_t normalization_evasions(uint32_t f, bool decoded_once, bool attack) {
  uint32_t bits = 0;
  if (f & kOverlongUtf8) bits |= evasion_bit(Evasion::overlong_utf8);
  if (f & kPercentU) bits |= evasion_bit(Evasion::percent_u);
  if (attack) {
    if ((f & kDoubleEncoded) || (decoded_once && (f & kPercentEncoded)))
      bits |= evasion_bit(Evasion::double_encoding);
    if (f & kFullwidth) bits |= evasion_bit(Evasion::unicode_fullwidth);
  }
  return bits;
}

Severity evasion_severity(uint32_t bits) {
  Severity s = Severity::info;
  for (size_t k = 0; k < kEvasionCount; ++k) {
    if ((bits & (1u << k)) && kInfo[k].severity > s) s = kInfo[k].severity;
  }
  return s;
}

void fill_evasion_finding(uint32_t bits, Finding& x) {
  x.kind = RuleKind::attack;
  x.rule_ids.clear();
  x.severity = Severity::info;
  for (size_t k = 0; k < kEvasionCount; ++k) {
    if (!(bits & (1u << k))) continue;
    const EvasionInfo& e = kInfo[k];
    x.rule_ids.emplace_back(e.rule_id);
    if (e.severity > x.severity) {
      x.severity = e.severity;
      x.id = e.rule_id;
    }
  }
  x.risk_class = "evasion";
  x.data_class.clear();
  x.owasp_api = "API8:2023";
  x.summary = "Evasion: bytes a server or another device on the path may read differently";
  x.in_response = false;
  x.locations.assign(1, "request");
  x.samples.clear();
  x.count = static_cast<uint32_t>(x.rule_ids.size());
  x.endpoint.clear();
  x.identity.clear();
  x.window_s = 0;
}

}  // namespace mirador::detect

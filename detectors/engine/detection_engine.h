// DetectionEngine: every rule on every transaction. One per worker (it owns the worker's
// Hyperscan scratch through its Scanner, and reuses its field and match buffers, so the steady
// state allocates nothing but the findings it returns).
//
// For each transaction: fields are extracted (field_extractor.h); each field value allowed by a
// rule's `where` is scanned — attack rules against request fields normalised as the server would
// see them (normalize.h), data rules against the value as it is, their matches kept only when
// the validator accepts them and, with context_required, when the field's key names a context
// word; keys-only data rules against field keys. Matches are grouped into findings: one per
// attack class, one per data class and side (request or response), each with every matching rule
// id, its locations, a count and masked samples. HTTP anomalies that signal request smuggling
// (both Content-Length and Transfer-Encoding, conflicting Content-Length) become a finding too,
// and so do evasion signs (evasion.h: TCP/IP overlaps, method case, a disguised
// Transfer-Encoding, obs-fold, bad chunk sizes, layered or odd encodings of an attack).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "decoders/http1/http_transaction.h"
#include "detectors/engine/compiled_rules.h"
#include "detectors/engine/evasion.h"
#include "detectors/engine/scan_memo.h"
#include "detectors/engine/scanner.h"
#include "detectors/fields/field_extractor.h"
#include "detectors/finding.h"

namespace mirador::detect {

struct DetectionConfig {
  bool enabled = true;               // detect.enabled
  std::string rules_dir;             // detect.rules_dir: empty = default_rules_dir()
  FieldLimits fields;                // detect.max_fields, detect.max_field_bytes, …
  size_t max_scan_bytes = 1u << 20;  // detect.max_scan_bytes: per field, the rest is not scanned
  // detect.max_matches: pattern matches kept per scan (all data values of a transaction are one
  // scan); beyond it the scan stops and counts matches_capped.
  size_t max_matches = 65536;
  size_t max_findings = 32;  // detect.max_findings: per transaction
  size_t max_locations = 8;  // detect.max_locations: listed per finding
  size_t max_samples = 3;    // detect.max_samples: listed per finding
  // detect.memo_slots: values remembered with what the scans found in them (scan_memo.h),
  // per worker and per kind (data values, request input); 0 turns the memo off.
  size_t memo_slots = 4096;
  bool mask_samples = true;  // output.mask_sensitive: samples of data findings masked
  // detect.min_severity: findings below it are counted (below_min_severity), not reported. The
  // default keeps info-level facts (a password in a login body, a bearer token in its header)
  // out of the event stream; they matter to the inventory, not to a SOC queue.
  Severity min_severity = Severity::low;
};

struct DetectionCounters {
  uint64_t transactions = 0;
  uint64_t fields_scanned = 0;
  uint64_t bytes_scanned = 0;
  uint64_t scan_truncated = 0;  // fields longer than max_scan_bytes
  uint64_t attack_findings = 0;
  uint64_t data_findings = 0;
  uint64_t smuggling_findings = 0;
  uint64_t evasion_findings = 0;          // transactions with an evasion finding (evasion.h)
  uint64_t evasions[kEvasionCount] = {};  // findings listing each Evasion kind
  uint64_t findings_capped = 0;           // findings beyond max_findings, dropped
  uint64_t below_min_severity = 0;        // findings under min_severity, not reported
  uint64_t validator_rejects = 0;         // pattern matches the validator refused
  uint64_t context_rejects = 0;           // matches without a required context word
};

class DetectionEngine {
 public:
  DetectionEngine(std::shared_ptr<const CompiledRules> rules, const DetectionConfig& cfg);
  ~DetectionEngine();
  DetectionEngine(const DetectionEngine&) = delete;
  DetectionEngine& operator=(const DetectionEngine&) = delete;

  // The findings of `t`, replacing the previous call's (valid until the next call; the caller may
  // annotate them, e.g. with the endpoint).
  std::vector<Finding>& inspect(const HttpTransaction& t);

  // New rules (SIGHUP): takes effect from the next inspect().
  void reload(std::shared_ptr<const CompiledRules> rules);
  // New reporting limits (SIGHUP): max_scan_bytes, max_matches, max_findings, max_locations,
  // max_samples and min_severity are taken from `cfg`; the rest (field limits, memo size) is
  // fixed at construction. Takes effect from the next inspect().
  void set_reporting(const DetectionConfig& cfg);

  const DetectionCounters& counters() const { return counters_; }
  // The fields of the last inspected transaction (the inventory reads parameter names from
  // them); valid until the next inspect().
  const FieldList& fields() const { return fields_; }
  // Hands the last transaction's fields and findings over (a worker passing them on to the
  // stateful stage) in exchange for spare containers, whose capacity the engine then reuses.
  void take_results(FieldList& fields, std::vector<Finding>& findings) {
    std::swap(fields_, fields);
    findings_.swap(findings);
  }
  const FieldCounters& field_counters() const { return extractor_.counters(); }
  const ScanCounters& scan_counters() const;
  const MemoCounters& value_memo_counters() const;
  const MemoCounters& attack_memo_counters() const;

 private:
  struct State;               // scan buffers and the per-class accumulators, reused
  void scan_data_values();    // every gathered value's matches accepted, in field order
  void find_value_matches();  // the values the memo did not know: scanned, then remembered
  std::string_view span_text(const struct ValueSpan& span) const;
  // Validators, `where` and context applied to one value's raw matches; hits into groups.
  void accept_values(uint32_t field, std::string_view text, std::span<const Match> matches);
  // The evidence of a data match: masked unless cfg_.mask_samples is off.
  void data_sample(std::string_view data_class, std::string_view value, std::string& out) const;
  DetectionConfig cfg_;
  std::unique_ptr<Scanner> scanner_;
  FieldExtractor extractor_;
  FieldList fields_;
  std::unique_ptr<State> state_;
  std::vector<Finding> findings_;
  DetectionCounters counters_;
};

// Compiles the rules of cfg.rules_dir (or the default). Throws std::runtime_error with every
// error (file:line: message) when the rules do not load or compile.
std::shared_ptr<const CompiledRules> load_compiled_rules(const std::string& rules_dir);

}  // namespace mirador::detect

// Scanner: one worker's view of the compiled rules — its own Hyperscan scratch, match buffers
// reused across calls. Not thread-safe; one per worker. Holds a reference to the CompiledRules
// it was made for (a reload makes a new Scanner).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "detectors/engine/compiled_rules.h"

struct hs_scratch;

namespace mirador::detect {

struct Match {
  uint32_t rule = 0;   // index into CompiledRules::rules()
  uint32_t begin = 0;  // value database only (leftmost start); 0 for attack matches
  uint32_t end = 0;    // offset just past the match
};

struct ScanCounters {
  uint64_t scans = 0;
  uint64_t bytes = 0;
  uint64_t matches = 0;
  uint64_t matches_capped = 0;  // scans stopped at max_matches (the rest of the text unscanned)
  uint64_t errors = 0;
  uint64_t prefilter_skips = 0;  // values the prefilter cleared without the leftmost-start scan //
                                 // hs_scan failures other than the callback stopping it
};

class Scanner {
 public:
  explicit Scanner(std::shared_ptr<const CompiledRules> rules);
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  const CompiledRules& rules() const { return *rules_; }

  // Replaces `out` with the attack rules matching `text`: at most one Match per rule (the first).
  void scan_attack(std::string_view text, std::vector<Match>& out);
  // Replaces `out` with every value match (begin, end) in `text`, in Hyperscan's order; overlaps
  // of one rule are all reported (the caller validates each).
  void scan_values(std::string_view text, std::vector<Match>& out);
  // Replaces `ends` with the end offset of every value-pattern match in `text` (prefilter
  // database, no start tracking: fast), ascending, at most max_matches. Without a prefilter
  // database every offset might hold a match: `ends` gets text.size() alone.
  void candidate_ends(std::string_view text, std::vector<uint32_t>& ends);
  // scan_values without the prefilter pass (the caller ran candidate_ends).
  void scan_values_exact(std::string_view text, std::vector<Match>& out);

  // Replaces `out` with the rule indices whose key patterns match `key`, unique.
  void scan_key(std::string_view key, std::vector<uint32_t>& out);

  // Matches kept per scan: the scan stops at the first match beyond it and counts the stop in
  // matches_capped (a value that matches 100 000 times costs no more than the cap).
  size_t max_matches = 1024;

  const ScanCounters& counters() const { return counters_; }

 private:
  std::shared_ptr<const CompiledRules> rules_;
  hs_scratch* scratch_ = nullptr;
  ScanCounters counters_;
  std::vector<uint32_t> ends_;
  bool find_ends(std::string_view text, std::vector<uint32_t>& ends);  // true when capped
};

}  // namespace mirador::detect

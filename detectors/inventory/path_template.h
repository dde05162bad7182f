// Endpoint templates (issue 5): "/users/12345/orders" → "/users/{id}/orders". The inventory,
// the per-endpoint detectors (enumeration, BOLA, rates) and findings name endpoints by template.
//
// Two ways a segment becomes a parameter:
//   - its shape: numbers, UUIDs, long hex, base64-like tokens, phone numbers, e-mail addresses,
//     ISO dates (classify_segment) — decided on the first request;
//   - its cardinality: at one position under one parent, more distinct literal segments than
//     `param_min_distinct` (names like "alice", "bob" in /users/alice) — learnt per host, after
//     which every segment at that position is "{param}".
// Learning is bounded: hosts and nodes per host are capped (config keys, counters); a host or
// node over the cap is templated by shape only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mirador::detect {

enum class SegmentKind : uint8_t { literal, number, uuid, hex, token, phone, email, date };
inline constexpr size_t kSegmentKinds = 8;
// `segment` is one path segment, percent-decoded. Words stay literal ("v1", "api", "me");
// short numbers are numbers ("2023" is {id}); an 11-digit Chinese mobile is a phone, not a
// number; a date is YYYY-MM-DD with a real month and day (20240131 is a number).
SegmentKind classify_segment(std::string_view segment);
// "{id}", "{uuid}", "{hex}", "{token}", "{phone}", "{email}", "{date}"; "" for literal.
std::string_view segment_placeholder(SegmentKind k);

struct TemplateConfig {
  // At most max_hosts × max_nodes_per_host nodes of roughly 200 bytes each (about 100 MiB at
  // these defaults, a worst case no real API set reaches).
  size_t max_hosts = 256;            // inventory.max_hosts
  size_t max_nodes_per_host = 2048;  // inventory.max_template_nodes
  size_t param_min_distinct = 20;    // inventory.param_min_distinct
  size_t max_segments = 32;          // deeper paths: the rest becomes "/{rest}"
  // A longer literal segment (a slug, inline data) is a parameter: "{param}", never a key.
  size_t max_literal_len = 128;
};

struct TemplateCounters {
  uint64_t paths = 0;
  uint64_t hosts = 0;            // hosts held now
  uint64_t nodes = 0;            // nodes held now, all hosts (a promotion frees the merged ones)
  uint64_t hosts_capped = 0;     // paths of hosts beyond max_hosts (templated by shape only)
  uint64_t nodes_capped = 0;     // segments not learnt: the host's node cap was reached
  uint64_t promoted = 0;         // positions turned into {param} by cardinality
  uint64_t segments_capped = 0;  // paths longer than max_segments
  uint64_t long_segments = 0;    // literal segments longer than max_literal_len
};

class PathTemplater {
 public:
  explicit PathTemplater(const TemplateConfig& cfg);
  ~PathTemplater();
  PathTemplater(const PathTemplater&) = delete;
  PathTemplater& operator=(const PathTemplater&) = delete;

  // Replaces `out` with the template of `path` (the request target's path, no query, as sent:
  // percent-encoded) on `host` (lower-case, port kept), and learns from it. "/" for an empty
  // path. Empty segments (repeated or trailing slashes) are dropped: "/a//b/" → "/a/b".
  void templ(std::string_view host, std::string_view path, std::string& out);

  // The template `path` would get now, without learning from it. Below a segment templ would
  // add a node for, the rest is templated by shape only (as templ does at a cap).
  void lookup(std::string_view host, std::string_view path, std::string& out) const;

  const TemplateCounters& counters() const { return counters_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  TemplateCounters counters_;
};

}  // namespace mirador::detect

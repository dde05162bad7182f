// JSON bodies walked with simdjson (On-Demand): every string, number and boolean leaf becomes a
// field whose key is the nearest object key (array items inherit it) and whose path is
// "$.a.b[3].c"; a key that is not identifier-like is written "$['we ird']". Strings are
// unescaped (\uXXXX included), numbers keep their token text digit for digit (an 18-digit id is
// not rounded through a double), booleans are "true"/"false", nulls give no field. Containers
// deeper than the depth cap are skipped and counted.
//
// The parser and the padded copy of the input are reused: walking allocates nothing once they
// have grown to the largest body seen. A walk that fails (not JSON, or trailing garbage) leaves
// the list as it was before the call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "detectors/fields/field.h"

namespace mirador::detect {

// What a walk counted; the caller adds them to its counters once the walk is kept.
struct JsonWalkStats {
  uint64_t dropped = 0;   // fields the list refused
  uint64_t too_deep = 0;  // containers skipped below the depth cap
};

class JsonWalker {
 public:
  explicit JsonWalker(size_t max_depth);
  ~JsonWalker();
  JsonWalker(const JsonWalker&) = delete;
  JsonWalker& operator=(const JsonWalker&) = delete;

  // Adds the leaves of `json` to `out`. Paths start with `path_prefix` ("" or a multipart part
  // name: "meta$.user.id"); `root_key` is the key of leaves outside any object. False when
  // `json` is not valid JSON: `out` and `stats` are then untouched.
  bool walk(std::string_view json, Part part, std::string_view root_key,
            std::string_view path_prefix, FieldList& out, JsonWalkStats& stats);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mirador::detect

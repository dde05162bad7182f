// multipart/form-data bodies split by their boundary (from Content-Type, quoted or not). Each
// part is named by its Content-Disposition name=: a file part (filename=) is one raw field, a
// part whose Content-Type is JSON is walked with its name as path prefix ("meta$.user.id"; if it
// is not valid JSON it is one raw field and counted), any other part is one field. key = path =
// the part name. Empty parts give no field. At most `max_parts` parts per body are kept; the
// rest are counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "detectors/fields/field.h"
#include "detectors/fields/json_walk.h"

namespace mirador::detect {

struct MultipartWalkStats {
  uint64_t dropped = 0;        // fields the list refused
  uint64_t too_deep = 0;       // in JSON parts
  uint64_t json_errors = 0;    // JSON parts that were not valid JSON
  uint64_t parts_dropped = 0;  // parts past max_parts
};

class MultipartWalker {
 public:
  MultipartWalker(JsonWalker& json, size_t max_parts) : json_(json), max_parts_(max_parts) {}

  // False (and `out`, `stats` untouched) when the Content-Type has no boundary, or the body has
  // no opening delimiter or no closing one (a truncated body).
  bool walk(std::string_view body, std::string_view content_type, Part part, FieldList& out,
            MultipartWalkStats& stats);

 private:
  JsonWalker& json_;
  size_t max_parts_;
  std::string delimiter_;  // "--" + boundary, reused
};

}  // namespace mirador::detect

// Fields: a transaction cut into the pieces the detectors scan — the request target, each query
// parameter, header values, cookies, and body values found by walking JSON, form and multipart
// bodies. The key of each field gives context (a value under "idCard" or "password") and its
// location names it in findings: "request.query id", "response.body $.data[3].idCard".
//
// A FieldList is reused for every transaction: keys, values and paths are copied into one arena
// whose capacity is kept, so extraction does not allocate in the steady state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mirador::detect {

enum class Part : uint8_t {
  request_target,   // the whole request target, percent-decoded once (path + query)
  request_path,     // the path alone, percent-decoded once
  request_query,    // one query parameter: key = name, value = decoded value
  request_header,   // key = header name, value = header value (Cookie is split instead)
  request_cookie,   // key = cookie name, value = cookie value
  request_body,     // key = JSON key / form name / multipart name ("" for a raw body)
  response_header,  // key = header name
  response_body,    // as request_body
};
inline constexpr size_t kPartCount = 8;
std::string_view part_name(Part p);  // "request.target", "request.query", …, "response.body"
// Bit mask of parts (the `where` of a rule).
using PartMask = uint32_t;
inline constexpr PartMask part_bit(Part p) {
  return 1u << static_cast<unsigned>(p);
}
inline constexpr PartMask kAllParts = (1u << kPartCount) - 1;
inline constexpr PartMask kRequestParts =
    kAllParts & ~(part_bit(Part::response_header) | part_bit(Part::response_body));

struct Field {
  Part part = Part::request_target;
  std::string_view key;    // see Part; for JSON the nearest object key (array items inherit it)
  std::string_view value;  // decoded text to scan
  std::string_view path;   // within the part: "id", "$.data[3].idCard", "" for the whole part
  bool raw = false;        // the whole body as sent (not a walked value): XML, HTML, text
};

class FieldList {
 public:
  void clear();
  // Copies key, value and path into the arena. False (and nothing added) when `max_fields` are
  // already held or the arena would pass `max_bytes`: the caller counts it.
  bool add(Part part, std::string_view key, std::string_view value, std::string_view path,
           bool raw = false);
  // Drops every field from the n-th on (a walker that fails part-way takes back what it added).
  void truncate(size_t n);
  size_t size() const { return entries_.size(); }
  // Capacity kept across clear(): stable once the largest transaction has been seen.
  size_t field_capacity() const { return entries_.capacity(); }
  size_t arena_capacity() const { return arena_.capacity(); }
  // Views into the arena: valid until the next add() or clear().
  Field operator[](size_t i) const;
  // Replaces `out` with "request.query id", "response.body $.data[3].idCard", "request.target"
  // (the part name alone when the path is empty).
  void location(size_t i, std::string& out) const;

  size_t max_fields = 4096;
  size_t max_bytes = 4u << 20;

 private:
  struct Entry {
    Part part;
    bool raw;
    uint32_t key_off, key_len, value_off, value_len, path_off, path_len;
  };
  std::vector<Entry> entries_;
  std::string arena_;
};

}  // namespace mirador::detect

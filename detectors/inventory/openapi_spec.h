// The operator's OpenAPI document (issue 5): which endpoints an API says it has, so traffic to an
// endpoint it does not list (shadow) or to an operation it marks deprecated (zombie) can be found
// (spec_conformance.h turns the answer into findings).
//
// Loading: a file or a text, JSON (simdjson) or YAML (yaml-cpp), told apart by content (a JSON
// document starts with '{'), of OpenAPI 3.0 / 3.1 ("openapi": "3.x") or Swagger 2.0
// ("swagger": "2.0"). Read from it: the path templates (`paths`), their operations (get, put,
// post, delete, patch, head, options, trace) and each operation's `deprecated: true`; the URL
// path prefixes the API is served under — 3.x `servers[].url` (absolute or relative, server
// variables replaced by their defaults), 2.0 `basePath` — which are stripped when matching.
// Not read: path-level and operation-level `servers`; a path item that is only a `$ref` is not
// followed and counts as documenting every method (an unresolved reference must not turn a
// whole API into shadow endpoints). A document that cannot be read, is not OpenAPI/Swagger, or
// is malformed where this reads it, is an error (std::runtime_error naming the file and what
// is wrong); so is exceeding max_paths or max_operations.
//
// Matching a request (method and raw path, as sent: percent-encoded, no query) is done segment by
// segment after stripping a server prefix: a spec literal matches the same text (percent-decoded),
// a spec `{x}` any one segment, a segment mixing both ("{name}.json", "{id}:cancel") the text
// around its parameters. Empty segments are ignored on both sides ("/a//b/" is "/a/b"), as the
// templater does. Literals win over mixed segments, which win over parameters (OpenAPI's "concrete
// paths first"); the first path in that order that has the method decides. HEAD is documented
// when GET is. Paths live in one trie; a lookup visits each trie node at most once and does not
// allocate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace mirador::detect {

struct OpenApiSpecLimits {
  size_t max_paths = 20000;       // inventory.spec_max_paths
  size_t max_operations = 60000;  // inventory.spec_max_operations
};

enum class SpecStatus : uint8_t { undocumented, documented, deprecated };

struct SpecMatch {
  SpecStatus status = SpecStatus::undocumented;
  // The spec's path as the document writes it ("/users/{userId}"); empty when undocumented.
  // Valid while the spec lives.
  std::string_view spec_path;
};

class OpenApiSpec {
 public:
  // Throws std::runtime_error("<origin>: <what is wrong>").
  static std::shared_ptr<const OpenApiSpec> parse(std::string_view text, std::string_view origin,
                                                  const OpenApiSpecLimits& limits = {});
  static std::shared_ptr<const OpenApiSpec> load_file(const std::string& path,
                                                      const OpenApiSpecLimits& limits = {});
  ~OpenApiSpec();
  OpenApiSpec(const OpenApiSpec&) = delete;
  OpenApiSpec& operator=(const OpenApiSpec&) = delete;

  // `method` as sent (compared case-insensitively); `path` the request target's path, no query.
  SpecMatch match(std::string_view method, std::string_view path) const;

  size_t paths() const;       // distinct path templates
  size_t operations() const;  // (path, method) pairs
  size_t deprecated_operations() const;
  const std::string& version() const;  // "3.0.3", "3.1.0", "2.0"

  struct Impl;

 private:
  explicit OpenApiSpec(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mirador::detect

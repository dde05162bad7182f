// Masking of credentials in what leaves the sensor. Records carry request targets and referrers,
// and those often hold secrets in their query strings (`?access_token=…`, `?password=…`): the
// sensor must not become the next leak. A query parameter whose name is sensitive keeps its name
// and loses its value, which becomes "***". Detection of sensitive data in bodies and the
// Hyperscan-based masking of values by class come with the detection engine.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mirador {

struct MaskingConfig {
  bool enabled = true;
  // Parameter names (ASCII case-insensitive) whose values are masked. A name also matches when
  // it contains one of `name_fragments` (e.g. "user_password", "X-Api-Key").
  std::vector<std::string> names = {"password",  "passwd", "pwd",     "pass", "token",
                                    "secret",    "apikey", "api_key", "key",  "sig",
                                    "signature", "auth",   "session", "sid",  "code"};
  std::vector<std::string> name_fragments = {"password", "passwd",  "token",      "secret",
                                             "apikey",   "api_key", "credential", "session"};
};

class UriMasker {
 public:
  explicit UriMasker(const MaskingConfig& cfg);

  // Writes `uri` with sensitive query values replaced by "***" into `out` (cleared first).
  // Returns how many values were masked; when none, `out` equals `uri`.
  size_t mask(std::string_view uri, std::string& out) const;

  bool sensitive_name(std::string_view name) const;

 private:
  MaskingConfig cfg_;
};

}  // namespace mirador

// Inventory (issue 5): the APIs the sensor has seen, one entry per endpoint — host, method and
// path template — with what the traffic says about it: when it was first and last seen, how
// often, status codes, credential kinds, content types, parameter names and types (query and
// JSON body keys), the sensitive data classes in requests and responses, a sensitivity level.
//
// Fed one Observation per transaction (by the worker today, by the aggregator thread with
// issue 7). An entry that is new or whose description changed is marked dirty; the sensor takes
// the dirty entries (take_changed) and writes them as endpoint events, and all of them
// periodically (for_each). Bounded: endpoints, parameters per endpoint and distinct status codes
// are capped, each with a counter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mirador::detect {

// One transaction, as the inventory needs it. Views are valid for the call only.
struct Observation {
  std::string_view host;           // lower-case, port kept
  std::string_view method;         // as sent
  std::string_view path_template;  // "/users/{id}"
  int64_t time_us = 0;
  int status = 0;                         // 0: no response
  std::string_view auth_kind;             // credential_kind_name(): "none", "bearer_jwt", …
  std::string_view request_content_type;  // media type only, lower-case ("application/json")
  std::string_view response_content_type;
  // Parameters: query names and JSON body keys (top-level and nested, as "a.b"), each with the
  // type of its value: "integer", "number", "boolean", "string", "array", "object".
  struct Param {
    std::string_view in;  // "query" or "body"
    std::string_view name;
    std::string_view type;
  };
  std::vector<Param> params;
  std::vector<std::string_view> request_data_classes;  // sensitive data classes found
  std::vector<std::string_view> response_data_classes;
};

struct InventoryConfig {
  size_t max_endpoints = 10000;  // inventory.max_endpoints
  size_t max_params = 64;        // inventory.max_params: per endpoint
  size_t max_status_codes = 16;  // distinct codes kept per endpoint
};

struct InventoryCounters {
  uint64_t observations = 0;
  uint64_t endpoints = 0;         // held now
  uint64_t endpoints_capped = 0;  // observations of new endpoints beyond max_endpoints (dropped)
  uint64_t params_capped = 0;     // parameters not recorded: the endpoint's cap was reached
  uint64_t status_capped = 0;     // status codes not recorded
  uint64_t changes = 0;           // times an endpoint became dirty
};

// What the inventory knows of one endpoint.
struct Endpoint {
  std::string host, method, path_template;
  int64_t first_seen_us = 0, last_seen_us = 0;
  uint64_t count = 0;
  std::vector<std::pair<int, uint64_t>> status_codes;  // (code, count), ascending code
  std::vector<std::string> auth_kinds;                 // sorted
  std::vector<std::string> request_content_types, response_content_types;  // sorted
  struct Param {
    std::string in, name, type;  // type "mixed" when values of several types were seen
    uint64_t count = 0;
  };
  std::vector<Param> params;                                             // sorted by (in, name)
  std::vector<std::string> request_data_classes, response_data_classes;  // sorted
  // "high" when a response carries high-risk classes (identity, card, passport, secrets,
  // password…), "medium" for other personal data (e-mail, phone, name, address, birth date),
  // else "low".
  std::string sensitivity = "low";
  bool authenticated() const;  // some request carried a credential
};

class Inventory {
 public:
  explicit Inventory(const InventoryConfig& cfg);
  ~Inventory();
  Inventory(const Inventory&) = delete;
  Inventory& operator=(const Inventory&) = delete;

  void observe(const Observation& o);

  // Calls `f` for every endpoint that is new or whose description changed since the last call
  // (counts and last_seen alone are not a change), and clears the marks.
  void take_changed(const std::function<void(const Endpoint&)>& f);
  // Every endpoint, in (host, path_template, method) order.
  void for_each(const std::function<void(const Endpoint&)>& f) const;
  size_t size() const;

  const InventoryCounters& counters() const { return counters_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  InventoryCounters counters_;
};

// The sensitivity of a data class: 2 high, 1 medium, 0 none (unknown classes are medium).
int data_class_sensitivity(std::string_view data_class);

}  // namespace mirador::detect

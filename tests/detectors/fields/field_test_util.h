// Test helpers: a FieldList as comparable rows.
#pragma once

#include <string>
#include <vector>

#include "detectors/fields/field.h"

namespace mirador::detect::test {

struct Row {
  std::string where;  // FieldList::location
  std::string key;
  std::string value;
  bool raw = false;
  bool operator==(const Row&) const = default;
};

inline std::vector<Row> rows(const FieldList& list) {
  std::vector<Row> out;
  std::string where;
  for (size_t i = 0; i < list.size(); ++i) {
    const Field f = list[i];
    list.location(i, where);
    out.push_back(Row{where, std::string(f.key), std::string(f.value), f.raw});
  }
  return out;
}

}  // namespace mirador::detect::test

// Catch prints a Row on failure.
#include <ostream>
inline std::ostream& operator<<(std::ostream& os, const mirador::detect::test::Row& r) {
  return os << "{" << r.where << " | key=" << r.key << " | value=" << r.value
            << (r.raw ? " | raw" : "") << "}";
}

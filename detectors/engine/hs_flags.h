// The Hyperscan flags of a rule's patterns, shared by check_rules (each pattern compiled alone)
// and CompiledRules (the databases), so a pattern that passes the check compiles the same way.
#pragma once

#include <hs/hs.h>

#include "detectors/engine/rule.h"

namespace mirador::detect {

enum class PatternDb { attack, value, key };

inline unsigned hs_flags_for(const Rule& r, PatternDb db) {
  unsigned f = 0;
  if (r.flags & kCaseless) f |= HS_FLAG_CASELESS;
  if (r.flags & kDotAll) f |= HS_FLAG_DOTALL;
  if (r.flags & kMultiline) f |= HS_FLAG_MULTILINE;
  // kUtf8 is refused by the loader: Hyperscan's behaviour on invalid UTF-8 is undefined.
  switch (db) {
    case PatternDb::attack:
    case PatternDb::key:
      f |= HS_FLAG_SINGLEMATCH;  // which rule matched is enough
      break;
    case PatternDb::value:
      f |= HS_FLAG_SOM_LEFTMOST;  // validators need the exact match
      break;
  }
  return f;
}

// Where a rule's patterns go: attack patterns to the attack database, data patterns to the
// value database; key patterns (data rules only) to the key database.
inline PatternDb value_db_of(const Rule& r) {
  return r.kind == RuleKind::attack ? PatternDb::attack : PatternDb::value;
}

}  // namespace mirador::detect

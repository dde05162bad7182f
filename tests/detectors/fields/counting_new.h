// The global operator new replaced by a counting one (counting_new.cc). Linked only into
// fields_alloc_test.
#pragma once

#include <cstddef>

namespace mirador::test {

// Calls of operator new so far in this process.
size_t allocation_count();

}  // namespace mirador::test

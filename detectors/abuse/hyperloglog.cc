#include "detectors/abuse/hyperloglog.h"

#include <cmath>

namespace mirador::detect {

double Hll64::estimate() const {
  constexpr double m = kRegisters;
  constexpr double alpha = 0.709;  // Flajolet et al.'s constant for m = 64
  double sum = 0;
  unsigned zeros = 0;
  for (uint8_t r : regs_) {
    sum += std::ldexp(1.0, -static_cast<int>(r));
    if (r == 0) ++zeros;
  }
  const double raw = alpha * m * m / sum;
  // Small range: linear counting over the empty registers is the better estimate.
  if (raw <= 2.5 * m && zeros != 0) return m * std::log(m / zeros);
  return raw;
}

}  // namespace mirador::detect

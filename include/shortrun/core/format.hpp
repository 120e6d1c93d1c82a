#pragma once
// Numbers in messages and terminal summaries: four significant digits ("%.4g"), and a measured
// value with its standard error ("value +- se", the error to two significant digits).
#include <cmath>
#include <cstdio>
#include <string>

namespace shortrun {

inline std::string format_number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

/// "value +- se"; the value alone when se is 0 (an exact law) or unknown.
inline std::string format_with_se(double v, double se) {
  if (!(se > 0) || !std::isfinite(se)) return format_number(v);
  char b[64];
  std::snprintf(b, sizeof b, "%.4g +- %.2g", v, se);
  return b;
}

}  // namespace shortrun

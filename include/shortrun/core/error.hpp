#pragma once
/// Exceptions of the core. The app turns them into exit codes (docs/design.md section 2): BadInput -> 2,
/// everything else -> 1. Numerical divergence is not an exception: it is a run status.
#include <stdexcept>
#include <string>

namespace shortrun {

/// Bad configuration, data file or argument. The message names the key or file and what was
/// expected, in one line.
class BadInput : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace shortrun

#pragma once
/// Progress lines for long work, on stderr: at most one line every few seconds (never a flood),
/// with rate and ETA. Only world rank 0 prints; `--quiet` silences it.
#include <chrono>
#include <string>

#include "shortrun/core/types.hpp"

namespace shortrun::cli {

class Progress {
 public:
  Progress(bool enabled, std::string label, double interval_s = 5.0);
  /// Reports that `done` of `total` units are finished; prints when the interval has passed.
  void update(Index done, Index total);
  /// Prints a final line with the total time.
  void finish(Index done, Index total);
  double elapsed_s() const;

 private:
  void print(Index done, Index total);
  bool enabled_;
  std::string label_;
  double interval_s_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

/// "1h02m", "3m05s", "12.3s".
std::string format_duration(double s);

}  // namespace shortrun::cli

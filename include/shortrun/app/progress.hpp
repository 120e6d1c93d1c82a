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
  /// Units done before this process started (a resumed run): the rate counts only the others.
  void resumed_at(Index done) { first_done_ = done; }
  /// Reports that `done` of `total` units are finished; prints when the interval has passed, with
  /// `detail` (e.g. the last gradient and parameter norms) at the end of the line.
  void update(Index done, Index total, const std::string& detail = "");
  /// Prints a final line with the total time.
  void finish(Index done, Index total);
  double elapsed_s() const;

 private:
  void print(Index done, Index total, const std::string& detail);
  bool enabled_;
  std::string label_;
  double interval_s_;
  Index first_done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

/// "1h02m", "3m05s", "12.3s".
std::string format_duration(double s);

}  // namespace shortrun::cli

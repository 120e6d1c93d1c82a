#pragma once
// A team member for unit tests of team reductions: it does not sum but records every span it is
// given, so that the partial sums of several shares ("ranks") can be summed by the test afterwards.
#include <span>
#include <vector>

#include <Eigen/Core>

#include "shortrun/core/types.hpp"

namespace shortrun::testing {

struct RecordingTeam {
  int rank_ = 0;
  int size_ = 1;
  std::vector<Vector> sent;
  void sum_inplace(std::span<double> x) {
    sent.emplace_back(Eigen::Map<const Vector>(x.data(), static_cast<Index>(x.size())));
  }
  bool all(bool flag) const { return flag; }
  int rank() const { return rank_; }
  int size() const { return size_; }
};

}  // namespace shortrun::testing

#include "shortrun/core/log_grid.hpp"

#include <algorithm>
#include <cmath>

namespace shortrun {

std::vector<Index> log_grid(Index n_max, Index n_points, bool include_zero,
                            const std::vector<Index>& must_include) {
  std::vector<Index> grid;
  if (include_zero) grid.push_back(0);
  if (n_max >= 1) {
    const Index n = std::max<Index>(n_points, 2);
    const double log_max = std::log(static_cast<double>(n_max));
    for (Index i = 0; i < n; ++i) {
      const double x = std::exp(log_max * static_cast<double>(i) / static_cast<double>(n - 1));
      grid.push_back(std::clamp<Index>(std::llround(x), 1, n_max));
    }
    grid.push_back(n_max);
  }
  for (Index v : must_include)
    if (v >= 0 && v <= n_max) grid.push_back(v);
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  return grid;
}

}  // namespace shortrun

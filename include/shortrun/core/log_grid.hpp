#pragma once
/// Log-spaced integer grids: training checkpoints and the sampling times t of measurements.
#include <vector>

#include "shortrun/core/types.hpp"

namespace shortrun {

/// About n_points distinct integers, log-spaced over [1, n_max], always holding 1 and n_max,
/// increasing; plus 0 first when include_zero, and every value of `must_include` in [0, n_max].
/// Used with must_include = {k} so the sampling time t = k is always recorded.
std::vector<Index> log_grid(Index n_max, Index n_points, bool include_zero,
                            const std::vector<Index>& must_include = {});

}  // namespace shortrun

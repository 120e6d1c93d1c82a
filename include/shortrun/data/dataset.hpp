#pragma once
/// A data set as the trainer sees it: samples as columns, and its empirical moments.
#include <algorithm>

#include "shortrun/core/types.hpp"

namespace shortrun {

struct Dataset {
  Matrix x;     ///< (N x n) samples as columns; empty when `population` is true
  Vector mean;  ///< <x>_D, (N)
  Matrix cov;   ///< connected covariance <x x^T>_D - <x><x>^T, (N x N), normalised by n
  bool population = false;  ///< moments are exact population moments, no samples exist

  Index dim() const { return mean.size(); }
  Index n_samples() const { return x.cols(); }
  /// <x x^T>_D
  Matrix second_moment() const { return cov + mean * mean.transpose(); }
};

/// Columns per block of a pass that goes through the data a block of columns at a time, so that
/// nothing of the whole data set's size is made beside it: `requested` when > 0, else about 8 MB
/// of doubles of `rows` rows, at least 256 columns.
inline Index column_block(Index rows, Index requested = 0) {
  return requested > 0 ? requested : std::max<Index>(256, (Index{1} << 20) / std::max<Index>(rows, 1));
}

/// Empirical mean and covariance (1/n normalisation) of the columns of x; fills d.mean, d.cov.
/// The covariance sums the centred columns a column_block(N, block_columns) at a time, so no
/// centred copy of the whole data set is made.
void compute_moments(Dataset& d, Index block_columns = 0);

}  // namespace shortrun

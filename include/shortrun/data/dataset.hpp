#pragma once
/// A data set as the trainer sees it: samples as columns, and its empirical moments.
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

/// Empirical mean and covariance (1/n normalisation) of the columns of x; fills d.mean, d.cov.
/// The covariance sums the centred columns block_columns at a time (0: about 8 MB of doubles per
/// block, at least 256 columns), so no centred copy of the whole data set is made.
void compute_moments(Dataset& d, Index block_columns = 0);

}  // namespace shortrun

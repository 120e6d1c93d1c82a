#pragma once
/// Numeric types shared by the whole core. Samples are columns in memory: a batch of n points in
/// dimension N is a Matrix of shape (N x n). On disk they are rows.
#include <Eigen/Core>

namespace shortrun {
using Index = Eigen::Index;
using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;
}  // namespace shortrun

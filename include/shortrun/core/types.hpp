#pragma once
/// Numeric types shared by the whole core. Samples are columns in memory: a batch of n points in
/// dimension N is a Matrix of shape (N x n). On disk they are rows.
#include <Eigen/Core>

namespace shortrun {
using Index = Eigen::Index;
using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;
/// The same shapes in another precision (the float32 kernels of `shortrun bench`; training is double).
template <class Scalar>
using MatrixOf = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
template <class Scalar>
using VectorOf = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
}  // namespace shortrun

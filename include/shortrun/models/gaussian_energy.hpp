#pragma once
/// Gaussian energy model (docs/theory.md section 2):  E(x) = 1/2 x^T J x - h^T x,  J symmetric (N x N).
/// Parameters, in one flat vector: block "J" (N x N, column-major), block "h" (N).
/// Sign convention: gradients are of the NLL; dE/dJ = 1/2 x x^T, dE/dh = -x.
#include <string>

#include "shortrun/core/parameters.hpp"
#include "shortrun/core/types.hpp"

namespace shortrun {

class GaussianEnergy {
 public:
  explicit GaussianEnergy(Index n_visible) : n_(n_visible) {
    layout_.add("J", n_, n_);
    layout_.add("h", n_);
    theta_ = Vector::Zero(layout_.size());
  }

  static constexpr const char* kName = "gaussian";
  Index dim() const { return n_; }
  const Layout& layout() const { return layout_; }
  Vector& params() { return theta_; }
  const Vector& params() const { return theta_; }

  Eigen::Map<const Matrix> J() const { return view(theta_, layout_.blocks()[0]); }
  Eigen::Map<const Matrix> h() const { return view(theta_, layout_.blocks()[1]); }
  Eigen::Map<Matrix> J() { return view(theta_, layout_.blocks()[0]); }
  Eigen::Map<Matrix> h() { return view(theta_, layout_.blocks()[1]); }

  /// E(x) of each column of x (N x n) -> (n).
  Vector energy(const Matrix& x) const {
    const Matrix jx = J() * x;
    return 0.5 * (x.array() * jx.array()).colwise().sum().matrix().transpose() - x.transpose() * h().col(0);
  }

  /// dE/dx = J x - h for each column; grad has the shape of x.
  void grad_x(const Matrix& x, Matrix& grad) const {
    grad.noalias() = J() * x;
    grad.colwise() -= h().col(0);
  }

  /// grad += weight * sum over columns of dE/dtheta(x).
  void accumulate_grad_energy(const Matrix& x, double weight, Vector& grad) const {
    view(grad, layout_.blocks()[0]).noalias() += (0.5 * weight) * x * x.transpose();
    view(grad, layout_.blocks()[1]).noalias() -= weight * x.rowwise().sum();
  }

  /// grad += weight * E[dE/dtheta] under a law with mean m and second moment S = <x x^T>
  /// (the energy is linear in the sufficient statistics, so moments suffice).
  void accumulate_grad_energy_moments(const Vector& mean, const Matrix& second, double weight,
                                      Vector& grad) const {
    view(grad, layout_.blocks()[0]) += (0.5 * weight) * second;
    view(grad, layout_.blocks()[1]) -= weight * mean;
  }

 private:
  Index n_;
  Layout layout_;
  Vector theta_;
};

}  // namespace shortrun

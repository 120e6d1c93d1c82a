#pragma once
/// Independent binary units (docs/theory.md section 3): E(s) = -sum_i h_i s_i, s in {-1,+1}^N or
/// {0,1}^N (Spin). Parameters: block "h" (N). Gradients are of the NLL: dE/dh = -s.
/// Sampler interface (shared with BoltzmannMachine): local fields f = h, which no flip changes.
#include "shortrun/core/parameters.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun {

class IndependentSpins {
 public:
  IndependentSpins(Index n_visible, Spin spin) : n_(n_visible), spin_(spin) {
    layout_.add("h", n_);
    theta_ = Vector::Zero(layout_.size());
  }

  static constexpr const char* kName = "spins";
  Index dim() const { return n_; }
  Spin spin() const { return spin_; }
  const Layout& layout() const { return layout_; }
  Vector& params() { return theta_; }
  const Vector& params() const { return theta_; }
  /// Magnitude beyond which training is reported as diverged (see kSaturatedParam).
  double param_bound() const { return kSaturatedParam; }

  Eigen::Map<const Matrix> h() const { return view(theta_, layout_.blocks()[0]); }
  Eigen::Map<Matrix> h() { return view(theta_, layout_.blocks()[0]); }

  /// E(s) of each column of x (N x n) -> (n).
  Vector energy(const Matrix& x) const { return -(x.transpose() * h().col(0)); }

  /// fields(:, j) = h for every chain j; fields gets the shape of x.
  void local_fields(const Matrix& x, Matrix& fields) const {
    fields.resize(x.rows(), x.cols());
    fields.colwise() = h().col(0);
  }
  /// After s_i changed by delta: no field depends on another unit.
  void add_flip(Eigen::Ref<Vector> /*fields*/, Index /*i*/, double /*delta*/) const {}

  /// grad += weight * sum over columns of dE/dtheta(x).
  void accumulate_grad_energy(const Matrix& x, double weight, Vector& grad) const {
    view(grad, layout_.blocks()[0]).noalias() -= weight * x.rowwise().sum();
  }
  /// grad += weight * E[dE/dtheta] under a law with mean <s>; the second moment is not used.
  void accumulate_grad_energy_moments(const Vector& mean, const Matrix& /*second*/, double weight,
                                      Vector& grad) const {
    view(grad, layout_.blocks()[0]) -= weight * mean;
  }

 private:
  Index n_;
  Spin spin_;
  Layout layout_;
  Vector theta_;
};

}  // namespace shortrun

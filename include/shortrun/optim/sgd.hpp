#pragma once
/// Stochastic gradient descent on the NLL, with optional heavy-ball momentum and L2 penalty:
///   g = grad + l2 theta,   u <- mu u + g,   theta <- theta - lr u
/// (mu = 0, l2 = 0: plain theta <- theta - lr grad). The L2 term is the gradient of
/// (l2 / 2) |theta|^2; a zero-gradient, zero-valued entry (a bm's J diagonal) stays zero.
#include <utility>

#include "shortrun/core/state.hpp"
#include "shortrun/core/types.hpp"

namespace shortrun {

class Sgd {
 public:
  explicit Sgd(double lr, double momentum = 0.0, double l2 = 0.0) : lr_(lr), momentum_(momentum), l2_(l2) {}

  void step(Vector& theta, const Eigen::Ref<const Vector>& grad) {
    if (momentum_ == 0.0 && l2_ == 0.0) {
      theta.noalias() -= lr_ * grad;
      return;
    }
    if (velocity_.size() != theta.size()) velocity_ = Vector::Zero(theta.size());
    velocity_ = momentum_ * velocity_ + grad + l2_ * theta;
    theta.noalias() -= lr_ * velocity_;
  }

  double lr() const { return lr_; }
  double momentum() const { return momentum_; }
  double l2() const { return l2_; }
  /// The optimizer's state, to checkpoint for an exact resume: "velocity" u (empty until the first
  /// step with momentum or L2).
  State state() const {
    State s;
    s.add("velocity", velocity_);
    return s;
  }
  void restore(const State& s) { velocity_ = s.vector("velocity").value_or(Vector()); }
  /// state() without copying the velocity, and restore(State&&) moving it back (Adam::lend_state()).
  State lend_state() {
    State s;
    s.add("velocity", std::move(velocity_));
    return s;
  }
  void restore(State&& s) { velocity_ = s.take_column("velocity"); }

 private:
  double lr_;
  double momentum_;
  double l2_;
  Matrix velocity_ = Matrix(0, 1);  ///< one column (Adam::m_)
};

}  // namespace shortrun

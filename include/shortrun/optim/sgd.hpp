#pragma once
/// Plain stochastic gradient descent on the NLL: theta <- theta - lr * grad.
#include "shortrun/core/types.hpp"

namespace shortrun {

class Sgd {
 public:
  explicit Sgd(double lr) : lr_(lr) {}
  void step(Vector& theta, const Eigen::Ref<const Vector>& grad) { theta.noalias() -= lr_ * grad; }
  double lr() const { return lr_; }

 private:
  double lr_;
};

}  // namespace shortrun

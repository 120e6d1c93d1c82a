#pragma once
/// Adam (Kingma and Ba 2015) on the NLL, with an optional L2 penalty added to the gradient
/// (coupled, as in the original paper):
///   g = grad + l2 theta,  m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
///   theta <- theta - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps),   t = 1, 2, ...
/// Entries whose gradient and value stay zero (a bm's J diagonal) stay zero.
#include <cmath>
#include <cstdint>
#include <utility>

#include "shortrun/core/state.hpp"
#include "shortrun/core/types.hpp"

namespace shortrun {

class Adam {
 public:
  explicit Adam(double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double l2 = 0.0)
      : lr_(lr), beta1_(beta1), beta2_(beta2), eps_(eps), l2_(l2) {}

  void step(Vector& theta, const Eigen::Ref<const Vector>& grad) {
    if (m_.size() != theta.size()) {
      m_ = Vector::Zero(theta.size());
      v_ = Vector::Zero(theta.size());
      t_ = 0;
    }
    ++t_;
    // g = grad + l2 theta inside each expression: no temporary of the parameters' size.
    const auto g = grad + l2_ * theta;
    m_ = beta1_ * m_ + (1.0 - beta1_) * g;
    v_ = beta2_ * v_ + (1.0 - beta2_) * g.cwiseAbs2();
    const double t = static_cast<double>(t_);
    const double c1 = 1.0 - std::pow(beta1_, t), c2 = 1.0 - std::pow(beta2_, t);
    theta.array() -= lr_ * (m_.array() / c1) / ((v_.array() / c2).sqrt() + eps_);
  }

  double lr() const { return lr_; }
  double l2() const { return l2_; }
  /// The optimizer's state, to checkpoint for an exact resume: "steps" t, "m" and "v".
  State state() const {
    State s;
    s.add_scalar("steps", static_cast<double>(t_));
    s.add("m", m_);
    s.add("v", v_);
    return s;
  }
  void restore(const State& s) {
    t_ = static_cast<std::int64_t>(s.scalar("steps").value_or(0.0));
    m_ = s.vector("m").value_or(Vector());
    v_ = s.vector("v").value_or(Vector());
  }
  /// state() without copying the moments: they move into the State, and restore(State&&) takes
  /// them back (a resume checkpoint is written from them in between, with no step taken).
  State lend_state() {
    State s;
    s.add_scalar("steps", static_cast<double>(t_));
    s.add("m", std::move(m_));
    s.add("v", std::move(v_));
    return s;
  }
  void restore(State&& s) {
    t_ = static_cast<std::int64_t>(s.scalar("steps").value_or(0.0));
    m_ = s.take_column("m");
    v_ = s.take_column("v");
  }

 private:
  double lr_;
  double beta1_;
  double beta2_;
  double eps_;
  double l2_;
  std::int64_t t_ = 0;
  Matrix m_ = Matrix(0, 1);  ///< one column: a Matrix so that lend_state() moves it into a StateBlock
  Matrix v_ = Matrix(0, 1);
};

}  // namespace shortrun

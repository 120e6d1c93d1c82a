#pragma once
/// Bernoulli-Bernoulli restricted Boltzmann machine (THEORY.md section 4):
///   E(v, h) = -a^T v - b^T h - v^T W h,   v in {0,1}^Nv, h in {0,1}^Nh.
/// Parameters: block "W" (Nv x Nh, column-major), block "a" (Nv), block "b" (Nh).
/// Chains and data hold visible units only (dim() = Nv): the model's energy on them is the free
/// energy F(v) = -log sum_h exp(-E(v, h)) = -a^T v - sum_j softplus(b_j + (W^T v)_j), and its
/// gradients are dF/dtheta (hidden units averaged exactly given v):
///   dF/dW = -v sigma(b + W^T v)^T,  dF/da = -v,  dF/db = -sigma(b + W^T v).
#include "shortrun/core/parameters.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun {

/// Sufficient statistics of an RBM law: <v> (Nv), <h> (Nh), <v h^T> (Nv x Nh).
struct RbmMoments {
  Vector v_mean;
  Vector h_mean;
  Matrix vh;
};

class BernoulliRbm {
 public:
  BernoulliRbm(Index n_visible, Index n_hidden) : nv_(n_visible), nh_(n_hidden) {
    layout_.add("W", nv_, nh_);
    layout_.add("a", nv_);
    layout_.add("b", nh_);
    theta_ = Vector::Zero(layout_.size());
  }

  static constexpr const char* kName = "rbm";
  Index dim() const { return nv_; }
  Index n_visible() const { return nv_; }
  Index n_hidden() const { return nh_; }
  Spin spin() const { return Spin::zero_one; }
  const Layout& layout() const { return layout_; }
  Vector& params() { return theta_; }
  const Vector& params() const { return theta_; }
  /// Magnitude beyond which training is reported as diverged (see kSaturatedParam).
  double param_bound() const { return kSaturatedParam; }

  Eigen::Map<const Matrix> W() const { return view(theta_, layout_.blocks()[0]); }
  Eigen::Map<const Matrix> a() const { return view(theta_, layout_.blocks()[1]); }
  Eigen::Map<const Matrix> b() const { return view(theta_, layout_.blocks()[2]); }
  Eigen::Map<Matrix> W() { return view(theta_, layout_.blocks()[0]); }
  Eigen::Map<Matrix> a() { return view(theta_, layout_.blocks()[1]); }
  Eigen::Map<Matrix> b() { return view(theta_, layout_.blocks()[2]); }

  /// Hidden pre-activations b + W^T v for each column of v (Nv x n) -> (Nh x n).
  Matrix hidden_input(const Matrix& v) const {
    Matrix in = W().transpose() * v;
    in.colwise() += b().col(0);
    return in;
  }
  /// Visible pre-activations a + W h for each column of h (Nh x n) -> (Nv x n).
  Matrix visible_input(const Matrix& hid) const {
    Matrix in = W() * hid;
    in.colwise() += a().col(0);
    return in;
  }

  /// Free energy F(v) of each column of v (Nv x n) -> (n).
  Vector energy(const Matrix& v) const {
    const Matrix in = hidden_input(v);
    Vector f = -(v.transpose() * a().col(0));
    for (Index j = 0; j < v.cols(); ++j)
      for (Index k = 0; k < nh_; ++k) f[j] -= softplus(in(k, j));
    return f;
  }
  /// Joint energy E(v, h) of paired columns of v (Nv x n) and h (Nh x n) -> (n).
  Vector joint_energy(const Matrix& v, const Matrix& hid) const {
    const Matrix wh = W() * hid;
    return -(v.transpose() * a().col(0)) - hid.transpose() * b().col(0) -
           (v.array() * wh.array()).colwise().sum().matrix().transpose();
  }

  /// grad += weight * sum over columns of dF/dtheta(v).
  void accumulate_grad_energy(const Matrix& v, double weight, Vector& grad) const {
    const Matrix p = hidden_input(v).unaryExpr([](double x) { return sigmoid(x); });
    view(grad, layout_.blocks()[0]).noalias() -= weight * v * p.transpose();
    view(grad, layout_.blocks()[1]).noalias() -= weight * v.rowwise().sum();
    view(grad, layout_.blocks()[2]).noalias() -= weight * p.rowwise().sum();
  }
  /// grad += weight * E[dE/dtheta] under a law with the given sufficient statistics.
  void accumulate_grad_energy_moments(const RbmMoments& m, double weight, Vector& grad) const {
    view(grad, layout_.blocks()[0]) -= weight * m.vh;
    view(grad, layout_.blocks()[1]) -= weight * m.v_mean;
    view(grad, layout_.blocks()[2]) -= weight * m.h_mean;
  }

 private:
  Index nv_;
  Index nh_;
  Layout layout_;
  Vector theta_;
};

}  // namespace shortrun

#pragma once
/// Fully visible Boltzmann machine (docs/theory.md section 4):
///   E(s) = -sum_i h_i s_i - sum_{i<j} J_ij s_i s_j = -h^T s - 1/2 s^T J s,
/// s in {-1,+1}^N or {0,1}^N (Spin), J symmetric with zero diagonal.
/// Parameters: block "J" (N x N, column-major, both triangles stored), block "h" (N).
/// Gradients are of the NLL: dE/dJ_ij = -1/2 s_i s_j (i != j; the full symmetric matrix, so a
/// step keeps J symmetric), dE/dJ_ii = 0 (the diagonal stays zero), dE/dh = -s.
/// Sampler interface: local fields f = h + J s, updated in O(N) per flip by add_flip.
#include "shortrun/core/parameters.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/spin.hpp"
#include "shortrun/models/working_precision.hpp"

namespace shortrun {

class BoltzmannMachine {
 public:
  BoltzmannMachine(Index n_visible, Spin spin) : n_(n_visible), spin_(spin) {
    layout_.add("J", n_, n_);
    layout_.add("h", n_);
    theta_ = Vector::Zero(layout_.size());
  }

  static constexpr const char* kName = "bm";
  Index dim() const { return n_; }
  Spin spin() const { return spin_; }
  const Layout& layout() const { return layout_; }
  Vector& params() { return theta_; }
  const Vector& params() const { return theta_; }
  /// Magnitude beyond which training is reported as diverged (see kSaturatedParam).
  double param_bound() const { return kSaturatedParam; }

  Eigen::Map<const Matrix> J() const { return view(theta_, layout_.blocks()[0]); }
  Eigen::Map<const Matrix> h() const { return view(theta_, layout_.blocks()[1]); }
  Eigen::Map<Matrix> J() { return view(theta_, layout_.blocks()[0]); }
  Eigen::Map<Matrix> h() { return view(theta_, layout_.blocks()[1]); }

  /// J <- (J + J^T) / 2 with zero diagonal: call after setting J by hand.
  void symmetrize() {
    auto j = J();
    const Matrix sym = 0.5 * (Matrix(j) + Matrix(j.transpose()));
    j = sym;
    j.diagonal().setZero();
  }

  /// E(s) of each column of x (N x n) -> (n).
  Vector energy(const Matrix& x) const {
    const Matrix jx = J() * x;
    return -(x.transpose() * h().col(0)) - 0.5 * (x.array() * jx.array()).colwise().sum().matrix().transpose();
  }

  /// fields = h + J x, the local field of every unit of every chain; shape of x.
  void local_fields(const Matrix& x, Matrix& fields) const {
    fields.noalias() = J() * x;
    fields.colwise() += h().col(0);
  }
  /// After s_i changed by delta: f <- f + delta J(:, i) (J_ii = 0 leaves f_i as it was).
  void add_flip(Eigen::Ref<Vector> fields, Index i, double delta) const {
    fields.noalias() += delta * J().col(i);
  }

  /// grad += weight * sum over columns of dE/dtheta(x).
  void accumulate_grad_energy(const Matrix& x, double weight, Vector& grad) const {
    add_pairs(x * x.transpose(), -0.5 * weight, grad);
    view(grad, layout_.blocks()[1]).noalias() -= weight * x.rowwise().sum();
  }
  /// grad += weight * E[dE/dtheta] under a law with mean <s> and second moment <s s^T>.
  void accumulate_grad_energy_moments(const Vector& mean, const Matrix& second, double weight,
                                      Vector& grad) const {
    add_pairs(second, -0.5 * weight, grad);
    view(grad, layout_.blocks()[1]) -= weight * mean;
  }

 private:
  // J block += scale * (P + P^T) / 2 with zero diagonal: symmetric to the last bit (GEMM results
  // are not), so a gradient step never breaks J's symmetry.
  void add_pairs(const Matrix& pairs, double scale, Vector& grad) const {
    auto g = view(grad, layout_.blocks()[0]);
    for (Index j = 0; j < n_; ++j)
      for (Index i = 0; i < n_; ++i)
        if (i != j) g(i, j) += scale * (0.5 * (pairs(i, j) + pairs(j, i)));
  }

  Index n_;
  Spin spin_;
  Layout layout_;
  Vector theta_;
};

/// A Boltzmann machine's J and h copied into precision Scalar: the working copy of float32
/// training (model.precision = float32; the optimizer keeps the double parameters of
/// BoltzmannMachine, models/working_precision.hpp). It offers BoltzmannMachine's sampler interface
/// (J(), h(), local_fields, add_flip) in Scalar, so the single-site samplers step float chains on
/// it. Its gradient statistics, x x^T and the row sums of x, are sums of products of units in
/// {-1, +1} or {0, 1}: integers, exact in float below 2^24 chains per rank, so they equal the
/// float64 statistics of the same chains; they are widened to double and added by the
/// BoltzmannMachine it was copied from (which must outlive it).
template <class Scalar>
class BmParametersOf {
 public:
  using Mat = MatrixOf<Scalar>;

  explicit BmParametersOf(const BoltzmannMachine& bm)
      : bm_(&bm), J_(bm.J().template cast<Scalar>()), h_(bm.h().col(0).template cast<Scalar>()) {}

  Index dim() const { return bm_->dim(); }
  Spin spin() const { return bm_->spin(); }
  Eigen::Map<const Mat> J() const { return Eigen::Map<const Mat>(J_.data(), J_.rows(), J_.cols()); }
  Eigen::Map<const Mat> h() const { return Eigen::Map<const Mat>(h_.data(), h_.size(), 1); }

  /// fields = h + J x, in Scalar.
  void local_fields(const Mat& x, Mat& fields) const {
    fields.noalias() = J_ * x;
    fields.colwise() += h_;
  }
  /// After s_i changed by delta: f <- f + delta J(:, i).
  void add_flip(Eigen::Ref<VectorOf<Scalar>> fields, Index i, Scalar delta) const {
    fields.noalias() += delta * J_.col(i);
  }

  /// The double gradient += weight * sum over columns of dE/dtheta(x) (see the class comment).
  void accumulate_grad_energy(const Mat& x, double weight, Vector& grad) const {
    pairs_.noalias() = x * x.transpose();
    bm_->accumulate_grad_energy_moments(x.rowwise().sum().template cast<double>(), pairs_.template cast<double>(),
                                        weight, grad);
  }

 private:
  const BoltzmannMachine* bm_;
  Mat J_;
  VectorOf<Scalar> h_;
  mutable Mat pairs_;  // scratch: x x^T in Scalar
};

/// The float32 working copy of a Boltzmann machine (models/working_precision.hpp).
inline BmParametersOf<float> working_copy(const BoltzmannMachine& bm, PrecisionTag<float>) {
  return BmParametersOf<float>(bm);
}

}  // namespace shortrun

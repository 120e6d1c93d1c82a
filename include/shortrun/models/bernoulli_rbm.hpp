#pragma once
/// Bernoulli-Bernoulli restricted Boltzmann machine (docs/theory.md section 4):
///   E(v, h) = -a^T v - b^T h - v^T W h,   v in {0,1}^Nv, h in {0,1}^Nh.
/// Parameters: block "W" (Nv x Nh, column-major), block "a" (Nv), block "b" (Nh).
/// Chains and data hold visible units only (dim() = Nv): the model's energy on them is the free
/// energy F(v) = -log sum_h exp(-E(v, h)) = -a^T v - sum_j softplus(b_j + (W^T v)_j), and its
/// gradients are dF/dtheta (hidden units averaged exactly given v):
///   dF/dW = -v sigma(b + W^T v)^T,  dF/da = -v,  dF/db = -sigma(b + W^T v).
#include <algorithm>
#include <type_traits>

#include "shortrun/core/parameters.hpp"
#include "shortrun/core/threads.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/spin.hpp"
#include "shortrun/models/working_precision.hpp"

namespace shortrun {

/// Sufficient statistics of an RBM law: <v> (Nv), <h> (Nh), <v h^T> (Nv x Nh).
struct RbmMoments {
  Vector v_mean;
  Vector h_mean;
  Matrix vh;
};

/// Chains per chunk of the RBM's products over chains, W^T v and W h (the block-Gibbs step,
/// samplers/block_gibbs.hpp, and the float32 statistics' p below): twice the core's kChainChunk,
/// fixed so that results do not depend on the thread count. OpenBLAS packs W again for every
/// chunk, so wider chunks run faster (784 x 500, 1000 chains, one thread, three runs: W^T v at
/// 156-165, 174-179 and 183-187 GFLOP/s over chunks of 128, 256 and 1000).
inline constexpr Index kRbmProductChunk = 2 * kChainChunk;

/// Read-only views of an RBM's W (Nv x Nh), a (Nv x 1) and b (Nh x 1) in precision Scalar: the
/// operands of the hot kernels (the block-Gibbs step, samplers/block_gibbs.hpp, and the gradient
/// statistics below). They are templates so that one code runs in float64 (BernoulliRbm::weights(),
/// model.precision = float64) and in float32 (RbmParametersOf<float>, model.precision = float32).
template <class Scalar>
struct RbmWeights {
  using Mat = MatrixOf<Scalar>;
  Eigen::Map<const Mat> W;
  Eigen::Map<const Mat> a;
  Eigen::Map<const Mat> b;

  Index n_visible() const { return W.rows(); }
  Index n_hidden() const { return W.cols(); }

  /// in = b + W^T v for each column of v (Nv x n) -> (Nh x n).
  void hidden_input(const Mat& v, Mat& in) const {
    in.noalias() = W.transpose() * v;
    in.colwise() += b.col(0);
  }
  /// in = a + W h for each column of h (Nh x n) -> (Nv x n).
  void visible_input(const Mat& hid, Mat& in) const {
    in.noalias() = W * hid;
    in.colwise() += a.col(0);
  }
  /// The gradient statistics of a batch: (gW, ga, gb) += weight * sum over the columns of v of
  /// dF/dtheta(v) = (-v p^T, -v, -p), p = sigmoid(b + W^T v). `p` is scratch (Nh x n).
  /// float64 keeps the earlier kernel bit for bit (two whole products, the scalar sigmoid, on one
  /// thread; tests/unit/test_rbm_kernels.cpp). float32 (training's model.precision = float32)
  /// runs both products on the OpenMP threads in fixed chunks (core/threads.hpp), so its result
  /// is the same for any thread count: p over chunks of kRbmProductChunk chains (each column's
  /// product and sigmoid are its own), then gW over blocks of kChainChunk rows (each element is
  /// the same sum over all the chains whatever rows share its product).
  template <class GW, class GA, class GB>
  void accumulate_grad_energy(const Mat& v, Scalar weight, GW&& gW, GA&& ga, GB&& gb, Mat& p) const {
    if constexpr (std::is_same_v<Scalar, double>) {
      p.noalias() = W.transpose() * v;
      p = (p.colwise() + b.col(0)).unaryExpr([](Scalar x) { return sigmoid(x); });
      gW.noalias() -= weight * v * p.transpose();
    } else {
      const Index n = v.cols(), nv = v.rows();
      p.resize(n_hidden(), n);
      SHORTRUN_PARALLEL_FOR
      for (Index c = 0; c < chain_chunks(n, kRbmProductChunk); ++c) {
        const Index first = c * kRbmProductChunk, m = std::min(kRbmProductChunk, n - first);
        auto pc = p.middleCols(first, m);
        pc.noalias() = W.transpose() * v.middleCols(first, m);
        // Eigen's vectorised exp (within a few float ulp of sigmoid()), a contiguous column at a
        // time: on the whole block with a broadcast bias Eigen fell back to scalar expf calls.
        const Eigen::Map<const Mat> bias(b.data(), b.rows(), 1);
        for (Index j = 0; j < m; ++j) {
          Eigen::Map<Mat> col(pc.col(j).data(), pc.rows(), 1);
          col = (Scalar(1) + (-(col + bias).array()).exp()).inverse().matrix();
        }
      }
      SHORTRUN_PARALLEL_FOR
      for (Index r = 0; r < chain_chunks(nv); ++r) {
        const Index first = r * kChainChunk, m = std::min(kChainChunk, nv - first);
        if constexpr (kSameScalar<GW>) {
          gW.middleRows(first, m).noalias() -= weight * v.middleRows(first, m) * p.transpose();
        } else {
          // A double gradient: the block's float statistics (the same product as above, into
          // zeros), then widened and added, so no float gradient of the model's size exists.
          Mat block = Mat::Zero(m, p.rows());
          block.noalias() -= weight * v.middleRows(first, m) * p.transpose();
          gW.middleRows(first, m) += block.template cast<typename std::decay_t<GW>::Scalar>();
        }
      }
    }
    add_scaled_row_sums(v, weight, ga);
    add_scaled_row_sums(p, weight, gb);
  }

 private:
  template <class G>
  static constexpr bool kSameScalar = std::is_same_v<typename std::decay_t<G>::Scalar, Scalar>;
  /// g -= weight * (row sums of x), in Scalar; into a wider g through a Scalar vector of zeros.
  template <class G>
  static void add_scaled_row_sums(const Mat& x, Scalar weight, G&& g) {
    if constexpr (kSameScalar<G>) {
      g.noalias() -= weight * x.rowwise().sum();
    } else {
      Mat sums = Mat::Zero(x.rows(), 1);
      sums.noalias() -= weight * x.rowwise().sum();
      g += sums.template cast<typename std::decay_t<G>::Scalar>();
    }
  }
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

  /// The parameters as the hot kernels take them (float64).
  RbmWeights<double> weights() const { return {W(), a(), b()}; }

  /// Hidden pre-activations b + W^T v for each column of v (Nv x n) -> (Nh x n).
  Matrix hidden_input(const Matrix& v) const {
    Matrix in;
    weights().hidden_input(v, in);
    return in;
  }
  /// Visible pre-activations a + W h for each column of h (Nh x n) -> (Nv x n).
  Matrix visible_input(const Matrix& hid) const {
    Matrix in;
    weights().visible_input(hid, in);
    return in;
  }

  /// Free energy F(v) of each column of v (Nv x n) -> (n).
  Vector energy(const Matrix& v) const { return energy_from_hidden_input(v, hidden_input(v)); }
  /// The same from the hidden pre-activations in = hidden_input(v), for callers that need them
  /// too (the measurement's hbar): F(v) = -a.v - sum_k softplus(in_k).
  Vector energy_from_hidden_input(const Matrix& v, const Matrix& in) const {
    Vector f = -(v.transpose() * a().col(0));
    for (Index j = 0; j < v.cols(); ++j)
      for (Index k = 0; k < nh_; ++k) f[j] -= softplus(in(k, j));
    return f;
  }
  /// Free energies of each column of v at two inverse temperatures from one product W^T v: column
  /// q of the result (n x 2) is F_beta(v) = -beta a.v - sum_k softplus(beta (b_k + (W^T v)_k)),
  /// the free energy of the RBM with parameters beta theta, for beta = beta0 (q = 0) and beta1
  /// (q = 1). Parallel tempering's swaps of neighbours (k, k+1) need F at both rungs for the
  /// states of both: two products instead of four. The softplus terms are vectorised,
  /// max(x, 0) + log1p(exp(-|x|)) with Eigen's packet exp and log and log1p(y) by Kahan's formula
  /// (u = 1 + y; y if u == 1, else log(u) y / (u - 1)): within a few ulp of softplus() of
  /// models/spin.hpp, whose scalar log1p took most of a tempered sweep's time outside the products.
  Matrix free_energies_at(const Matrix& v, double beta0, double beta1) const {
    return free_energies_from_input(v, hidden_input(v), beta0, beta1);
  }
  /// The same from the hidden pre-activations in = b + W^T v, computed by the caller (a float32
  /// run's tempering swaps take them from the float32 working copy).
  Matrix free_energies_from_input(const Matrix& v, const Matrix& in, double beta0, double beta1) const {
    const Vector av = v.transpose() * a().col(0);
    Matrix f(v.cols(), 2);
    const double betas[2] = {beta0, beta1};
    for (int q = 0; q < 2; ++q) {
      const Eigen::ArrayXXd x = betas[q] * in.array();
      const Eigen::ArrayXXd y = (-x.abs()).exp();
      const Eigen::ArrayXXd u = 1.0 + y;
      const Eigen::ArrayXXd sp = x.max(0.0) + (u == 1.0).select(y, u.log() * y / (u - 1.0));
      f.col(q) = -betas[q] * av - sp.colwise().sum().transpose().matrix();
    }
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
    Matrix p;
    weights().accumulate_grad_energy(v, weight, view(grad, layout_.blocks()[0]), view(grad, layout_.blocks()[1]),
                                     view(grad, layout_.blocks()[2]), p);
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

/// An RBM's parameters copied into precision Scalar, in BernoulliRbm's layout (W, a, b in one
/// vector): the working copy of float32 training (model.precision = float32; the optimizer keeps
/// the double parameters of BernoulliRbm, models/working_precision.hpp).
template <class Scalar>
class RbmParametersOf {
 public:
  using Mat = MatrixOf<Scalar>;
  explicit RbmParametersOf(const BernoulliRbm& rbm)
      : nv_(rbm.n_visible()), nh_(rbm.n_hidden()), theta_(rbm.params().cast<Scalar>()) {}

  Index dim() const { return nv_; }
  Index n_visible() const { return nv_; }
  Index n_hidden() const { return nh_; }
  VectorOf<Scalar>& params() { return theta_; }
  const VectorOf<Scalar>& params() const { return theta_; }
  RbmWeights<Scalar> weights() const {
    return {Eigen::Map<const Mat>(theta_.data(), nv_, nh_), Eigen::Map<const Mat>(theta_.data() + nv_ * nh_, nv_, 1),
            Eigen::Map<const Mat>(theta_.data() + nv_ * nh_ + nv_, nh_, 1)};
  }
  /// grad (same layout, precision Scalar) += weight * sum over columns of dF/dtheta(v); p: scratch.
  void accumulate_grad_energy(const Mat& v, Scalar weight, VectorOf<Scalar>& grad, Mat& p) const {
    Scalar* g = grad.data();
    weights().accumulate_grad_energy(v, weight, Eigen::Map<Mat>(g, nv_, nh_), Eigen::Map<Mat>(g + nv_ * nh_, nv_, 1),
                                     Eigen::Map<Mat>(g + nv_ * nh_ + nv_, nh_, 1), p);
  }
  /// The double gradient of training += weight * sum over columns of dF/dtheta(v): the statistics
  /// in precision Scalar, widened and added to grad a block of rows at a time (no Scalar gradient
  /// of the model's size; the same values as summing a whole Scalar gradient first).
  void accumulate_grad_energy(const Mat& v, double weight, Vector& grad) const {
    double* g = grad.data();
    weights().accumulate_grad_energy(v, static_cast<Scalar>(weight), Eigen::Map<Matrix>(g, nv_, nh_),
                                     Eigen::Map<Matrix>(g + nv_ * nh_, nv_, 1),
                                     Eigen::Map<Matrix>(g + nv_ * nh_ + nv_, nh_, 1), p_);
  }

 private:
  Index nv_;
  Index nh_;
  VectorOf<Scalar> theta_;
  mutable Mat p_;  // scratch: hidden probabilities
};

/// The float32 working copy of an RBM (models/working_precision.hpp).
inline RbmParametersOf<float> working_copy(const BernoulliRbm& rbm, PrecisionTag<float>) {
  return RbmParametersOf<float>(rbm);
}

}  // namespace shortrun

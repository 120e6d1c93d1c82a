#pragma once
/// p0 for binary chains: independent units, unit i up with probability p_i (docs/theory.md section 3).
///   uniform:   p_i = 1/2            (m0 = 0 for pm1, 1/2 for 01)
///   zeros:     p_i = 0              (every unit low: -1 for pm1, 0 for 01; no randomness)
///   data-mean: p_i from the data's <s_i>: (1 + m_i)/2 for pm1, mu_i for 01
/// Drawing consumes N uniforms per chain from its own stream (none for zeros); unit i is up iff
/// u <= p_i. In float64 these are Stream::uniform()'s (N words); in float32 (the float kernels of
/// `shortrun bench`) the float uniforms of Stream::fill_float_uniform (ceil(N / 2) words), so
/// unit i is up with probability floor(p_i 2^24) / 2^24, within 6e-8 of p_i (exactly 1/2 for
/// uniform).
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "shortrun/core/random.hpp"
#include "shortrun/core/threads.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun {

class BinaryP0 {
 public:
  enum class Kind { uniform, zeros, data_mean };

  static BinaryP0 uniform(Spin spin, Index n) { return {Kind::uniform, spin, Vector::Constant(n, 0.5)}; }
  static BinaryP0 zeros(Spin spin, Index n) { return {Kind::zeros, spin, Vector::Zero(n)}; }
  /// mean: the data's <s_i> in the convention `spin`; entries outside [low, 1] are an error.
  static BinaryP0 data_mean(Spin spin, const Vector& mean) {
    const Vector p = spin == Spin::pm1 ? Vector((mean.array() + 1.0) / 2.0) : mean;
    if ((p.array() < 0.0).any() || (p.array() > 1.0).any())
      throw std::invalid_argument("data-mean p0: means outside the unit range");
    return {Kind::data_mean, spin, p};
  }

  Kind kind() const { return kind_; }
  Spin spin() const { return spin_; }
  /// p_i = P(s_i = up), (N).
  const Vector& prob_up() const { return prob_up_; }
  /// <s_i> under p0: low + gap p_i.
  Vector mean() const { return (spin_low(spin_) + spin_gap(spin_) * prob_up_.array()).matrix(); }

  /// Fills every column of x (N x chains) with an independent draw (Scalar: double in training,
  /// float for the float32 kernels of `shortrun bench`, which draw float uniforms: see above).
  template <class Scalar>
  void draw(MatrixOf<Scalar>& x, const ChainStreams& rng) const {
    const auto low = static_cast<Scalar>(spin_low(spin_));
    if (kind_ == Kind::zeros) {
      x.setConstant(low);
      return;
    }
    // One buffer of uniforms per thread (filled a chain at a time by the batched Philox path).
    std::vector<VectorOf<Scalar>> uniforms(static_cast<std::size_t>(max_threads()), VectorOf<Scalar>(x.rows()));
    SHORTRUN_PARALLEL_FOR
    for (Index j = 0; j < x.cols(); ++j) {
      VectorOf<Scalar>& u = uniforms[static_cast<std::size_t>(thread_index())];
      Stream stream = rng.chain(j);
      if constexpr (std::is_same_v<Scalar, float>) stream.fill_float_uniform(u.data(), x.rows());
      else stream.fill_uniform(u.data(), x.rows());
      // u <= p_i compared in double: exact for the float uniforms too.
      for (Index i = 0; i < x.rows(); ++i) x(i, j) = static_cast<double>(u[i]) <= prob_up_[i] ? Scalar(1) : low;
    }
  }

 private:
  BinaryP0(Kind kind, Spin spin, Vector p) : kind_(kind), spin_(spin), prob_up_(std::move(p)) {}
  Kind kind_;
  Spin spin_;
  Vector prob_up_;
};

}  // namespace shortrun

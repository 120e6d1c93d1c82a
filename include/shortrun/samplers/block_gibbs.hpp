#pragma once
/// Block Gibbs for the BernoulliRbm; one step = h ~ P(h | v), then v ~ P(v | h):
///   P(h_k = 1 | v) = sigmoid(b_k + (W^T v)_k),   P(v_i = 1 | h) = sigmoid(a_i + (W h)_i).
/// Chains hold visible units only, v (Nv x chains): h is redrawn from v at every step, so the
/// visible chain is Markov with kernel T(v, v') = sum_h P(h | v) P(v' | h), which leaves the
/// marginal p(v) invariant. Each chain draws Nh uniforms (for h, in order) then Nv (for v) from
/// its own stream; a unit is 1 iff its uniform u <= its conditional probability.
///
/// The step is a template over the scalar type: training runs the float64 instantiation; the
/// float32 one (same draws, compared in float) exists for `shortrun bench`.
#include <type_traits>

#include "shortrun/core/random.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun {

class BlockGibbs {
 public:
  /// One step for every chain of a double-precision RBM model (BernoulliRbm). `work` receives
  /// the sampled hidden units (Nh x chains).
  template <class Rbm>
    requires requires(const Rbm& r) { r.weights(); }
  void step(const Rbm& rbm, Matrix& v, const ChainStreams& rng, Matrix& work) const {
    step(rbm.weights(), v, rng, work);
  }

  /// One step for every chain, in precision Scalar.
  template <class Scalar>
  void step(const RbmWeights<Scalar>& rbm, MatrixOf<Scalar>& v, const ChainStreams& rng,
            MatrixOf<Scalar>& work) const {
    const Index nv = v.rows(), nh = rbm.n_hidden(), n = v.cols();
    Scratch<Scalar>& s = scratch<Scalar>();
    // Uniforms first, chain by chain, so every chain's draws come from its stream in a fixed order.
    s.uniforms.resize(nh + nv, n);
    for (Index j = 0; j < n; ++j) {
      Stream stream = rng.chain(j);
      for (Index r = 0; r < nh + nv; ++r) s.uniforms(r, j) = static_cast<Scalar>(stream.uniform());
    }
    rbm.hidden_input(v, work);
    for (Index j = 0; j < n; ++j)
      for (Index k = 0; k < nh; ++k) work(k, j) = s.uniforms(k, j) <= sigmoid(work(k, j)) ? Scalar(1) : Scalar(0);
    rbm.visible_input(work, s.input);
    for (Index j = 0; j < n; ++j)
      for (Index i = 0; i < nv; ++i) v(i, j) = s.uniforms(nh + i, j) <= sigmoid(s.input(i, j)) ? Scalar(1) : Scalar(0);
  }

 private:
  template <class Scalar>
  struct Scratch {
    MatrixOf<Scalar> uniforms;  // (Nh + Nv) x chains
    MatrixOf<Scalar> input;     // visible pre-activations, Nv x chains
  };
  template <class Scalar>
  Scratch<Scalar>& scratch() const {
    if constexpr (std::is_same_v<Scalar, float>) return float_;
    else return double_;
  }
  mutable Scratch<double> double_;
  mutable Scratch<float> float_;
};

}  // namespace shortrun

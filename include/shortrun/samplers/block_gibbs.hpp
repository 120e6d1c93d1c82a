#pragma once
/// Block Gibbs for the BernoulliRbm; one step = h ~ P(h | v), then v ~ P(v | h):
///   P(h_k = 1 | v) = sigmoid(b_k + (W^T v)_k),   P(v_i = 1 | h) = sigmoid(a_i + (W h)_i).
/// Chains hold visible units only, v (Nv x chains): h is redrawn from v at every step, so the
/// visible chain is Markov with kernel T(v, v') = sum_h P(h | v) P(v' | h), which leaves the
/// marginal p(v) invariant. Each chain draws Nh uniforms (for h, in order) then Nv (for v) from
/// its own stream; a unit is 1 iff its uniform u <= its conditional probability.
///
/// The step is a template over the scalar type: training runs the float64 instantiation; the
/// float32 one (same draws, compared in float) exists for `shortrun bench`. The draws are
/// vectorised (bernoulli_of_sigmoid) without changing any decision of the scalar loop.
#include <limits>
#include <type_traits>

#include "shortrun/core/random.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun {

/// Bernoulli draws from sigmoid probabilities, one column of units:
///   out[i] = 1 if u[i] <= sigmoid(x[i]) else 0,
/// decided exactly as the scalar sigmoid() of models/spin.hpp decides it (so float64 results are
/// those of the plain loop, bit for bit), but vectorised: p = 1 / (1 + exp(-x)) with Eigen's
/// packet exp (measured within 5e-16 relative of sigmoid() in float64, 3.2e-7 in float32) settles
/// every unit whose uniform lies outside a relative margin around p (1e-10 in float64, 3e-5 in
/// float32: far wider than p's error), and only the rare units inside it call sigmoid(). Uniforms
/// are those of Stream::uniform(), in [2^-65, 1]: where exp under- or overflows, p and sigmoid()
/// are both far below 2^-65 or both 1. NaN inputs fall to sigmoid() and give 0, as before.
/// `out` may alias `x`; `p` is scratch.
template <class Scalar>
void bernoulli_of_sigmoid(const Scalar* x, const Scalar* u, Scalar* out, Index rows, VectorOf<Scalar>& p) {
  constexpr Scalar margin = std::is_same_v<Scalar, float> ? Scalar(3e-5) : Scalar(1e-10);
  constexpr Scalar below = Scalar(1) - margin, above = Scalar(1) + margin;
  const Eigen::Map<const VectorOf<Scalar>> xs(x, rows);
  p = (Scalar(1) + (-xs.array()).exp()).inverse().matrix();
  Scalar* pp = p.data();
  int unsure = 0;  // branch-free, so that the loop vectorises
  for (Index i = 0; i < rows; ++i) unsure |= int(!(u[i] < pp[i] * below)) & int(!(u[i] > pp[i] * above));
  if (unsure != 0)
    for (Index i = 0; i < rows; ++i)
      if (!(u[i] < pp[i] * below) && !(u[i] > pp[i] * above))
        pp[i] = u[i] <= sigmoid(x[i]) ? std::numeric_limits<Scalar>::infinity() : Scalar(0);  // settled below
  for (Index i = 0; i < rows; ++i) out[i] = u[i] < pp[i] * below ? Scalar(1) : Scalar(0);
}

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
    for (Index j = 0; j < n; ++j) bernoulli_of_sigmoid(&work(0, j), &s.uniforms(0, j), &work(0, j), nh, s.p);
    rbm.visible_input(work, s.input);
    for (Index j = 0; j < n; ++j) bernoulli_of_sigmoid(&s.input(0, j), &s.uniforms(nh, j), &v(0, j), nv, s.p);
  }

 private:
  template <class Scalar>
  struct Scratch {
    MatrixOf<Scalar> uniforms;  // (Nh + Nv) x chains
    MatrixOf<Scalar> input;     // visible pre-activations, Nv x chains
    VectorOf<Scalar> p;         // approximate probabilities of one column
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

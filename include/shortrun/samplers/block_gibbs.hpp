#pragma once
/// Block Gibbs for the BernoulliRbm; one step = h ~ P(h | v), then v ~ P(v | h):
///   P(h_k = 1 | v) = sigmoid(b_k + (W^T v)_k),   P(v_i = 1 | h) = sigmoid(a_i + (W h)_i).
/// Chains hold visible units only, v (Nv x chains): h is redrawn from v at every step, so the
/// visible chain is Markov with kernel T(v, v') = sum_h P(h | v) P(v' | h), which leaves the
/// marginal p(v) invariant. Each chain draws Nh uniforms (for h, in order) then Nv (for v) from
/// its own stream; a unit is 1 iff its uniform u <= its conditional probability.
#include "shortrun/core/random.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun {

class BlockGibbs {
 public:
  /// One step for every chain. `work` receives the sampled hidden units (Nh x chains).
  template <class Rbm>
  void step(const Rbm& rbm, Matrix& v, const ChainStreams& rng, Matrix& work) const {
    const Index nv = v.rows(), nh = rbm.n_hidden(), n = v.cols();
    // Uniforms first, chain by chain, so every chain's draws come from its stream in a fixed order.
    uniforms_.resize(nh + nv, n);
    for (Index j = 0; j < n; ++j) {
      Stream s = rng.chain(j);
      for (Index r = 0; r < nh + nv; ++r) uniforms_(r, j) = s.uniform();
    }
    work = rbm.hidden_input(v);
    for (Index j = 0; j < n; ++j)
      for (Index k = 0; k < nh; ++k) work(k, j) = uniforms_(k, j) <= sigmoid(work(k, j)) ? 1.0 : 0.0;
    const Matrix in = rbm.visible_input(work);
    for (Index j = 0; j < n; ++j)
      for (Index i = 0; i < nv; ++i) v(i, j) = uniforms_(nh + i, j) <= sigmoid(in(i, j)) ? 1.0 : 0.0;
  }

 private:
  mutable Matrix uniforms_;  // scratch, (Nh + Nv) x chains
};

}  // namespace shortrun

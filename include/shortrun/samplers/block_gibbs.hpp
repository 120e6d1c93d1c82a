#pragma once
/// Block Gibbs for the BernoulliRbm; one step = h ~ P(h | v), then v ~ P(v | h):
///   P(h_k = 1 | v) = sigmoid(b_k + (W^T v)_k),   P(v_i = 1 | h) = sigmoid(a_i + (W h)_i).
/// Chains hold visible units only, v (Nv x chains): h is redrawn from v at every step, so the
/// visible chain is Markov with kernel T(v, v') = sum_h P(h | v) P(v' | h), which leaves the
/// marginal p(v) invariant. Each chain draws Nh uniforms (for h, in order) then Nv (for v) from
/// its own stream; a unit is 1 iff its uniform u <= its conditional probability.
///
/// The step is a template over the scalar type: float64 training (model.precision = float64) runs
/// the float64 instantiation, whose uniforms are Stream::uniform()'s (one 64-bit word each: Nh
/// words, then Nv). The float32 one (model.precision = float32) draws float uniforms, two per word (Stream::fill_float_uniform:
/// float_words(Nh) words for h, then float_words(Nv) for v), so its chains are a different
/// sample of the same Markov chain, not the float64 chains rounded. Either way the draws are
/// vectorised (bernoulli_of_sigmoid) without changing any decision of the scalar loop
///   unit = (u <= sigmoid(input + bias)) in Scalar, sigmoid() of models/spin.hpp.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "shortrun/core/random.hpp"
#include "shortrun/core/threads.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/samplers/bernoulli_draw.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun {

class BlockGibbs {
 public:
  /// One step for every chain of an RBM model (BernoulliRbm, or its working copy in another
  /// precision, RbmParametersOf). `work` receives the sampled hidden units (Nh x chains).
  template <class Rbm, class Scalar>
    requires requires(const Rbm& r) { r.weights(); }
  void step(const Rbm& rbm, MatrixOf<Scalar>& v, const ChainStreams& rng, MatrixOf<Scalar>& work) const {
    step(rbm.weights(), v, rng, work);
  }

  /// Chains per chunk of a block-Gibbs step: twice the core's kChainChunk (core/threads.hpp),
  /// fixed for the same reason. Measured (784 x 500 RBM, 1000 chains, float32, one thread): the
  /// step's two products over chunks of 128, 256 and 1000 chains run at 168, 186 and 189 GFLOP/s
  /// with OpenBLAS (each chunk repacks W) and at 132, 131 and 129 with Eigen's GEMM.
  static constexpr Index kChunk = 2 * kChainChunk;

  /// One step for every chain, in precision Scalar. Chains go in chunks of kChunk columns, one
  /// OpenMP iteration each: W^T v into `work`, the hidden draws, W h
  /// straight into v (whose old value is no longer needed), the visible draws. A chain's uniforms
  /// (Nh for h, then Nv for v, from its own stream; the second batch found by skipping the
  /// first) are drawn into a small per-thread buffer and used at once, so no (Nh + Nv) x chains
  /// matrix of uniforms is written and read back, and nothing is allocated once the scratch has
  /// its size. The bias is added inside the draw (bernoulli_of_sigmoid), not in a separate pass.
  template <class Scalar>
  void step(const RbmWeights<Scalar>& rbm, MatrixOf<Scalar>& v, const ChainStreams& rng,
            MatrixOf<Scalar>& work) const {
    const Index nv = v.rows(), nh = rbm.n_hidden(), n = v.cols();
    std::vector<Scratch<Scalar>>& scratch = scratch_of<Scalar>();
    if (scratch.size() < static_cast<std::size_t>(max_threads())) scratch.resize(static_cast<std::size_t>(max_threads()));
    work.resize(nh, n);
    SHORTRUN_PARALLEL_FOR
    for (Index c = 0; c < chain_chunks(n, kChunk); ++c) {
      Scratch<Scalar>& s = scratch[static_cast<std::size_t>(thread_index())];
      s.uniforms.resize(std::max(nh, nv));
      const Index first = c * kChunk, width = std::min(kChunk, n - first);
      auto hid = work.middleCols(first, width);
      auto vis = v.middleCols(first, width);
      hid.noalias() = rbm.W.transpose() * vis;
      for (Index j = first; j < first + width; ++j) {
        Stream stream = rng.chain(j);
        draw_uniforms(stream, s.uniforms.data(), nh);
        bernoulli_of_sigmoid(&work(0, j), rbm.b.data(), s.uniforms.data(), &work(0, j), nh, s.p);
      }
      vis.noalias() = rbm.W * hid;
      for (Index j = first; j < first + width; ++j) {
        Stream stream = rng.chain(j);
        stream.skip(words_of<Scalar>(nh));
        draw_uniforms(stream, s.uniforms.data(), nv);
        bernoulli_of_sigmoid(&v(0, j), rbm.a.data(), s.uniforms.data(), &v(0, j), nv, s.p);
      }
    }
  }

 private:
  /// n uniforms of one chain: Stream::uniform()'s in float64, two per word in float32.
  template <class Scalar>
  static void draw_uniforms(Stream& stream, Scalar* out, Index n) {
    if constexpr (std::is_same_v<Scalar, float>) stream.fill_float_uniform(out, n);
    else stream.fill_uniform(out, n);
  }
  /// Stream words consumed by n uniforms.
  template <class Scalar>
  static Index words_of(Index n) {
    if constexpr (std::is_same_v<Scalar, float>) return Stream::float_words(n);
    else return n;
  }

  template <class Scalar>
  struct Scratch {
    VectorOf<Scalar> uniforms;  // one chain's uniforms
    VectorOf<Scalar> p;         // approximate probabilities of one column
  };
  template <class Scalar>
  std::vector<Scratch<Scalar>>& scratch_of() const {
    if constexpr (std::is_same_v<Scalar, float>) return float_;
    else return double_;
  }
  // One per thread, sized on first use (a sampler object is used by one rank's loop at a time).
  mutable std::vector<Scratch<double>> double_;
  mutable std::vector<Scratch<float>> float_;
};

}  // namespace shortrun

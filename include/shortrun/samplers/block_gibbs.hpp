#pragma once
/// Block Gibbs for the BernoulliRbm; one step = h ~ P(h | v), then v ~ P(v | h):
///   P(h_k = 1 | v) = sigmoid(b_k + (W^T v)_k),   P(v_i = 1 | h) = sigmoid(a_i + (W h)_i).
/// Chains hold visible units only, v (Nv x chains): h is redrawn from v at every step, so the
/// visible chain is Markov with kernel T(v, v') = sum_h P(h | v) P(v' | h), which leaves the
/// marginal p(v) invariant. Each chain draws from its own stream: the uniforms of its Nh hidden
/// units (in order), then of its Nv visible units; a unit is 1 iff its uniform u <= its
/// conditional probability.
///
/// The step is a template over the scalar type. float64 (model.precision = float64) draws
/// Stream::uniform()'s, one 64-bit word per unit (Nh words, then Nv), and decides
///   unit = (u <= sigmoid(input + bias)) in double, sigmoid() of models/spin.hpp,
/// vectorised (bernoulli_of_sigmoid) without changing any decision of that scalar loop.
/// float32 (model.precision = float32) draws each unit's uniform a byte first (samplers/
/// bernoulli_draw.hpp, bernoulli_of_sigmoid_bytes): byte_words(Nh) words of bytes for h, then
/// byte_words(Nv) for v, from the chain's stream; the 1 unit in 256 whose byte does not decide it
/// takes one more uniform from the stream's second sequence (Stream::second_sequence), hidden
/// units of the step first, then visible, in order. Its chains are a different sample of the
/// same Markov chain, not the float64 chains rounded.
#include <algorithm>
#include <cstdint>
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

  /// Chains per chunk of a block-Gibbs step: kRbmProductChunk (models/bernoulli_rbm.hpp), shared
  /// with the float32 gradient statistics. Measured (784 x 500 RBM, 1000 chains, float32, one
  /// thread): the step's two products over chunks of 128, 256 and 1000 chains run at 168, 186 and
  /// 189 GFLOP/s with OpenBLAS (each chunk repacks W) and at 132, 131 and 129 with Eigen's GEMM.
  static constexpr Index kChunk = kRbmProductChunk;

  /// One step for every chain, in precision Scalar. Chains go in chunks of kChunk columns, one
  /// OpenMP iteration each: W^T v into `work`, the hidden draws, W h straight into v (whose old
  /// value is no longer needed), the visible draws. A chain's draws (for h, then for v, the second
  /// batch found by skipping the first) go into a small per-thread buffer and are used at once, so
  /// no (Nh + Nv) x chains matrix of uniforms is written and read back, and nothing is allocated
  /// once the scratch has its size. The bias is added inside the draw, not in a separate pass.
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
      const Index first = c * kChunk, width = std::min(kChunk, n - first);
      auto hid = work.middleCols(first, width);
      auto vis = v.middleCols(first, width);
      hid.noalias() = rbm.W.transpose() * vis;
      if constexpr (std::is_same_v<Scalar, float>) {
        s.bytes.resize(static_cast<std::size_t>(8 * Stream::byte_words(std::max(nh, nv))));
        s.fine.resize(static_cast<std::size_t>(width), rng.chain(first));
        for (Index j = first; j < first + width; ++j) {
          Stream stream = rng.chain(j);
          Stream& fine = s.fine[static_cast<std::size_t>(j - first)];
          fine = stream.second_sequence();
          stream.fill_bytes(s.bytes.data(), nh);
          bernoulli_of_sigmoid_bytes(&work(0, j), rbm.b.data(), s.bytes.data(), &work(0, j), nh, fine, s.p);
        }
        vis.noalias() = rbm.W * hid;
        for (Index j = first; j < first + width; ++j) {
          Stream stream = rng.chain(j);
          stream.skip(Stream::byte_words(nh));
          stream.fill_bytes(s.bytes.data(), nv);
          bernoulli_of_sigmoid_bytes(&v(0, j), rbm.a.data(), s.bytes.data(), &v(0, j), nv,
                                     s.fine[static_cast<std::size_t>(j - first)], s.p);
        }
      } else {
        s.uniforms.resize(std::max(nh, nv));
        for (Index j = first; j < first + width; ++j) {
          Stream stream = rng.chain(j);
          stream.fill_uniform(s.uniforms.data(), nh);
          bernoulli_of_sigmoid(&work(0, j), rbm.b.data(), s.uniforms.data(), &work(0, j), nh, s.p);
        }
        vis.noalias() = rbm.W * hid;
        for (Index j = first; j < first + width; ++j) {
          Stream stream = rng.chain(j);
          stream.skip(nh);
          stream.fill_uniform(s.uniforms.data(), nv);
          bernoulli_of_sigmoid(&v(0, j), rbm.a.data(), s.uniforms.data(), &v(0, j), nv, s.p);
        }
      }
    }
  }

 private:
  // Cache-line aligned: the threads' scratch objects sit side by side in one vector, and a
  // thread writing its own (a resize) must not evict its neighbour's line.
  template <class Scalar>
  struct alignas(64) Scratch {
    VectorOf<Scalar> uniforms;        // one chain's uniforms (float64)
    std::vector<std::uint8_t> bytes;  // one chain's bytes (float32)
    std::vector<Stream> fine;         // the chunk's second sequences (float32)
    VectorOf<Scalar> p;               // one column's scratch of the draw
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

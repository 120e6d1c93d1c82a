#pragma once
/// Single-site samplers for binary models (IndependentSpins, BoltzmannMachine); one step = one
/// sweep = N single-site updates of every chain (docs/theory.md section 3):
///   Gibbs            sites 0..N-1 in order, s_i ~ P(s_i | rest) = sigmoid(gap f_i)
///   GibbsRandom      N sites drawn uniformly with replacement, same update
///   Metropolis       sites 0..N-1 in order, flip s_i with probability min(1, exp(-dE)),
///                    dE = -f_i (s_i' - s_i)
///   MetropolisRandom N sites drawn uniformly with replacement, same update
/// x is (N x chains). Each chain draws from its own stream, in this order per single-site update:
/// [site index (random orders only)], then one uniform u; the move is taken iff u <= its
/// probability.
///
/// Random orders: local fields f = h + J s are computed once per sweep and then kept up to date
/// in O(N) per flip (model.add_flip), chain by chain.
/// Sequential orders on a model with couplings (BoltzmannMachine: J(), h()): the same updates in
/// the same order with the same draws, computed with delayed updates so that the O(N^2) work per
/// chain and sweep is matrix products: chains go in chunks of kChainChunk (core/threads.hpp),
/// transposed so that chains are the contiguous dimension; sites go in blocks of kSiteBlock. At
/// the start of a block its fields are computed from the current state, F_B = h_B + s^T J(:, B)
/// (one GEMM, chunk x N x b); then its sites are visited in order, every chain of the chunk at
/// once (vectorised draws), each flip correcting only the fields of the block's later sites
/// (a rank-1 update of chunk x b). Over a sweep the products cost 2 N^2 flops per chain, as many
/// as the per-flip updates of the plain loop at a flip rate of 1, and run at GEMM speed. The
/// chains are those of the plain per-site loop up to the order of the field sums: a unit can
/// differ only where its uniform falls within rounding (~1e-16) of its probability.
///
/// The step is a template over the chains' scalar type: double, or float (model.precision =
/// float32, on the model's float working copy, BmParametersOf<float>: fields, probabilities and
/// the decisions in float). The float chains draw:
///   sequential orders: each chain's N uniforms of a sweep are Stream::fill_float_uniform's, two
///     per 64-bit word (float_words(N) words; kSiteBlock is even, so the blocked sweep's per-block
///     fills are exactly one fill of N), each compared with its probability in float;
///   random orders: the float64 draws, one word for the site (below(N)) and one for its uniform
///     (uniform(), a double), the uniform compared exactly with the float probability (the
///     per-flip O(N) field update, not the random numbers, is the cost there).
/// So float32 chains are a different sample of the same Markov chain, not the float64 chains rounded.
#include <algorithm>
#include <memory>
#include <cmath>
#include <vector>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "shortrun/core/random.hpp"
#include "shortrun/core/threads.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/spin.hpp"
#include "shortrun/samplers/bernoulli_draw.hpp"

namespace shortrun {

enum class SiteRule { gibbs, metropolis };
enum class SiteOrder { sequential, random };

/// The (rule, order) pair of a single-site sampler, as the exact propagators take it.
struct SiteDynamics {
  SiteRule rule = SiteRule::gibbs;
  SiteOrder order = SiteOrder::sequential;
};


/// Probability that a single-site update of unit i moves it away from its value s_i, given its
/// local field f: Gibbs P(s_i' != s_i | rest); Metropolis min(1, exp(-dE)).
inline double move_probability(SiteRule rule, Spin spin, double s_i, double field) {
  const bool up = s_i > spin_low(spin);
  if (rule == SiteRule::gibbs) {
    const double p_up = prob_up(spin, field);
    return up ? 1.0 - p_up : p_up;
  }
  const double gap = spin_gap(spin);
  const double d_e = -field * (up ? -gap : gap);
  return d_e <= 0 ? 1.0 : std::exp(-d_e);
}

template <SiteRule Rule, SiteOrder Order>
class SingleSite {
 public:
  static constexpr SiteRule kRule = Rule;
  static constexpr SiteOrder kOrder = Order;
  static SiteDynamics dynamics() { return {Rule, Order}; }

  /// Sites per block of the blocked sequential sweep: its GEMM has inner dimension N and b
  /// columns; the corrections inside a block cost b / (2 N) of the products.
  static constexpr Index kSiteBlock = 48;

  /// One sweep for every chain. `work` is scratch (the local fields of the per-site loop).
  template <class Model, class Scalar>
  void step(const Model& model, MatrixOf<Scalar>& x, const ChainStreams& rng, MatrixOf<Scalar>& work) const {
    if constexpr (Order == SiteOrder::sequential && requires { model.J(); model.h(); }) {
      blocked_sweep(model, x, rng);
    } else {
      per_site_sweep(model, x, rng, work);
    }
  }

  /// The plain loop: chain by chain (chains split over the threads), site by site, fields updated
  /// in O(N) per flip. The reference of the blocked sweep (tests compare the two). Each chain's
  /// draws of the sweep are taken at once, a Philox block at a time: the float sequential
  /// sweep's N float uniforms (fill_float_uniform), a random order's N (site, uniform) pairs
  /// (fill_site_draws: the values of N below(N), uniform() call pairs, so the chains are those of
  /// one draw at a time, bit for bit).
  template <class Model, class Scalar>
  void per_site_sweep(const Model& model, MatrixOf<Scalar>& x, const ChainStreams& rng, MatrixOf<Scalar>& work) const {
    constexpr bool kFloatDraws = std::is_same_v<Scalar, float> && Order == SiteOrder::sequential;
    constexpr bool kSiteDraws = Order == SiteOrder::random;
    const Spin spin = model.spin();
    const auto low = static_cast<Scalar>(spin_low(spin)), up = Scalar(1), gap = static_cast<Scalar>(spin_gap(spin));
    const Index n = x.rows();
    model.local_fields(x, work);
    SHORTRUN_PARALLEL_FOR
    for (Index j = 0; j < x.cols(); ++j) {
      Stream s = rng.chain(j);
      VectorOf<float> float_uniforms(kFloatDraws ? n : 0);
      std::vector<Index> sites(kSiteDraws ? static_cast<std::size_t>(n) : 0);
      std::vector<double> uniforms(kSiteDraws ? static_cast<std::size_t>(n) : 0);
      if constexpr (kFloatDraws) s.fill_float_uniform(float_uniforms.data(), n);
      if constexpr (kSiteDraws) s.fill_site_draws(n, n, sites.data(), uniforms.data());
      auto col = x.col(j);
      auto fields = work.col(j);
      for (Index u = 0; u < n; ++u) {
        const Index i = kSiteDraws ? sites[static_cast<std::size_t>(u)] : u;
        // A float uniform widened (exactly), or a double one; compared with the Scalar probability.
        double draw = 0;
        if constexpr (kFloatDraws) draw = static_cast<double>(float_uniforms[u]);
        else if constexpr (kSiteDraws) draw = uniforms[static_cast<std::size_t>(u)];
        else draw = s.uniform();
        const Scalar old = col[i];
        Scalar next = old;
        if constexpr (Rule == SiteRule::gibbs) {
          next = draw <= sigmoid(static_cast<Scalar>(gap * fields[i])) ? up : low;
        } else {
          const Scalar flipped = old > low ? low : up;
          const Scalar d_e = -fields[i] * (flipped - old);
          if (d_e <= 0 || draw <= std::exp(-d_e)) next = flipped;
        }
        if (next != old) {
          col[i] = next;
          model.add_flip(fields, i, next - old);
        }
      }
    }
  }

 private:
  static_assert(kSiteBlock % 2 == 0, "float sweeps: whole words of float uniforms per block");

  template <class Scalar>
  struct Scratch {
    MatrixOf<Scalar> xt;          // the chunk's chains, transposed: chunk x N
    MatrixOf<Scalar> fields;      // fields of the block's sites: chunk x b
    MatrixOf<Scalar> uniforms;    // the block's uniforms: chunk x b
    VectorOf<Scalar> u;           // one chain's uniforms of one block
    VectorOf<Scalar> next, delta, x_gap, p;  // one site of every chain of the chunk
    std::vector<Stream> streams;
  };

  template <class Model, class Scalar>
  void blocked_sweep(const Model& model, MatrixOf<Scalar>& x, const ChainStreams& rng) const {
    const Spin spin = model.spin();
    const auto low = static_cast<Scalar>(spin_low(spin)), up = Scalar(1), gap = static_cast<Scalar>(spin_gap(spin));
    const Index n = x.rows(), n_chains = x.cols();
    const auto J = model.J();
    const auto h = model.h();
    std::vector<Scratch<Scalar>>& scratch = scratch_of<Scalar>();
    if (scratch.size() < static_cast<std::size_t>(max_threads())) scratch.resize(static_cast<std::size_t>(max_threads()));
    SHORTRUN_PARALLEL_FOR
    for (Index c = 0; c < chain_chunks(n_chains); ++c) {
      Scratch<Scalar>& s = scratch[static_cast<std::size_t>(thread_index())];
      const Index first = c * kChainChunk, m = std::min(kChainChunk, n_chains - first);
      s.xt = x.middleCols(first, m).transpose();
      s.streams.clear();
      for (Index j = 0; j < m; ++j) s.streams.push_back(rng.chain(first + j));
      s.u.resize(kSiteBlock);
      for (Index b0 = 0; b0 < n; b0 += kSiteBlock) {
        const Index b = std::min(kSiteBlock, n - b0);
        // Fields of the block's sites from the current state (J symmetric: J(:, B) = J(B, :)^T).
        s.fields.noalias() = s.xt * J.middleCols(b0, b);
        s.fields.rowwise() += h.col(0).segment(b0, b).transpose();
        // Each chain's next b uniforms, one per site in order, as the per-site loop draws them.
        s.uniforms.resize(m, b);
        for (Index j = 0; j < m; ++j) {
          if constexpr (std::is_same_v<Scalar, float>) s.streams[static_cast<std::size_t>(j)].fill_float_uniform(s.u.data(), b);
          else s.streams[static_cast<std::size_t>(j)].fill_uniform(s.u.data(), b);
          s.uniforms.row(j) = s.u.head(b).transpose();
        }
        for (Index q = 0; q < b; ++q) {
          const Index i = b0 + q;
          auto old = s.xt.col(i);
          auto f = s.fields.col(q);
          const auto u = s.uniforms.col(q);
          if constexpr (Rule == SiteRule::gibbs) {
            s.x_gap = gap * f;
            s.next.resize(m);
            bernoulli_of_sigmoid(s.x_gap.data(), u.data(), s.next.data(), m, s.p);
            s.next = (low + gap * s.next.array()).matrix();  // 1 -> up, 0 -> low
          } else {
            s.next = old;
            for (Index j = 0; j < m; ++j) {
              const Scalar flipped = old[j] > low ? low : up;
              const Scalar d_e = -f[j] * (flipped - old[j]);
              if (d_e <= 0 || u[j] <= std::exp(-d_e)) s.next[j] = flipped;
            }
          }
          s.delta = s.next - old;
          old = s.next;
          // The block's later sites see this flip now; all other sites at their block's GEMM.
          if (q + 1 < b && s.delta.squaredNorm() > 0)
            s.fields.rightCols(b - q - 1).noalias() += s.delta * J.col(i).segment(i + 1, b - q - 1).transpose();
        }
      }
      x.middleCols(first, m) = s.xt.transpose();
    }
  }

  template <class Scalar>
  std::vector<Scratch<Scalar>>& scratch_of() const {
    if constexpr (std::is_same_v<Scalar, float>) {
      if (!float_) float_ = std::make_shared<std::vector<Scratch<float>>>();
      return *float_;
    } else {
      return double_;
    }
  }

  // One per thread, sized on first use (a sampler object is used by one rank's loop at a time).
  mutable std::vector<Scratch<double>> double_;
  // The float scratch (model.precision = float32) is made on first use, behind a pointer: a second
  // vector member changed GCC 12's inlining of the double sweep enough to raise its AVX-512
  // -Wuninitialized false positive (_mm512_undefined_pd under Eigen's exp) in src/data/ising_data.cpp.
  // Copies of a sampler share it; a sampler is copied into one training loop, never used by two at once.
  mutable std::shared_ptr<std::vector<Scratch<float>>> float_;
};

using Gibbs = SingleSite<SiteRule::gibbs, SiteOrder::sequential>;
using GibbsRandom = SingleSite<SiteRule::gibbs, SiteOrder::random>;
using Metropolis = SingleSite<SiteRule::metropolis, SiteOrder::sequential>;
using MetropolisRandom = SingleSite<SiteRule::metropolis, SiteOrder::random>;

}  // namespace shortrun

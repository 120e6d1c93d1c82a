#pragma once
/// Single-site samplers for binary models (IndependentSpins, BoltzmannMachine); one step = one
/// sweep = N single-site updates of every chain (THEORY.md section 3):
///   Gibbs            sites 0..N-1 in order, s_i ~ P(s_i | rest) = sigmoid(gap f_i)
///   GibbsRandom      N sites drawn uniformly with replacement, same update
///   Metropolis       sites 0..N-1 in order, flip s_i with probability min(1, exp(-dE)),
///                    dE = -f_i (s_i' - s_i)
///   MetropolisRandom N sites drawn uniformly with replacement, same update
/// x is (N x chains). Each chain draws from its own stream, in this order per single-site update:
/// [site index (random orders only)], then one uniform u; the move is taken iff u <= its
/// probability. Local fields f = h + J s are computed once per sweep and then kept up to date in
/// O(N) per flip (model.add_flip).
#include <cmath>
#include <stdexcept>
#include <string>

#include "shortrun/core/random.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun {

enum class SiteRule { gibbs, metropolis };
enum class SiteOrder { sequential, random };

/// The (rule, order) pair of a single-site sampler, as the exact propagators take it.
struct SiteDynamics {
  SiteRule rule = SiteRule::gibbs;
  SiteOrder order = SiteOrder::sequential;
};

/// gibbs, gibbs-random, metropolis, metropolis-random.
inline SiteDynamics site_dynamics_from_name(const std::string& name) {
  if (name == "gibbs") return {SiteRule::gibbs, SiteOrder::sequential};
  if (name == "gibbs-random") return {SiteRule::gibbs, SiteOrder::random};
  if (name == "metropolis") return {SiteRule::metropolis, SiteOrder::sequential};
  if (name == "metropolis-random") return {SiteRule::metropolis, SiteOrder::random};
  throw std::invalid_argument("unknown single-site sampler " + name);
}

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

  /// One sweep for every chain. `work` receives the local fields (N x chains).
  template <class Model>
  void step(const Model& model, Matrix& x, const ChainStreams& rng, Matrix& work) const {
    const Spin spin = model.spin();
    const double low = spin_low(spin), up = 1.0, gap = spin_gap(spin);
    const Index n = x.rows();
    model.local_fields(x, work);
    for (Index j = 0; j < x.cols(); ++j) {
      Stream s = rng.chain(j);
      auto col = x.col(j);
      auto fields = work.col(j);
      for (Index u = 0; u < n; ++u) {
        const Index i = Order == SiteOrder::sequential ? u : s.below(n);
        const double draw = s.uniform();
        const double old = col[i];
        double next = old;
        if constexpr (Rule == SiteRule::gibbs) {
          next = draw <= sigmoid(gap * fields[i]) ? up : low;
        } else {
          const double flipped = old > low ? low : up;
          const double d_e = -fields[i] * (flipped - old);
          if (d_e <= 0 || draw <= std::exp(-d_e)) next = flipped;
        }
        if (next != old) {
          col[i] = next;
          model.add_flip(fields, i, next - old);
        }
      }
    }
  }
};

using Gibbs = SingleSite<SiteRule::gibbs, SiteOrder::sequential>;
using GibbsRandom = SingleSite<SiteRule::gibbs, SiteOrder::random>;
using Metropolis = SingleSite<SiteRule::metropolis, SiteOrder::sequential>;
using MetropolisRandom = SingleSite<SiteRule::metropolis, SiteOrder::random>;

}  // namespace shortrun

#pragma once
/// Exact dynamics of the single-site samplers on a small pairwise binary model (docs/theory.md
/// section 4): the law p_t over the 2^N states after t sweeps, propagated through the sampler's
/// exact one-sweep transition matrix
///   sequential (gibbs, metropolis):  P = K_0 K_1 ... K_{N-1}
///   random (gibbs-random, ...):      P = ((1/N) sum_i K_i)^N
/// with K_i(s, s') the single-site kernel of site i: s' = s or s with unit i flipped, the flip
/// taken with move_probability(rule, spin, s_i, f_i(s)). Laws are column vectors indexed as in
/// binary_enumeration.hpp and move as row vectors: p_{t+1}(s') = sum_s p_t(s) P(s, s').
#include "shortrun/core/types.hpp"
#include "shortrun/samplers/single_site.hpp"
#include "shortrun/theory/binary_enumeration.hpp"

namespace shortrun::exact {

/// Exact propagation is allowed up to this many units (2^12 states).
inline constexpr Index kMaxPropagatedUnits = 12;

class SweepKernel {
 public:
  /// Throws std::invalid_argument when N > kMaxPropagatedUnits.
  SweepKernel(const PairwiseModel& model, SiteDynamics dynamics);

  Index dim() const { return n_; }
  Index n_states() const { return move_.rows(); }

  /// K_i, dense (2^N x 2^N); each row sums to one.
  Matrix site_matrix(Index i) const;
  /// P, dense (2^N x 2^N), built from site_matrix as the product (sequential) or the N-th power
  /// of the average over sites (random). For checks on tiny systems.
  Matrix sweep_matrix() const;

  /// p <- p K_i, in O(2^N).
  void apply_site(Vector& p, Index i) const;
  /// p <- p P without forming P: O(N 2^N) sequential, O(N^2 2^N) random.
  void apply_sweep(Vector& p) const;
  /// p_t = p_0 P^t.
  Vector propagate(Vector p, Index t) const;

 private:
  Index n_;
  SiteDynamics dynamics_;
  Matrix move_;  // move_(c, i): probability that the update of site i flips unit i of state c
};

}  // namespace shortrun::exact

#pragma once
/// Exact laws of small binary models by enumeration of all 2^N states (docs/theory.md section 4).
/// State c in [0, 2^N) has unit i up iff bit i of c is set (low = -1 for pm1, 0 for 01).
/// Laws over states are probability vectors of length 2^N indexed that way.
#include "shortrun/core/types.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/models/boltzmann_machine.hpp"
#include "shortrun/models/independent_spins.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun::exact {

/// Enumeration over 2^N states is allowed up to this many units (bm, spins, the RBM's smaller layer).
inline constexpr Index kMaxEnumerableUnits = 20;

/// A pairwise binary law E(s) = -h^T s - 1/2 s^T J s (J symmetric, zero diagonal): what both
/// IndependentSpins (J = 0) and BoltzmannMachine are.
struct PairwiseModel {
  Spin spin = Spin::pm1;
  Vector h;
  Matrix J;
  Index dim() const { return h.size(); }
};

inline PairwiseModel pairwise(const BoltzmannMachine& m) { return {m.spin(), m.h(), m.J()}; }
inline PairwiseModel pairwise(const IndependentSpins& m) {
  return {m.spin(), m.h(), Matrix::Zero(m.dim(), m.dim())};
}

/// First and second moments <s> (N) and <s s^T> (N x N) of a law.
struct SpinMoments {
  Vector mean;
  Matrix second;
  /// Connected correlation <s s^T> - <s><s>^T.
  Matrix cov() const { return second - mean * mean.transpose(); }
};

/// Columns first .. first+count-1 of the state table, (N x count).
Matrix states(Index n, Spin spin, Index first, Index count);
/// Index of the state in column s (values must be low or 1).
Index state_index(const Eigen::Ref<const Vector>& s, Spin spin);

/// -E(s) for every state, (2^N). Throws std::invalid_argument when N > kMaxEnumerableUnits.
Vector log_weights(const PairwiseModel& m);
/// log Z = log sum_s exp(-E(s)).
double log_partition(const PairwiseModel& m);
/// Boltzmann law exp(-E(s)) / Z, (2^N).
Vector boltzmann_law(const PairwiseModel& m);
/// Mean log-likelihood of the columns of data (N x n): mean(-E(s)) - log Z.
double log_likelihood(const PairwiseModel& m, const Matrix& data);

/// <s> and <s s^T> under a law p over the 2^N states.
SpinMoments law_moments(const Vector& p, Index n, Spin spin);
/// Empirical law of the columns of data (N x n), (2^N).
Vector empirical_law(const Matrix& data, Spin spin);
/// Law of independent units with P(s_i = up) = prob_up_i, (2^N).
Vector product_law(const Vector& prob_up);

/// RBM, by summing over the smaller layer (<= kMaxEnumerableUnits units).
double rbm_log_partition(const BernoulliRbm& rbm);
/// Equilibrium <v>, <h>, <v h^T>.
RbmMoments rbm_moments(const BernoulliRbm& rbm);
/// Mean log-likelihood of the visible columns of v: mean(-F(v)) - log Z.
double rbm_log_likelihood(const BernoulliRbm& rbm, const Matrix& v);
/// Marginal p(v) over the 2^Nv visible states (Nv <= kMaxEnumerableUnits).
Vector rbm_visible_law(const BernoulliRbm& rbm);
/// Visible block-Gibbs kernel T(v, v') = sum_h P(h | v) P(v' | h), (2^Nv x 2^Nv), rows sum to one.
/// Dense: for Nv, Nh <= 12.
Matrix rbm_block_gibbs_matrix(const BernoulliRbm& rbm);

}  // namespace shortrun::exact

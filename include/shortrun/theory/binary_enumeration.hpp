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

/// Enumeration over 2^N states is allowed up to this many units (bm, spins, the RBM's smaller layer)
/// where a law vector of length 2^N is stored (laws, dynamics, sampling from the law).
inline constexpr Index kMaxEnumerableUnits = 20;
/// Streamed enumeration (log Z and equilibrium moments, no 2^N vector: streamed_pairwise,
/// streamed_rbm below) is allowed up to this many units. Measured serially on this project's 2-core
/// build machine (docs/theory.md section 4): a bm with N = 26, log Z and moments, 1.4 s; the log Z
/// of a 784 x 24 RBM (2^24 hidden states) 36 s.
inline constexpr Index kMaxStreamedUnits = 26;

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
/// log Z = log sum_s exp(-E(s)); N <= kMaxStreamedUnits (streamed beyond kMaxEnumerableUnits).
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

/// RBM, by summing over the smaller layer (<= kMaxStreamedUnits units; streamed beyond
/// kMaxEnumerableUnits).
double rbm_log_partition(const BernoulliRbm& rbm);
/// Equilibrium <v>, <h>, <v h^T> (same limits).
RbmMoments rbm_moments(const BernoulliRbm& rbm);
/// Mean log-likelihood of the visible columns of v: mean(-F(v)) - log Z.
double rbm_log_likelihood(const BernoulliRbm& rbm, const Matrix& v);
/// Marginal p(v) over the 2^Nv visible states (Nv <= kMaxEnumerableUnits).
Vector rbm_visible_law(const BernoulliRbm& rbm);
/// Visible block-Gibbs kernel T(v, v') = sum_h P(h | v) P(v' | h), (2^Nv x 2^Nv), rows sum to one.
/// Dense: for Nv, Nh <= 12.
Matrix rbm_block_gibbs_matrix(const BernoulliRbm& rbm);

// ---- Streamed enumeration (N <= kMaxStreamedUnits) ----
// The 2^N states are visited in chunks of 2^b consecutive states (b <= 12): the low b units run
// through a table shared by all chunks, the high N - b units are fixed within a chunk, so a chunk's
// energies are the table's (computed once) plus a term linear in the low units (a product with the
// high units' couplings); the RBM's other-layer inputs likewise. Each chunk adds exp(-E - shift)
// weighted sums to running sums whose common shift is raised (and the sums rescaled) when a
// chunk's largest -E exceeds it. Fixed segments of consecutive chunks run on OpenMP threads
// (core/threads.hpp) and are merged in segment order, so the result is bitwise the same for any
// thread count. Progress goes to stderr after 2 s.

/// Log Z and equilibrium moments of a pairwise law, streamed.
struct StreamedPairwise {
  double log_z = 0;
  SpinMoments moments;  ///< <s>, <s s^T> (empty when not asked)
  double energy_mean = 0, energy_std = 0;  ///< <E> and its standard deviation under the law
};
/// N <= kMaxStreamedUnits; throws std::invalid_argument beyond.
StreamedPairwise streamed_pairwise(const PairwiseModel& m, bool with_moments = true);

/// What streamed_rbm sums besides log Z.
enum class RbmStreamed {
  log_z,      ///< log Z only
  moments,    ///< and <v>, <h>, <v h^T> (the other layer through its conditional mean)
  with_second ///< and <v v^T> (over the hidden layer: sum p (sigma sigma^T + diag sigma (1 - sigma)),
              ///< Nv^2 per state)
};
struct StreamedRbm {
  bool over_visible = true;  ///< which layer was enumerated (the smaller; the visible on a tie)
  double log_z = 0;
  RbmMoments moments;        ///< empty with RbmStreamed::log_z
  Matrix v_second;           ///< <v v^T>, with RbmStreamed::with_second only
  /// Mean and standard deviation of the free energy F(v) when the visible layer is enumerated
  /// (NaN over the hidden layer).
  double free_energy_mean = 0, free_energy_std = 0;
};
/// min(Nv, Nh) <= kMaxStreamedUnits; throws std::invalid_argument beyond.
StreamedRbm streamed_rbm(const BernoulliRbm& rbm, RbmStreamed what);

/// Whether measure.equilibrium = auto enumerates an rbm (else it tempers): the smaller layer has
/// at most kMaxEnumerableUnits units, or at most kMaxStreamedUnits and 2^n x (work per state) is
/// at most that of 2^20 hidden states of 784 visible units (the per-state work: Nv^2 summing over
/// the hidden layer, for the visible covariance; Nv Nh over the visible layer).
inline bool rbm_auto_enumerates(Index n_visible, Index n_hidden) {
  const Index n = n_visible < n_hidden ? n_visible : n_hidden;
  if (n <= kMaxEnumerableUnits) return true;
  if (n > kMaxStreamedUnits) return false;
  const double per_state = n_visible <= n_hidden ? static_cast<double>(n_visible) * static_cast<double>(n_hidden)
                                                 : static_cast<double>(n_visible) * static_cast<double>(n_visible);
  return static_cast<double>(Index{1} << n) * per_state <= static_cast<double>(Index{1} << 20) * 784.0 * 784.0;
}

}  // namespace shortrun::exact

#pragma once
/// Annealed importance sampling for the log partition function of a BernoulliRbm (Neal 2001;
/// Salakhutdinov & Murray 2008), for RBMs whose smaller layer is too large to enumerate.
///
/// Path. Base model A: independent visible units with biases a_A (no couplings), and the target
/// RBM B = (W, a, b). For inverse temperatures 0 = beta_0 < beta_1 < ... < beta_K = 1 the
/// intermediate laws are the RBMs
///   p_k:  W_k = beta_k W,  a_k = (1 - beta_k) a_A + beta_k a,  b_k = beta_k b,
/// with visible marginal p_k*(v) = exp(-F_k(v)) = exp(a_k^T v) prod_j (1 + exp(b_kj + (W_k^T v)_j)).
/// p_0 = A (its hidden units are free: Z_0 = 2^Nh prod_i (1 + exp(a_A,i))) and p_K = B.
///
/// One run: v_0 ~ p_0 exactly; for k = 1..K: log w += F_{k-1}(v_{k-1}) - F_k(v_{k-1}), then
/// v_k ~ T_k(v_{k-1}, .) one block-Gibbs step of p_k (not needed after k = K). E[w] = Z_B / Z_0, so
///   log Z ~= log Z_0 + log( (1/M) sum_m w_m )           (log-mean-exp of the M log weights)
/// with standard error (delta method) sd(r) / sqrt(M), r_m = w_m / mean(w). Z is estimated without
/// bias, log Z is biased low (Jensen). When p_B has separated modes that the runs rarely enter, the
/// weights' spread understates the error: on a 16-mode test RBM the data-mean base gave log Z low
/// by ~0.04 nats at 8-10 standard errors, whatever K and M; a second base (e.g. mu = 1/2) or more
/// runs are the check.
///
/// Base. a_A = logit(clip(mu, eps, 1 - eps)) with mu the data's visible means: p_0 then matches the
/// data's marginals, the usual choice that keeps the path short (Salakhutdinov & Murray 2008).
///
/// Randomness: run m draws from Stream(seed, Purpose::ais, m, k) at step k (k = 0: the draw from
/// p_0), so runs can be split over ranks (first_run) and give the same weights.
#include <cstdint>

#include "shortrun/core/types.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"

namespace shortrun {

struct AisOptions {
  Index n_temperatures = 1000;  ///< K >= 1 annealing steps, beta_k = k / K (linear)
  Index n_runs = 100;           ///< M >= 2 independent runs
  std::uint64_t seed = 1;       ///< (config: run.seed)
  double mean_clip = 1e-3;      ///< eps of the base biases, in (0, 1/2)
};

struct AisResult {
  double log_z = 0;          ///< estimate of log Z_B
  double log_z_stderr = 0;   ///< its standard error (delta method over the M runs)
  double log_z_base = 0;     ///< log Z_0 (exact)
  double effective_runs = 0; ///< (sum w)^2 / sum w^2, between 1 and M
  Vector log_weights;        ///< log w_m, (M)
};

/// a_A,i = logit(clip(mu_i, eps, 1 - eps)); throws BadInput when mu has a NaN/Inf or eps is
/// outside (0, 1/2).
Vector ais_base_bias(const Vector& data_mean, double mean_clip = 1e-3);

/// beta_k = k / K, k = 0..K, (K + 1).
Vector ais_linear_schedule(Index n_temperatures);

/// log Z_0 = sum_i softplus(a_A,i) + Nh log 2.
double ais_base_log_partition(const Vector& base_bias, Index n_hidden);

/// log w of runs first_run .. first_run + n_runs - 1 along the schedule `betas` (increasing from
/// 0 to 1), (n_runs). The building block for splitting runs over ranks.
Vector rbm_ais_log_weights(const BernoulliRbm& rbm, const Vector& base_bias, const Vector& betas,
                           Index first_run, Index n_runs, std::uint64_t seed);

/// Combines the log weights of all runs: log Z = log_z_base + log-mean-exp, and its error.
AisResult ais_estimate(Vector log_weights, double log_z_base);

/// The whole estimate with the linear schedule. data_mean: the visible means of the data (Nv).
/// Throws BadInput when data_mean has the wrong size or bad values, K < 1 or M < 2.
AisResult rbm_ais_log_partition(const BernoulliRbm& rbm, const Vector& data_mean,
                                const AisOptions& options = {});

}  // namespace shortrun

#pragma once
/// Convergence diagnostics of MCMC draws (Vehtari, Gelman, Simpson, Carpenter, Buerkner 2021,
/// "Rank-normalization, folding, and localization: an improved R-hat for assessing convergence of
/// MCMC", Bayesian Analysis 16(2)), as Stan and the R package posterior compute them.
/// Input: the draws of one scalar statistic as a (n_draws x n_chains) matrix, column c = chain c.
///   split_chains      each chain cut in two halves (the middle draw dropped when n_draws is odd):
///                     (n/2 x 2m); a drift within chains then shows as a difference between halves.
///   rank_normalize    pooled fractional ranks r (ties get their average rank), then
///                     z = Phi^-1((r - 3/8) / (S - 2 * 3/8 + 1)), S = all draws: any distribution
///                     (heavy tails, discrete values) becomes close to normal.
///   basic_rhat        sqrt(var+ / W), var+ = (n-1)/n W + B/n, W = mean within-chain variance,
///                     B/n = variance of the chain means (Gelman and Rubin 1992).
///   rank_rhat         max(bulk, tail): bulk = basic_rhat(rank_normalize(split_chains(x))), tail
///                     the same on the folded draws |x - median(x)| (catches chains that agree on
///                     the location but not on the scale).
///   autocorrelation_time  tau = -1 + 2 sum_{t=0}^{T} rho_t + rho_{T+1} with the multi-chain
///                     autocorrelations rho_t = 1 - (W - mean_c acov_c(t)) / var+, Geyer's initial
///                     positive sequence (truncated at the first pair rho_{2k} + rho_{2k+1} < 0)
///                     made monotone; bounded below by 1 / log10(S). In draws.
///   effective_sample_size S / tau.
///   diagnose          what the long-run reference records: rhat = rank_rhat, ess = bulk ESS
///                     (ESS of the split, rank-normalised draws), iat = S / ess.
/// Degenerate input: all draws equal gives rhat = 1, ess = S, iat = 1 (a constant statistic is
/// converged); chains each constant but different give rhat = +inf.
#include "shortrun/core/types.hpp"

namespace shortrun::diagnostics {

/// Phi^-1(p) for p in (0, 1) (Acklam's rational approximation with one Halley step: ~1e-15).
double inverse_normal_cdf(double p);
/// (n x m) -> (floor(n/2) x 2m): first halves in columns 0..m-1, second halves in m..2m-1.
Matrix split_chains(const Matrix& draws);
/// Pooled fractional ranks mapped to normal scores, same shape as draws.
Matrix rank_normalize(const Matrix& draws);
/// Classic R-hat of chains (columns), no split, no ranks. Needs n >= 2 draws and m >= 2 chains.
double basic_rhat(const Matrix& chains);
/// Rank-normalised split R-hat, max of bulk and tail (folded). Needs n >= 4 draws.
double rank_rhat(const Matrix& draws);
/// Integrated autocorrelation time over chains (columns), in draws; no split, no ranks.
double autocorrelation_time(const Matrix& chains);
/// n m / autocorrelation_time(chains).
double effective_sample_size(const Matrix& chains);

struct Diagnostic {
  double rhat = 0;  ///< rank_rhat
  double ess = 0;   ///< bulk ESS: effective_sample_size(rank_normalize(split_chains(draws)))
  double iat = 0;   ///< S / ess, in draws
};
/// rank_rhat, bulk ESS and IAT of one statistic. Needs n_draws >= 4 and n_chains >= 1.
Diagnostic diagnose(const Matrix& draws);

}  // namespace shortrun::diagnostics

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
/// p_0), so runs can be split over ranks (first_run) and give the same weights. Reverse runs
/// (below) draw from Stream(seed, Purpose::ais, m, k, 1).
///
/// Error and reliability (ESS). With r_m = w_m / mean(w) and ESS = (sum w)^2 / sum w^2 = M / mean(r^2),
/// the standard error of the log-mean-exp is
///   se^2 = var(r) / M = (M / ESS - 1) / (M - 1)                  (~ 1/ESS - 1/M),
/// i.e. the delta method written through the effective sample size. That error is itself estimated
/// from the weights and is only trustworthy when many runs carry weight: the estimate is flagged
/// unreliable when ESS < kAisMinEss (10) or ESS < kAisMinEssFraction M (M/20): a few runs
/// dominating the sum means the weights' tail is not sampled and the true error can be many times
/// the reported one. Runs that all miss a mode give a large ESS and a wrong log Z: only the bracket
/// (forward/reverse, below) or an independent estimate (bridge sampling over a PT ladder) shows it.
///
/// Bracket (Burda, Grosse & Salakhutdinov 2015). Forward AIS (base -> model) estimates Z without
/// bias, so its log is a stochastic lower bound: E[log Z_fwd] <= log Z and
/// P(log Z_fwd > log Z + t) <= exp(-t). Reverse AIS runs the same path from the model to the base,
/// started from equilibrium samples of the model: its weights estimate Z_0 / Z without bias, so
/// log Z_rev = log Z_0 - log mean(w_rev) is a stochastic upper bound (P(log Z_rev < log Z - t) <= exp(-t)),
/// as good as the starting samples are exact (from parallel tempering at beta = 1, or long-run chains).
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "shortrun/core/progress_tick.hpp"
#include "shortrun/core/random.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/models/boltzmann_machine.hpp"
#include "shortrun/samplers/binary_p0.hpp"

namespace shortrun {

struct AisOptions {
  Index n_temperatures = 1000;  ///< K >= 1 annealing steps, beta_k = k / K (linear)
  Index n_runs = 100;           ///< M >= 2 independent runs
  std::uint64_t seed = 1;       ///< (config: run.seed)
  double mean_clip = 1e-3;      ///< eps of the base biases, in (0, 1/2)
};

/// ESS below which an AIS estimate is flagged unreliable (file comment), absolute and as a
/// fraction of the runs.
inline constexpr double kAisMinEss = 10;
inline constexpr double kAisMinEssFraction = 0.05;
/// upper - lower (nats) above which a log Z bracket is reported wide.
inline constexpr double kLogZWideBracket = 1.0;

struct AisResult {
  double log_z = 0;          ///< estimate of log Z_B (reverse: the upper estimate log Z_0 - log mean w)
  double log_z_stderr = 0;   ///< its standard error, sqrt((M / ESS - 1) / (M - 1)) (file comment)
  double log_z_base = 0;     ///< log Z_0 (exact)
  double effective_runs = 0; ///< ESS = (sum w)^2 / sum w^2, between 1 and M
  bool reliable = true;      ///< ESS >= kAisMinEss and ESS >= kAisMinEssFraction M
  Vector log_weights;        ///< log w_m, (M)
};

/// One AIS pass along `schedule` (travelled in the given order: 0 -> 1 forward, 1 -> 0 reverse).
/// x (N x runs) holds draws of the law at schedule[0]; for k = 1 .. K: log w += f_k(x) - f_{k-1}(x),
/// f = -energy of the intermediate model at schedule[k] (tempered(beta, out) sets it; for the rbm
/// the energy is the free energy), then (k < K) one sampler step of that model with noise
/// rng.with_time(k, sub). Returns log w, (runs).
template <class Model, class Sampler, class Tempered>
Vector anneal_log_weights(const Model& target, const Sampler& sampler, Tempered&& tempered, const Vector& schedule,
                          Matrix& x, const ChainStreams& rng, std::uint64_t sub) {
  Vector log_w = Vector::Zero(x.cols());
  if (x.cols() == 0) return log_w;
  Model prev = target, next = target;
  tempered(schedule[0], prev);
  Matrix work;
  const Index k_max = schedule.size() - 1;
  for (Index k = 1; k <= k_max; ++k) {
    tempered(schedule[k], next);
    log_w += prev.energy(x) - next.energy(x);  // log p_k*(x) - log p_{k-1}*(x)
    if (k < k_max) sampler.step(next, x, rng.with_time(static_cast<std::uint64_t>(k), sub), work);
    std::swap(prev, next);
    progress_tick();
  }
  return log_w;
}

/// BadInput unless base has n values and betas increase strictly from 0 to 1 (K >= 1).
void check_ais_schedule(Index n, const Vector& base, const Vector& betas);
/// BadInput unless start is (n x S), S >= 1.
void check_ais_start(Index n, const Matrix& start);

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

/// Reverse AIS log weights: runs first_run .. first_run + n_runs - 1 start at columns of `start`
/// (Nv x S, equilibrium samples of the model; run m starts at column m mod S) and travel `betas`
/// from 1 down to 0, (n_runs). E[w] = Z_0 / Z_B.
Vector rbm_reverse_ais_log_weights(const BernoulliRbm& rbm, const Vector& base_bias, const Vector& betas,
                                   const Matrix& start, Index first_run, Index n_runs, std::uint64_t seed);

/// Combines the log weights of all runs: log Z = log_z_base + log-mean-exp, and its error.
AisResult ais_estimate(Vector log_weights, double log_z_base);
/// The same for reverse weights: log Z = log_z_base - log-mean-exp (a stochastic upper bound).
AisResult reverse_ais_estimate(Vector log_weights, double log_z_base);

/// The whole estimate with the linear schedule. data_mean: the visible means of the data (Nv).
/// Throws BadInput when data_mean has the wrong size or bad values, K < 1 or M < 2.
AisResult rbm_ais_log_partition(const BernoulliRbm& rbm, const Vector& data_mean,
                                const AisOptions& options = {});

/// Boltzmann machine path (family bm): base = independent units with fields h_A, intermediate
/// laws E_k = -((1 - beta_k) h_A + beta_k h)^T s - beta_k/2 s^T J s (J scaled by beta), sampled by
/// the configured single-site sampler at beta_k. h_A matches the data means m:
/// P(s_i = up) = p_i = clip((m_i - low) / gap, eps, 1 - eps), h_A,i = logit(p_i) / gap, and
/// log Z_0 = sum_i log(exp(h_A,i) + exp(h_A,i low)).
Vector bm_ais_base_field(const Vector& data_mean, Spin spin, double mean_clip = 1e-3);
double bm_ais_base_log_partition(const Vector& base_field, Spin spin);
/// The intermediate bm at beta (out: a copy of the target's shape).
void bm_ais_tempered(const BoltzmannMachine& target, const Vector& base_field, double beta, BoltzmannMachine& out);

/// Forward bm AIS log weights of runs first_run .. first_run + n_runs - 1 (base draws and noise as
/// for the rbm), with the single-site sampler `sampler` at every intermediate law.
template <class Sampler>
Vector bm_ais_log_weights(const BoltzmannMachine& bm, const Sampler& sampler, const Vector& base_field,
                          const Vector& betas, Index first_run, Index n_runs, std::uint64_t seed) {
  check_ais_schedule(bm.dim(), base_field, betas);
  if (n_runs == 0) return Vector::Zero(0);
  const ChainStreams rng{seed, Purpose::ais, static_cast<std::uint64_t>(first_run), 0, 0};
  const Spin spin = bm.spin();
  Matrix x(bm.dim(), n_runs);
  const Vector mean = base_field.unaryExpr([spin](double h) { return spin_low(spin) + spin_gap(spin) * prob_up(spin, h); });
  BinaryP0::data_mean(spin, mean).draw(x, rng);
  auto tempered = [&](double beta, BoltzmannMachine& out) { bm_ais_tempered(bm, base_field, beta, out); };
  return anneal_log_weights(bm, sampler, tempered, betas, x, rng, 0);
}

/// Reverse bm AIS log weights from the columns of `start` (run m starts at column m mod S).
template <class Sampler>
Vector bm_reverse_ais_log_weights(const BoltzmannMachine& bm, const Sampler& sampler, const Vector& base_field,
                                  const Vector& betas, const Matrix& start, Index first_run, Index n_runs,
                                  std::uint64_t seed) {
  check_ais_schedule(bm.dim(), base_field, betas);
  check_ais_start(bm.dim(), start);
  if (n_runs == 0) return Vector::Zero(0);
  const ChainStreams rng{seed, Purpose::ais, static_cast<std::uint64_t>(first_run), 0, 1};
  Matrix x(bm.dim(), n_runs);
  for (Index j = 0; j < n_runs; ++j) x.col(j) = start.col((first_run + j) % start.cols());
  auto tempered = [&](double beta, BoltzmannMachine& out) { bm_ais_tempered(bm, base_field, beta, out); };
  return anneal_log_weights(bm, sampler, tempered, Vector(betas.reverse()), x, rng, 1);
}

/// The combined log Z of one measurement beyond enumeration: the estimate, its bracket and the
/// flags the run file and the terminal report (docs/hdf5-schema.md, /equilibrium/<step>).
struct LogZReport {
  double log_z = std::numeric_limits<double>::quiet_NaN();  ///< the estimate (combine_log_z)
  double log_z_se = std::numeric_limits<double>::quiet_NaN();
  double lower = std::numeric_limits<double>::quiet_NaN();     ///< forward AIS (stochastic lower bound)
  double lower_se = std::numeric_limits<double>::quiet_NaN();
  double upper = std::numeric_limits<double>::quiet_NaN();     ///< reverse AIS (stochastic upper bound)
  double upper_se = std::numeric_limits<double>::quiet_NaN();
  double ess = std::numeric_limits<double>::quiet_NaN();       ///< forward AIS ESS
  double upper_ess = std::numeric_limits<double>::quiet_NaN(); ///< reverse AIS ESS
  double runs = 0;            ///< AIS runs per direction
  std::string method;         ///< "ais", "ais+reverse-ais(pt)", "bridge(pt)+ais+reverse-ais(long-run)", ...; "" = none
  bool reliable = false;      ///< no flag below raised
  bool wide = false;          ///< upper - lower > kLogZWideBracket
  std::string warning;        ///< the raised flags in words, "" when reliable
  bool present() const { return !method.empty(); }
};

/// Combines what was measured (null / NaN: not measured). The estimate: the bridge log Z and se
/// from the PT ladder when bridge_ok (the PT reference converged); else, with both AIS directions,
/// the middle of the bracket (lower + upper) / 2 with se^2 = ((upper - lower) / 2)^2 +
/// (se_lower^2 + se_upper^2) / 4; else forward AIS. reverse_source: "pt", "ptt" or "long-run", the
/// equilibrium reference where the reverse runs started (reverse_converged: those chains passed
/// their checks) and along whose ladder the bridge ran ("" is read as "pt"). Flags (reliable =
/// none raised): forward or reverse ESS small, bracket wide (> kLogZWideBracket), bracket inverted
/// by more than 3 combined se and 0.1 nat (the reverse starts were not equilibrium), the bridge
/// estimate outside [lower - 3 se, upper + 3 se], a PT reference or reverse starts not converged.
LogZReport combine_log_z(const AisResult* forward, const AisResult* reverse, const std::string& reverse_source,
                         bool reverse_converged, double bridge_log_z, double bridge_se, bool bridge_ok);
/// For the terminal: "12.3 +- 0.04 [bridge(pt)+ais+reverse-ais(pt)]; bracket [12.2 +- 0.05, 12.4 +- 0.06],
/// AIS ESS 87 of 100" and "; UNRELIABLE: <warning>" when flagged.
std::string describe(const LogZReport& r);

}  // namespace shortrun

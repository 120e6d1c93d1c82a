#pragma once
/// Equilibrium references of docs/theory.md section 5, item 4, stored beside the dynamics:
///   theory    Gaussian + ULA: the stationary ULA law, per mode v(inf) = T / (J_a (1 - eta J_a / 2)),
///             mean J^-1 h; "no equilibrium" when a mode has J_a <= 0 or J_a >= 2/eta.
///             Independent spins: <s_i> = tanh h_i (pm1) or sigmoid h_i (01), independent units.
///   exact     enumeration: bm and spins (N <= 20), RBM (smaller layer <= 20).
///   long-run  persistent chains in two sets started apart: chains 0 .. R/2-1 from p0, chains
///             R/2 .. R-1 from data rows (LongRunSpec::data_start; p0 again when it is empty);
///             burn_in sweeps, then a window of `window` sweeps whose statistics are pooled over
///             chains and steps, with convergence checks.
///   auto      theory for gaussian (with Langevin) and spins, exact for small bm / rbm, else long-run.
/// Convergence checks of long-run (all must pass for converged = true):
///  1. R-hat and ESS (observables/diagnostics.hpp; Vehtari et al. 2021). Draws of the diagnosed
///     statistics (energy, magnetisation = mean of the units, the n_top units with the largest
///     |data mean| and the n_top pairs with the largest |data covariance|, x_i x_j per chain) are
///     kept every draw_every sweeps of the window (at most max_draws per chain, of at most
///     max_diagnostic_chains chains, half from each set), gathered over the team, and every
///     statistic needs rank-normalised split R-hat < rhat_threshold (1.01) and bulk ESS >= ess_min
///     (100). Chains of the two sets trapped in different modes give R-hat >> 1.
///  2. First against second half of the window: for every unit mean and for the energy, each
///     chain's average over the first half is compared with its average over the second half.
///     Chains are independent, so the spread of the per-chain differences d_c gives an honest
///     standard error of their mean; z = mean(d) / (std(d) / sqrt(R)); passes iff max |z| <
///     z_threshold: a drift still under way (insufficient burn-in) shows as a non-zero mean difference.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "shortrun/core/parameters.hpp"
#include "shortrun/core/random.hpp"
#include "shortrun/core/reducer.hpp"
#include "shortrun/core/team_share.hpp"
#include "shortrun/measure/dynamics.hpp"
#include "shortrun/measure/equilibrium_method.hpp"
#include "shortrun/measure/exact_dynamics.hpp"
#include "shortrun/models/boltzmann_machine.hpp"
#include "shortrun/models/independent_spins.hpp"
#include "shortrun/observables/chain_statistics.hpp"
#include "shortrun/observables/diagnostics.hpp"

namespace shortrun {

struct LongRunSpec {
  Index n_chains = 1000;    ///< R, for the whole team
  Index burn_in = 1000;     ///< sweeps before the window
  Index window = 1000;      ///< sweeps of the measurement window (>= 2)
  Index stride = 1;         ///< statistics every stride-th sweep of the window
  double z_threshold = 5.0; ///< converged iff max |z| < z_threshold
  std::uint64_t seed = 1;
  std::uint64_t measurement = 0;  ///< as DynamicsSpec::measurement
  Index n_kept = 0;               ///< chains 0 .. n_kept-1 whose final state is kept (images)
  /// States (N x rows, not owned) the second chain set starts from: chain c >= R/2 starts at a
  /// column drawn uniformly (stream equilibrium_p0, sub 1). Null or empty: the second set starts
  /// from p0 too (its own draws: population data, which have no rows).
  const Matrix* data_start = nullptr;
  double rhat_threshold = 1.01;  ///< every diagnosed statistic needs R-hat < rhat_threshold
  double ess_min = 100;          ///< and bulk ESS >= ess_min
  Index max_draws = 100;         ///< draws kept per chain for the diagnostics (thinned evenly)
  Index max_diagnostic_chains = 2000;  ///< chains whose draws are kept, half from each set
  Index n_top = 3;               ///< diagnosed unit means and pair products (each)
};

/// R-hat, ESS and IAT of one diagnosed statistic of a long run.
struct StatisticDiagnostic {
  std::string name;  ///< "energy", "magnetisation", "unit_<i>", "pair_<i>_<j>"
  double rhat = std::numeric_limits<double>::quiet_NaN();
  double ess = std::numeric_limits<double>::quiet_NaN();
  double iat = std::numeric_limits<double>::quiet_NaN();  ///< in sweeps: draw_every x IAT in draws
};

struct ConvergenceCheck {
  bool converged = false;
  double max_abs_z = std::numeric_limits<double>::quiet_NaN();  ///< largest |z| (first vs second half)
  double z_threshold = 5.0;
  Index worst = -1;         ///< statistic with the largest |z|: unit i < N, or N for the energy
  Vector mean_se;           ///< standard errors of the equilibrium means, (N), from per-chain averages
  double energy_se = std::numeric_limits<double>::quiet_NaN();
  Index n_chains = 0;
  Index burn_in = 0;
  Index window = 0;
  bool z_passed = false;    ///< max |z| < z_threshold
  // R-hat / ESS check (item 1 of the file comment):
  std::vector<StatisticDiagnostic> statistics;
  double rhat_max = std::numeric_limits<double>::quiet_NaN();
  double rhat_threshold = 1.01;
  double ess_min = std::numeric_limits<double>::quiet_NaN();  ///< smallest bulk ESS
  double ess_threshold = 100;
  double iat_max = std::numeric_limits<double>::quiet_NaN();  ///< largest IAT, in sweeps
  Index draw_every = 0;     ///< sweeps between kept draws
  Index n_draws = 0;        ///< kept draws per chain
  Index diagnostic_chains = 0;
  bool data_started = false;  ///< second chain set from data rows (else from p0)
  /// The statistic that failed first (R-hat, then ESS, then z), "" when converged.
  std::string failing_statistic;
  std::string reason;       ///< "R-hat 1.35 on magnetisation", "" when converged
};

struct EquilibriumResult {
  EquilibriumMethod method = EquilibriumMethod::none;  ///< theory, exact, long_run or none (never automatic)
  /// False: the model has no equilibrium reachable by its sampler (an unstable Gaussian mode, or
  /// long-run chains that overflowed); `stats` is then empty with stats.finite = false.
  bool exists = true;
  std::string note;         ///< why not, or the convergence verdict in words
  ChainStatistics stats;
  double log_z = std::numeric_limits<double>::quiet_NaN();  ///< exact / theory only
  ConvergenceCheck check;   ///< long-run only
  Matrix samples;           ///< long-run: final states of chains 0 .. n_kept-1, (N x n_kept)
};

/// Gaussian: stationary ULA moments. log_z is that of the Boltzmann law exp(-E/T) (J positive
/// definite): N/2 log(2 pi T) - 1/2 log det J + h^T J^-1 h / (2T); ULA's stationary law differs
/// from it by O(eta).
EquilibriumResult gaussian_theory_equilibrium(const GaussianEnergy& model, const gaussian_theory::Ula& ula,
                                              const DataReference& ref);
/// Independent spins: tanh h / sigmoid h, log Z = sum_i log(exp(h_i up) + exp(h_i low)).
EquilibriumResult spins_theory_equilibrium(const IndependentSpins& model, const DataReference& ref);
/// Enumeration (N <= 20; throws std::invalid_argument above).
EquilibriumResult exact_equilibrium(const exact::PairwiseModel& model, const DataReference& ref);
/// Enumeration over the visible layer when Nv <= 20, else over the hidden layer (Nh <= 20). Over
/// the hidden layer (or with over_hidden = true, for checks) the mean free energy has no closed
/// form: energy_mean and energy_std are NaN (unknown), and the note says so.
EquilibriumResult exact_equilibrium(const BernoulliRbm& rbm, const DataReference& ref, bool over_hidden = false);

/// The statistics a long run diagnoses (file comment, item 1), chosen from the data reference.
struct DiagnosedStatistics {
  std::vector<std::string> names;            ///< energy, magnetisation, unit_<i>..., pair_<i>_<j>...
  std::vector<Index> units;
  std::vector<std::pair<Index, Index>> pairs;
  Index size() const { return static_cast<Index>(names.size()); }
  /// (size x n): the statistics of the columns of x (N x n) with energies e (n).
  Matrix evaluate(const Matrix& x, const Vector& e) const;
};
/// energy, magnetisation (N > 1), the n_top units with the largest |m^D_i| (N > 1) and the n_top
/// pairs i < j with the largest |C^D_ij| (ties: lower index first).
DiagnosedStatistics diagnosed_statistics(const DataReference& ref, Index n_top);
/// R-hat, ESS and IAT (in sweeps) of every statistic: draws has n_draws rows per statistic,
/// statistic s in rows s n_draws .. (s+1) n_draws - 1, one column per chain. Fills c.statistics,
/// rhat_max, ess_min and iat_max; needs n_draws >= 4.
void diagnose_draws(const Matrix& draws, Index n_draws, const DiagnosedStatistics& stats, ConvergenceCheck& c);
/// The verdict from c's checks (R-hat, ESS, z): sets converged, failing_statistic and reason,
/// returns the note. n: the number of units (z statistic n is the energy).
std::string conclude_long_run(ConvergenceCheck& c, Index n);

/// Long persistent chains (collective over `team`; every rank returns the same result).
template <class Model, class Sampler, class Start, Reducer R>
EquilibriumResult long_run_equilibrium(const Model& model, const Sampler& sampler, const Start& p0,
                                       const DataReference& ref, const LongRunSpec& spec, R& team) {
  if (spec.n_chains < 2 || spec.window < 2 || spec.stride < 1 || spec.burn_in < 0)
    throw std::invalid_argument("long-run equilibrium: needs n_chains >= 2, window >= 2, stride >= 1, burn_in >= 0");
  const Index n = ref.dim(), m = n + 1;  // compared statistics: unit means and the energy
  const Share share = share_of(spec.n_chains, team.rank(), team.size());
  ChainStreams streams;
  streams.seed = spec.seed;
  streams.first_chain = static_cast<std::uint64_t>(share.begin);
  const ChainStreams noise = streams.with_purpose(Purpose::equilibrium_sampler);
  Matrix x(n, share.count), work(n, share.count);
  p0.draw(x, streams.with_purpose(Purpose::equilibrium_p0).with_time(spec.measurement, 0));
  const Index second_set = spec.n_chains / 2;  // first chain of the set started from data
  const bool data_started = spec.data_start != nullptr && spec.data_start->cols() > 0;
  if (data_started) {
    const Matrix& rows = *spec.data_start;
    if (rows.rows() != n) throw std::invalid_argument("long-run equilibrium: data_start has the wrong dimension");
    const ChainStreams pick = streams.with_purpose(Purpose::equilibrium_p0).with_time(spec.measurement, 1);
    for (Index j = 0; j < share.count; ++j)
      if (share.begin + j >= second_set) x.col(j) = rows.col(pick.chain(j).below(rows.cols()));
  }

  // Kept draws of the diagnosed statistics: chains 0 .. keep_a-1 and second_set .. second_set+keep_b-1.
  const DiagnosedStatistics diagnosed = diagnosed_statistics(ref, spec.n_top);
  const Index n_stat = diagnosed.size();
  const Index keep_total = std::min(spec.n_chains, std::max<Index>(2, spec.max_diagnostic_chains));
  const Index keep_a = std::min(second_set, keep_total / 2), keep_b = std::min(spec.n_chains - second_set, keep_total - keep_a);
  const Index n_draws = std::min(spec.window, std::max<Index>(1, spec.max_draws));
  const Index draw_every = spec.window / n_draws;
  auto kept_column = [&](Index chain) -> Index {
    if (chain < keep_a) return chain;
    if (chain >= second_set && chain < second_set + keep_b) return keep_a + (chain - second_set);
    return -1;
  };
  Matrix draws = Matrix::Zero(n_draws * n_stat, keep_a + keep_b);
  Index drawn = 0;

  Index t = 0;
  auto sweep = [&] {
    sampler.step(model, x, noise.with_time(spec.measurement, static_cast<std::uint64_t>(t)), work);
    ++t;
  };
  for (Index s = 0; s < spec.burn_in; ++s) sweep();

  ChainSums sums(ref);
  GroupedChainSums groups(ref);  // chain groups of the jackknife standard errors
  Matrix half_sum[2] = {Matrix::Zero(m, share.count), Matrix::Zero(m, share.count)};
  double half_count[2] = {0, 0};
  const Index half = spec.window / 2;
  for (Index w = 0; w < spec.window; ++w) {
    sweep();
    const bool summed = w % spec.stride == 0;
    const bool kept = (w + 1) % draw_every == 0 && drawn < n_draws;
    if (!summed && !kept) continue;
    const Vector e = model.energy(x);
    if (kept) {
      const Matrix values = diagnosed.evaluate(x, e);
      for (Index j = 0; j < share.count; ++j) {
        const Index col = kept_column(share.begin + j);
        if (col < 0) continue;
        for (Index q = 0; q < n_stat; ++q) draws(q * n_draws + drawn, col) = values(q, j);
      }
      ++drawn;
    }
    if (!summed) continue;
    sums.add(x, e, ref);
    groups.add(x, e, ref, share.begin);
    if constexpr (HasHiddenUnits<Model>) {
      const Matrix hbar = model.hidden_input(x).unaryExpr([](double y) { return sigmoid(y); });
      sums.add_hidden(x, hbar);
      groups.add_hidden(x, hbar, share.begin);
    }
    const int which = w < half ? 0 : 1;
    half_sum[which].topRows(n) += x;
    half_sum[which].row(n) += e.transpose();
    half_count[which] += 1;
  }
  // Per-chain half averages a_c, b_c; team sums of d = b - a, d^2, w = (a + b)/2, w^2.
  Vector moments = Vector::Zero(4 * m);
  if (share.count > 0 && half_count[0] > 0 && half_count[1] > 0) {
    const Matrix a = half_sum[0] / half_count[0], b = half_sum[1] / half_count[1];
    const Matrix d = b - a, avg = 0.5 * (a + b);
    moments.segment(0, m) = d.rowwise().sum();
    moments.segment(m, m) = d.array().square().rowwise().sum().matrix();
    moments.segment(2 * m, m) = avg.rowwise().sum();
    moments.segment(3 * m, m) = avg.array().square().rowwise().sum().matrix();
  }
  team.sum_inplace(as_span(sums.flat()));
  team.sum_inplace(as_span(groups.flat()));
  team.sum_inplace(as_span(moments));
  team.sum_inplace({draws.data(), static_cast<std::size_t>(draws.size())});

  EquilibriumResult out;
  out.method = EquilibriumMethod::long_run;
  if (spec.n_kept > 0) out.samples = gather_kept(x, share, std::min(spec.n_kept, spec.n_chains), team);
  ConvergenceCheck& c = out.check;
  c.z_threshold = spec.z_threshold;
  c.n_chains = spec.n_chains;
  c.burn_in = spec.burn_in;
  c.window = spec.window;
  out.stats = finish(sums, groups, ref);
  if (!out.stats.finite) {
    out.exists = false;
    out.stats = ChainStatistics{};
    out.stats.finite = false;
    out.note = "long-run chains overflowed: no equilibrium";
    out.samples.resize(0, 0);
    return out;
  }
  const double r = static_cast<double>(spec.n_chains);
  c.mean_se.resize(n);
  c.max_abs_z = 0;
  for (Index s = 0; s < m; ++s) {
    const double md = moments[s] / r;
    const double var_d = std::max(0.0, (moments[m + s] - r * md * md) / (r - 1));
    const double mw = moments[2 * m + s] / r;
    const double var_w = std::max(0.0, (moments[3 * m + s] - r * mw * mw) / (r - 1));
    const double se_w = std::sqrt(var_w / r);
    if (s < n) c.mean_se[s] = se_w;
    else c.energy_se = se_w;
    const double se_d = std::sqrt(var_d / r);
    const double z = md == 0.0 ? 0.0 : (se_d > 0 ? std::abs(md) / se_d : std::numeric_limits<double>::infinity());
    if (c.worst < 0 || z > c.max_abs_z) {
      c.max_abs_z = z;
      c.worst = s;
    }
  }
  c.z_passed = c.max_abs_z < c.z_threshold;
  c.rhat_threshold = spec.rhat_threshold;
  c.ess_threshold = spec.ess_min;
  c.draw_every = draw_every;
  c.n_draws = n_draws;
  c.diagnostic_chains = keep_a + keep_b;
  c.data_started = data_started;
  if (n_draws >= 4) diagnose_draws(draws, n_draws, diagnosed, c);
  out.note = conclude_long_run(c, n);
  return out;
}

/// Dispatches on `method` (see the file comment); `automatic` picks theory, exact or long-run by the
/// model. Throws std::invalid_argument for a method the model cannot use (theory for a bm, exact
/// beyond 20 units): the configuration's validation refuses those first.
template <class Model, class Sampler, class Start, Reducer R>
EquilibriumResult measure_equilibrium(EquilibriumMethod method, const Model& model, const Sampler& sampler,
                                      const Start& p0, const DataReference& ref, const LongRunSpec& spec,
                                      R& team) {
  constexpr bool is_gaussian = std::same_as<Model, GaussianEnergy>;
  constexpr bool is_spins = std::same_as<Model, IndependentSpins>;
  constexpr bool is_pairwise = is_spins || std::same_as<Model, BoltzmannMachine>;
  constexpr bool is_rbm = std::same_as<Model, BernoulliRbm>;
  constexpr bool has_ula = requires { sampler.step_size(); sampler.temperature(); };
  using M = EquilibriumMethod;
  if (method == M::none) {
    EquilibriumResult out;
    out.method = EquilibriumMethod::none;
    out.exists = false;
    out.note = "not measured (measure.equilibrium = none)";
    out.stats.finite = false;
    return out;
  }
  M chosen = method;
  if (method == M::automatic) {
    if constexpr ((is_gaussian && has_ula) || is_spins) chosen = M::theory;
    else if constexpr (is_pairwise) chosen = model.dim() <= exact::kMaxEnumerableUnits ? M::exact : M::long_run;
    else if constexpr (is_rbm)
      chosen = std::min(model.n_visible(), model.n_hidden()) <= exact::kMaxEnumerableUnits ? M::exact : M::long_run;
    else chosen = M::long_run;
  }
  if (chosen == M::theory) {
    if constexpr (is_gaussian && has_ula)
      return gaussian_theory_equilibrium(model, {sampler.step_size(), sampler.temperature()}, ref);
    else if constexpr (is_spins)
      return spins_theory_equilibrium(model, ref);
    else
      throw std::invalid_argument("equilibrium method theory: only gaussian (langevin) and spins have closed forms");
  }
  if (chosen == M::exact) {
    if constexpr (is_pairwise) return exact_equilibrium(exact::pairwise(model), ref);
    else if constexpr (is_rbm) return exact_equilibrium(model, ref);
    else throw std::invalid_argument("equilibrium method exact: only spins, bm and rbm can be enumerated");
  }
  return long_run_equilibrium(model, sampler, p0, ref, spec, team);
}

}  // namespace shortrun

#pragma once
/// Equilibrium references of docs/theory.md section 5, item 4, stored beside the dynamics:
///   theory    Gaussian + ULA: the stationary ULA law, per mode v(inf) = T / (J_a (1 - eta J_a / 2)),
///             mean J^-1 h; "no equilibrium" when a mode has J_a <= 0 or J_a >= 2/eta.
///             Independent spins: <s_i> = tanh h_i (pm1) or sigmoid h_i (01), independent units.
///   exact     enumeration: bm and spins (N <= 26), RBM (smaller layer <= 26); beyond 20 units
///             streamed (exact::streamed_pairwise, exact::streamed_rbm: no 2^N vector).
///   long-run  persistent chains in two sets started apart: chains 0 .. R/2-1 from p0, chains
///             R/2 .. R-1 from data rows (LongRunSpec::data_start; p0 again when it is empty);
///             burn_in sweeps, then a window of `window` sweeps whose statistics are pooled over
///             chains and steps, with convergence checks.
///   pt        parallel tempering (replica exchange): every chain is a ladder of R replicas at
///             inverse temperatures 0 < beta_1 < ... < beta_R = 1. Binary models: replica k is the
///             model with its parameters times beta_k (bm, spins: the energy times beta, the configured
///             single-site sampler; rbm: the joint energy times beta, block Gibbs, so replica k samples
///             the visible marginal of exp(-beta_k E(v, h)) with free energy F_k). Langevin (gaussian,
///             convnet; TemperatureTempered): tempered on the sampler's side, since scaling a
///             nonlinear network's parameters does not scale its energy: replica k is the model
///             itself under ULA at temperature T / beta_k, x <- x - eta dE/dx + sqrt(2 eta T /
///             beta_k) xi, whose law is exp(-beta_k E / T) up to ULA's O(eta) bias (swaps with the
///             Boltzmann ratio below add a bias of that order too). One sweep = one
///             sampler step of every replica, then swaps of neighbours (k, k+1), k even on even sweeps
///             and odd on odd ones, each accepted with probability min(1, exp(F_k(x_k) + F_k+1(x_k+1)
///             - F_k(x_k+1) - F_k+1(x_k))) = min(1, exp((beta_k - beta_k+1)(E_k - E_k+1) / T)) for
///             an energy linear in beta (T = 1 for the binary models; one uniform per chain and pair,
///             stream equilibrium_swap). The rbm's four free energies of a pair come from two
///             products, W^T x_k and W^T x_k+1, each serving both rungs (F_beta of rung beta theta:
///             -beta a.v - sum_j softplus(beta (b_j + (W^T v)_j))); so do the bridge's below.
///             Ladder: TemperingSpec::betas when given; else geometric from beta_min to 1 with
///             `replicas` rungs, grown during the first half of the burn-in: every
///             max(10, burn_in / 20) sweeps, between every neighbour pair whose swap acceptance over
///             those sweeps (team-wide) is below target_acceptance (0.25), the geometric mean of the
///             pair's betas is inserted (its replicas copy the colder neighbour's states), up to
///             max_replicas. Chain c's ladder is one unit of work (a rank owns whole ladders); replica
///             q rungs below beta = 1 draws as chain q 2^40 + c (q = 0: the long-run chain's streams).
///             The beta = 1 replicas give the statistics, with the two chain sets, window and
///             checks of long-run; reported: the ladder, per-pair acceptance over the window, round
///             trips (a replica's label going beta_1 -> beta_R -> beta_1, all chains, whole run) and
///             the sweep the first one completed. Costs R times a long run.
///   ptt       parallel trajectory tempering: pt with the run's earlier training checkpoints as the
///             ladder instead of temperatures (TemperingSpec::trajectory, oldest first; the model
///             itself is the top rung; all betas 1, no adaptation). Rung k samples the law of
///             checkpoint k with the configured sampler; a swap of neighbours (k, k+1) is accepted
///             with probability min(1, exp(F_k(x_k) + F_k+1(x_k+1) - F_k(x_k+1) - F_k+1(x_k))), the
///             same rule with the two checkpoints' energies (free energies for the rbm). Early
///             checkpoints have weak couplings and mix fast, and training moves the law slowly, so
///             neighbouring checkpoints overlap (the idea of Bereux et al.'s trajectory annealing and
///             tempering for RBMs). Same statistics, checks and reports as pt, plus the rungs' updates.
///             Langevin: pt only (no ptt: BadInput in the gaussian and convnet families).
///             log Z by bridge sampling along the ladder (Meng & Wong 1996, geometric bridge; binary
///             models only: for a continuous model the beta = 0 rung has no normalisable law, so with
///             Langevin the bridge is off, log Z NaN and no pt_bridge_* records): the
///             ladder is extended by a base rung beta_0 = 0, the model with all parameters times 0,
///             whose law is uniform over the visible units and whose log Z_0 = N log 2 - F_0 is
///             closed form (bm, spins: N log 2; rbm: (Nv + Nh) log 2), with fresh independent uniform
///             draws per chain (stream log_z_bridge, time = measurement, sub = sweep). For each pair of
///             neighbours (lo, hi), with f = -(tempered energy) (rbm: -F_beta; ptt: the checkpoints' -E),
///               Z_hi / Z_lo = E_lo[exp((f_hi - f_lo)/2)] / E_hi[exp((f_lo - f_hi)/2)],
///             each expectation the mean over chains of the chain's average over TemperingSpec::
///             bridge_draws states thinned evenly over the window (the ladder is fixed then), and
///             log Z = log Z_0 + sum of the pairs' log ratios. Its standard error is the delta method
///             over independent chains: L_c = sum_pairs (A_c / mean A - B_c / mean B) for the chain's
///             averages A_c, B_c of the two expectations, se = sd(L) / sqrt(R), which counts the
///             autocorrelation within a chain and the correlation between rungs of one ladder. It is
///             only as good as the beta = 1 replicas are at equilibrium (the convergence checks),
///             and needs overlap between neighbours (PT's swap acceptance; between the base and beta_1
///             lower measure.pt_beta_min if that pair's ratio dominates the error).
///   auto      theory for gaussian (with Langevin) and spins, exact for bm with N <= 26 and for rbm
///             where exact::rbm_auto_enumerates (smaller layer <= 20, or <= 26 at bounded work),
///             else pt (bm, rbm) or long-run (convnet).
/// Precision (long-run, pt, ptt): the template argument Scalar (the run's model.precision) is the
/// precision the sampler steps in, on the model's working copy (models/working_precision.hpp) of
/// each replica; float32 steps a float copy of the states and widens it back (detail::step_in).
/// The states in between, energies, free energies, swap decisions, bridge terms and statistics are
/// double in either precision, but for one product: float32 rbm pt takes the swaps' W^T v from
/// the float32 working copy (the rest of the swaps' free energies in double); start states are
/// drawn as in float64.
/// Convergence checks of long-run and pt (all must pass for converged = true):
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
#include <type_traits>
#include <utility>
#include <vector>

#include "shortrun/core/parameters.hpp"
#include "shortrun/core/progress_tick.hpp"
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

/// The ladder of parallel tempering (measure.equilibrium = pt; file comment).
struct TemperingSpec {
  std::vector<double> betas;     ///< given ladder, 0 < beta_1 <= ... <= beta_R = 1 (empty: geometric + adaptive)
  Index replicas = 8;            ///< R of the initial geometric ladder
  double beta_min = 0.05;        ///< its beta_1
  bool adapt = true;             ///< grow the geometric ladder during the first half of the burn-in
  double target_acceptance = 0.25;  ///< insert a beta between neighbours accepting fewer swaps
  Index max_replicas = 32;       ///< the cap of that growth
  /// Trajectory tempering (ptt): the parameters of earlier training checkpoints, oldest first, are
  /// the rungs below the model (the top rung); betas and adaptation are then unused. Empty with
  /// `along_trajectory`: one rung, the model (a long run with pt's reports).
  bool along_trajectory = false;
  std::vector<Vector> trajectory;
  std::vector<Index> trajectory_steps;  ///< their updates, (trajectory.size()); reported
  Index step = 0;                       ///< the update of the model itself (the top rung)
  Index bridge_draws = 100;      ///< states per chain and rung for the bridge log Z (thinned evenly over the window; 0: off)
};

struct LongRunSpec {
  Index n_chains = 1000;    ///< R, for the whole team
  Index burn_in = 1000;     ///< sweeps before the window
  Index window = 1000;      ///< sweeps of the measurement window (>= 2)
  Index stride = 1;         ///< statistics every stride-th sweep of the window
  double z_threshold = 5.0; ///< converged iff max |z| < z_threshold
  std::uint64_t seed = 1;
  std::uint64_t measurement = 0;  ///< as DynamicsSpec::measurement
  Index n_kept = 0;               ///< chains 0 .. n_kept-1 whose final state is kept (images)
  Index n_final = 0;              ///< chains 0 .. n_final-1 whose final state is returned (reverse AIS)
  /// States (N x rows, not owned) the second chain set starts from: chain c >= R/2 starts at a
  /// column drawn uniformly (stream equilibrium_p0, sub 1). Null or empty: the second set starts
  /// from p0 too (its own draws: population data, which have no rows).
  const Matrix* data_start = nullptr;
  double rhat_threshold = 1.01;  ///< every diagnosed statistic needs R-hat < rhat_threshold
  double ess_min = 100;          ///< and bulk ESS >= ess_min
  Index max_draws = 100;         ///< draws kept per chain for the diagnostics (thinned evenly)
  Index max_diagnostic_chains = 2000;  ///< chains whose draws are kept, half from each set
  Index n_top = 3;               ///< diagnosed unit means and pair products (each)
  TemperingSpec pt;              ///< parallel tempering only
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

/// The ladder a parallel-tempering reference ran with, and how well replicas travelled along it.
struct TemperingResult {
  std::vector<double> betas;       ///< the final ladder, beta_1 .. beta_R = 1
  std::vector<double> acceptance;  ///< swap acceptance of each neighbour pair (k, k+1) over the window, (R - 1)
  Index round_trips = 0;           ///< beta_1 -> beta_R -> beta_1 trips of replicas, all chains, whole run
  Index first_round_trip = -1;     ///< sweeps (from the start) when the first trip completed; -1: none
  Index inserted = 0;              ///< betas the adaptive rule inserted during the burn-in
  std::vector<Index> steps;        ///< ptt: the update of each rung's checkpoint, the last the model's, (R)
  /// Bridge sampling along the ladder (file comment, "pt"); NaN when off (bridge_draws = 0).
  double log_z = std::numeric_limits<double>::quiet_NaN();
  double log_z_se = std::numeric_limits<double>::quiet_NaN();
  double log_z_base = std::numeric_limits<double>::quiet_NaN();  ///< log Z at beta = 0 (closed form)
  std::vector<double> bridge_log_ratio;  ///< log Z_k / Z_k-1 per pair, the first from beta = 0 to beta_1, (R)
  Index bridge_draws = 0;          ///< states per chain and rung the bridge used
};

/// Replica q steps below beta = 1 draws its streams as chain q 2^kReplicaShift + c.
inline constexpr int kReplicaShift = 40;

/// The ladder of trajectory tempering (ptt) below the checkpoint of update `step`, as indices into
/// `steps` (a run's checkpoint updates, increasing): of the checkpoints before `step`, at most
/// `rungs` evenly spaced by index (round(j (m - 1) / (rungs - 1)) of the m earlier ones), the
/// oldest always in (the fast-mixing end) and the newest when rungs >= 2; oldest first.
std::vector<std::size_t> trajectory_ladder(const std::vector<Index>& steps, Index step, Index rungs);

/// Throws std::invalid_argument unless 0 < betas[0] <= ... <= betas[R-1] = 1 (R >= 1).
void check_ladder(const std::vector<double>& betas);
/// "8 replicas, beta_1 = 0.05, swap acceptance min 0.31, 153 round trips (first after 87 sweeps)".
std::string describe(const TemperingResult& r);

struct EquilibriumResult {
  EquilibriumMethod method = EquilibriumMethod::none;  ///< theory, exact, long_run, pt or none (never automatic)
  /// False: the model has no equilibrium reachable by its sampler (an unstable Gaussian mode, or
  /// long-run chains that overflowed); `stats` is then empty with stats.finite = false.
  bool exists = true;
  std::string note;         ///< why not, or the convergence verdict in words
  ChainStatistics stats;
  double log_z = std::numeric_limits<double>::quiet_NaN();  ///< exact / theory only
  ConvergenceCheck check;   ///< long-run and pt only
  TemperingResult tempering;  ///< pt only
  Matrix samples;           ///< long-run: final states of chains 0 .. n_kept-1, (N x n_kept)
  Matrix final_states;      ///< long-run, pt: final beta = 1 states of chains 0 .. n_final-1, (N x n_final)
};

/// Gaussian: stationary ULA moments. log_z is that of the Boltzmann law exp(-E/T) (J positive
/// definite): N/2 log(2 pi T) - 1/2 log det J + h^T J^-1 h / (2T); ULA's stationary law differs
/// from it by O(eta).
EquilibriumResult gaussian_theory_equilibrium(const GaussianEnergy& model, const gaussian_theory::Ula& ula,
                                              const DataReference& ref);
/// Independent spins: tanh h / sigmoid h, log Z = sum_i log(exp(h_i up) + exp(h_i low)).
EquilibriumResult spins_theory_equilibrium(const IndependentSpins& model, const DataReference& ref);
/// Enumeration (N <= 26, streamed beyond 20; throws std::invalid_argument above 26).
EquilibriumResult exact_equilibrium(const exact::PairwiseModel& model, const DataReference& ref);
/// The law-vector enumeration exact_equilibrium runs up to exact::kMaxEnumerableUnits units.
EquilibriumResult enumerated_exact_equilibrium(const exact::PairwiseModel& model, const DataReference& ref);
/// Enumeration over the visible layer when Nv <= 20, else over the hidden layer (Nh <= 20); when
/// both layers exceed 20 units, streamed over the smaller one (<= 26 units; the visible layer on a
/// tie; over_hidden is then ignored). Over the hidden layer (or with over_hidden = true, for checks) the mean free energy has no closed
/// form: energy_mean and energy_std are NaN (unknown), and the note says so.
EquilibriumResult exact_equilibrium(const BernoulliRbm& rbm, const DataReference& ref, bool over_hidden = false);
/// The streamed enumeration beyond exact::kMaxEnumerableUnits units (up to kMaxStreamedUnits), which
/// exact_equilibrium calls there; the RBM over its smaller layer.
EquilibriumResult streamed_exact_equilibrium(const exact::PairwiseModel& model, const DataReference& ref);
EquilibriumResult streamed_exact_equilibrium(const BernoulliRbm& rbm, const DataReference& ref);

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

namespace detail {

/// The window and the checks shared by long-run and parallel tempering: x (N x share.count) holds
/// this rank's chains at the model's own law (beta = 1), already started (chains >= n_chains / 2
/// from data rows when data_started); advance(t) moves them by sweep t (t = 0 .. burn_in + window - 1;
/// collective: every rank calls it as often). Fills stats, check and note; out.method = method.
template <class Model, class Advance, Reducer R>
EquilibriumResult persistent_chains(const Model& model, Matrix& x, const Share& share, bool data_started,
                                    Advance&& advance, const DataReference& ref, const LongRunSpec& spec,
                                    EquilibriumMethod method, R& team) {
  const Index n = ref.dim(), m = n + 1;  // compared statistics: unit means and the energy
  const Index second_set = spec.n_chains / 2;  // first chain of the set started from data

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
    advance(t);
    ++t;
    progress_tick();
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
    const ChainTerms terms = chain_terms(model, x);
    const Vector& e = terms.energy;
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
    accumulate_chains(x, terms, ref, groups, share.begin);
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
  team.sum_inplace(as_span(groups.flat()));
  groups.total(sums);
  team.sum_inplace(as_span(moments));
  team.sum_inplace({draws.data(), static_cast<std::size_t>(draws.size())});

  EquilibriumResult out;
  out.method = method;
  if (spec.n_kept > 0) out.samples = gather_kept(x, share, std::min(spec.n_kept, spec.n_chains), team);
  if (spec.n_final > 0) out.final_states = gather_kept(x, share, std::min(spec.n_final, spec.n_chains), team);
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
    out.note = is_tempered(method) ? "parallel-tempering chains overflowed: no equilibrium"
                                   : "long-run chains overflowed: no equilibrium";
    out.samples.resize(0, 0);
    out.final_states.resize(0, 0);
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

/// Scratch of step_in: the float copy of the states and the sampler's work matrix.
template <class Scalar>
struct StepScratch {
  StepScratch(Index rows, Index cols) : work(rows, cols) {}
  MatrixOf<Scalar> chains;
  MatrixOf<Scalar> work;
};

/// One sampler step of the double states x in precision Scalar: float64 steps x itself; float32
/// steps a float copy (exact once the states have been stepped in float: they are float values)
/// on `working`, the model's float32 working copy, and widens the result back into x.
template <class Scalar, class Sampler, class Working>
void step_in(const Sampler& sampler, const Working& working, Matrix& x, const ChainStreams& rng,
             StepScratch<Scalar>& s) {
  if constexpr (std::is_same_v<Scalar, double>) {
    sampler.step(working, x, rng, s.work);
  } else {
    s.chains = x.template cast<Scalar>();
    sampler.step(working, s.chains, rng, s.work);
    x = s.chains.template cast<double>();
  }
}

/// Whether chains of the second set (chains >= n_chains / 2) start from data rows, after checking them.
inline bool data_started(const LongRunSpec& spec, Index n, const char* who) {
  const bool yes = spec.data_start != nullptr && spec.data_start->cols() > 0;
  if (yes && spec.data_start->rows() != n) throw std::invalid_argument(std::string(who) + ": data_start has the wrong dimension");
  return yes;
}

}  // namespace detail

/// Long persistent chains (collective over `team`; every rank returns the same result), stepped in
/// precision Scalar (file comment, "Precision").
template <class Scalar = double, class Model, class Sampler, class Start, Reducer R>
  requires HasWorkingPrecision<Model, Scalar>
EquilibriumResult long_run_equilibrium(const Model& model, const Sampler& sampler, const Start& p0,
                                       const DataReference& ref, const LongRunSpec& spec, R& team) {
  if (spec.n_chains < 2 || spec.window < 2 || spec.stride < 1 || spec.burn_in < 0)
    throw std::invalid_argument("long-run equilibrium: needs n_chains >= 2, window >= 2, stride >= 1, burn_in >= 0");
  const Index n = ref.dim();
  const Share share = share_of(spec.n_chains, team.rank(), team.size());
  ChainStreams streams;
  streams.seed = spec.seed;
  streams.first_chain = static_cast<std::uint64_t>(share.begin);
  const ChainStreams noise = streams.with_purpose(Purpose::equilibrium_sampler);
  Matrix x(n, share.count);
  detail::StepScratch<Scalar> scratch(n, share.count);
  p0.draw(x, streams.with_purpose(Purpose::equilibrium_p0).with_time(spec.measurement, 0));
  const Index second_set = spec.n_chains / 2;  // first chain of the set started from data
  const bool data_started = detail::data_started(spec, n, "long-run equilibrium");
  const auto& working = working_precision<Scalar>(model);
  if (data_started) {
    const Matrix& rows = *spec.data_start;
    const ChainStreams pick = streams.with_purpose(Purpose::equilibrium_p0).with_time(spec.measurement, 1);
    for (Index j = 0; j < share.count; ++j)
      if (share.begin + j >= second_set) x.col(j) = rows.col(pick.chain(j).below(rows.cols()));
  }
  auto advance = [&](Index t) {
    detail::step_in(sampler, working, x, noise.with_time(spec.measurement, static_cast<std::uint64_t>(t)), scratch);
  };
  return detail::persistent_chains(model, x, share, data_started, advance, ref, spec, EquilibriumMethod::long_run, team);
}

/// The geometric ladder of `count` inverse temperatures from beta_min to 1 (count >= 1; 1: {1}):
/// beta_k = beta_min^((count - 1 - k) / (count - 1)), k = 0 .. count - 1.
std::vector<double> geometric_ladder(double beta_min, Index count);

/// pt's customisation point, chosen at compile time: how the replica at inverse temperature beta
/// is made (file comment, "pt"). A sampler with a temperature T (Langevin, ULA) is tempered on its
/// side: the model unchanged, the sampler at temperature T / beta (drift unchanged, noise times
/// beta^-1/2), law exp(-beta E / T) (a nonlinear energy such as the ConvNet's is not scaled by
/// scaling its parameters). Every other sampler (single-site, block Gibbs: T = 1) keeps the model
/// times beta.
template <class Sampler>
concept TemperatureTempered = requires(const Sampler& s) {
  { s.temperature() } -> std::convertible_to<double>;
  { s.step_size() } -> std::convertible_to<double>;
} && std::constructible_from<Sampler, double, double>;

/// The sampler of the replica at beta: step size unchanged, temperature T / beta.
template <TemperatureTempered Sampler>
Sampler tempered_sampler(const Sampler& sampler, double beta) {
  return Sampler(sampler.step_size(), sampler.temperature() / beta);
}

/// Parallel tempering (replica exchange; file comment "pt"), collective over `team`: every rank
/// returns the same result. Each chain c is a ladder of R replicas at beta_1 < ... < beta_R = 1,
/// each the model with its parameters times beta (the bm's and the spins' energy times beta; the
/// rbm's joint energy times beta, sampled by block Gibbs at beta), or with a Langevin sampler the
/// model at temperature T / beta (TemperatureTempered); a rank owns whole ladders (the chains of
/// share_of), so swaps are local. Statistics of the beta = 1 replicas only, with the window and
/// checks of long-run. Langevin: no trajectory tempering and no bridge log Z (file comment). The
/// replicas step in precision Scalar (file comment, "Precision").
template <class Scalar = double, class Model, class Sampler, class Start, Reducer R>
  requires HasWorkingPrecision<Model, Scalar>
EquilibriumResult pt_equilibrium(const Model& model, const Sampler& sampler, const Start& p0,
                                 const DataReference& ref, const LongRunSpec& spec, R& team) {
  if (spec.n_chains < 2 || spec.window < 2 || spec.stride < 1 || spec.burn_in < 0)
    throw std::invalid_argument("pt equilibrium: needs n_chains >= 2, window >= 2, stride >= 1, burn_in >= 0");
  const TemperingSpec& pt = spec.pt;
  const bool trajectory = pt.along_trajectory;
  constexpr bool by_temperature = TemperatureTempered<Sampler>;
  if (by_temperature && trajectory)
    throw std::invalid_argument("ptt equilibrium: trajectory tempering is for binary models (Langevin: use pt)");
  std::vector<double> betas = trajectory         ? std::vector<double>(pt.trajectory.size() + 1, 1.0)
                              : pt.betas.empty() ? geometric_ladder(pt.beta_min, pt.replicas)
                                                 : pt.betas;
  check_ladder(betas);
  if (pt.trajectory_steps.size() != pt.trajectory.size())
    throw std::invalid_argument("ptt equilibrium: one update number per checkpoint of the ladder");
  for (const Vector& p : pt.trajectory)
    if (p.size() != model.params().size())
      throw std::invalid_argument("ptt equilibrium: a checkpoint's parameters do not fit the model");
  const bool adapt = !trajectory && pt.betas.empty() && pt.adapt;
  const Index n = ref.dim();
  const Share share = share_of(spec.n_chains, team.rank(), team.size());
  const Index local = share.count;
  ChainStreams streams;
  streams.seed = spec.seed;
  streams.first_chain = static_cast<std::uint64_t>(share.begin);
  // Replica q steps from the top (q = 0: beta = 1) draws as chain q 2^40 + c: the beta = 1 replicas
  // start as the long-run chains do.
  auto replica_streams = [&](const ChainStreams& s, Index q) {
    ChainStreams r = s;
    r.first_chain += static_cast<std::uint64_t>(q) << kReplicaShift;
    return r;
  };
  const ChainStreams noise = streams.with_purpose(Purpose::equilibrium_sampler);
  const ChainStreams swap_streams = streams.with_purpose(Purpose::equilibrium_swap);
  const Index second_set = spec.n_chains / 2;
  const bool data_started = detail::data_started(spec, n, "pt equilibrium");

  // slots[k]: the states at betas[k] (N x local); the last is the beta = 1 slot, x.
  Index n_rep = static_cast<Index>(betas.size());
  std::vector<Matrix> slots(static_cast<std::size_t>(n_rep), Matrix(n, local));
  for (Index k = 0; k < n_rep; ++k)
    p0.draw(slots[static_cast<std::size_t>(k)],
            replica_streams(streams.with_purpose(Purpose::equilibrium_p0).with_time(spec.measurement, 0), n_rep - 1 - k));
  if (data_started) {
    const Matrix& rows = *spec.data_start;
    const ChainStreams pick = streams.with_purpose(Purpose::equilibrium_p0).with_time(spec.measurement, 1);
    for (Index j = 0; j < local; ++j)
      if (share.begin + j >= second_set) {
        const Index row = pick.chain(j).below(rows.cols());
        for (auto& s : slots) s.col(j) = rows.col(row);
      }
  }
  // The replicas (TemperatureTempered): by parameters, one tempered model per rung and the sampler
  // shared; by temperature, the model shared and one sampler per rung at T / beta.
  std::vector<Model> tempered;
  std::vector<Sampler> hot;
  // float32: the working copies the replicas step on (by parameters, one per rung; by
  // temperature, the model's, shared).
  using Working = std::remove_cvref_t<decltype(working_precision<Scalar>(model))>;
  std::vector<Working> working;
  auto temper = [&] {
    if constexpr (by_temperature) {
      hot.clear();
      for (const double beta : betas) hot.push_back(tempered_sampler(sampler, beta));
    } else {
      tempered.assign(static_cast<std::size_t>(n_rep), model);
      for (Index k = 0; k < n_rep; ++k)
        if (trajectory && k + 1 < n_rep) tempered[static_cast<std::size_t>(k)].params() = pt.trajectory[static_cast<std::size_t>(k)];
        else if (betas[static_cast<std::size_t>(k)] != 1.0) tempered[static_cast<std::size_t>(k)].params() *= betas[static_cast<std::size_t>(k)];
    }
    if constexpr (!std::is_same_v<Scalar, double>) {
      working.clear();
      if constexpr (by_temperature) working.push_back(working_precision<Scalar>(model));
      else for (const Model& m : tempered) working.push_back(working_precision<Scalar>(m));
    }
  };
  temper();
  auto replica_model = [&](std::size_t k) -> const Model& {
    if constexpr (by_temperature) return model;
    else return tempered[k];
  };
  // What replica k steps on: the replica's model, or its working copy in float32.
  auto replica_working = [&](std::size_t k) -> decltype(auto) {
    if constexpr (std::is_same_v<Scalar, double>) return replica_model(k);
    else return static_cast<const Working&>(working[by_temperature ? 0 : k]);
  };
  auto replica_sampler = [&](std::size_t k) -> const Sampler& {
    if constexpr (by_temperature) return hot[k];
    else return sampler;
  };
  // The swap rule's temperature: exp((beta_k - beta_k+1)(E_k - E_k+1) / T).
  const double swap_temperature = [&] {
    if constexpr (by_temperature) return sampler.temperature();
    else return 1.0;
  }();

  // Replica labels per slot and chain, and each label's round-trip state per chain: 0 not yet at
  // beta_1, 1 left beta_1 (heading for beta_R), 2 reached beta_R since (heading back).
  std::vector<std::vector<Index>> label(static_cast<std::size_t>(n_rep), std::vector<Index>(static_cast<std::size_t>(local)));
  std::vector<std::vector<unsigned char>> trip;
  for (Index k = 0; k < n_rep; ++k) {
    std::fill(label[static_cast<std::size_t>(k)].begin(), label[static_cast<std::size_t>(k)].end(), k);
    trip.emplace_back(static_cast<std::size_t>(local), 0);
  }
  double round_trips = 0;
  Vector first_trip = Vector::Zero(spec.n_chains);  // sweep + 1 of each chain's first round trip (0: none)
  std::vector<double> tried(static_cast<std::size_t>(n_rep - 1), 0.0), taken(tried);

  detail::StepScratch<Scalar> scratch(n, local);
  const bool four_energies = !by_temperature && (HasHiddenUnits<Model> || trajectory);
  // The rbm's rungs of pt are beta_k theta, so the free energies of one set of states at two rungs
  // come from one product W^T v (BernoulliRbm::free_energies_at): two products per swap attempt
  // and per bridge draw of a rung pair instead of four. ptt's rungs are other checkpoints.
  constexpr bool kRungPairEnergies = requires(const Model& m, const Matrix& v) { m.free_energies_at(v, 1.0, 1.0); };
  const bool shared_products = kRungPairEnergies && !trajectory && !by_temperature;
  auto rung_free_energies = [&](const Matrix& xs, double beta_lo, double beta_hi) -> Matrix {
    if constexpr (kRungPairEnergies) return model.free_energies_at(xs, beta_lo, beta_hi);
    else return Matrix();  // not called: shared_products is false
  };
  // The swaps' free energies in float32 runs: the product W^T v in float32 on the beta = 1 rung's
  // working copy (the model's; the states are float values), the rest in double. The swap rule
  // then sees F to float rounding (~1e-7 relative per term), as the float32 sampler steps see
  // their conditionals. The bridge's terms (log Z) keep the double products.
  constexpr bool kFloatSwapEnergies =
      !std::is_same_v<Scalar, double> && kRungPairEnergies &&
      requires(const Model& m, const Working& w, const MatrixOf<Scalar>& v, MatrixOf<Scalar>& in) {
        w.weights().hidden_input(v, in);
        m.free_energies_from_input(Matrix(), Matrix(), 1.0, 1.0);
      };
  MatrixOf<Scalar> swap_states, swap_input;
  auto swap_free_energies = [&](const Matrix& xs, double beta_lo, double beta_hi) -> Matrix {
    if constexpr (kFloatSwapEnergies) {
      swap_states = xs.template cast<Scalar>();
      working.back().weights().hidden_input(swap_states, swap_input);
      return model.free_energies_from_input(xs, swap_input.template cast<double>(), beta_lo, beta_hi);
    } else {
      return rung_free_energies(xs, beta_lo, beta_hi);
    }
  };
  std::vector<Vector> energy(static_cast<std::size_t>(n_rep));
  const Index adapt_every = std::max<Index>(10, spec.burn_in / 20), adapt_until = spec.burn_in / 2;
  Index inserted = 0;

  auto adapt_ladder = [&] {
    Vector counts(2 * (n_rep - 1));
    for (Index k = 0; k + 1 < n_rep; ++k) {
      counts[k] = tried[static_cast<std::size_t>(k)];
      counts[n_rep - 1 + k] = taken[static_cast<std::size_t>(k)];
    }
    team.sum_inplace(as_span(counts));
    std::vector<Index> low;  // pairs below the target, inserted from the top so indices stay valid
    for (Index k = 0; k + 1 < n_rep; ++k)
      if (counts[k] > 0 && counts[n_rep - 1 + k] < pt.target_acceptance * counts[k]) low.push_back(k);
    for (auto it = low.rbegin(); it != low.rend() && n_rep < pt.max_replicas; ++it) {
      const auto k = static_cast<std::size_t>(*it);
      betas.insert(betas.begin() + static_cast<std::ptrdiff_t>(k + 1), std::sqrt(betas[k] * betas[k + 1]));
      Matrix copy = slots[k + 1];  // the new replica starts from its colder neighbour's states
      slots.insert(slots.begin() + static_cast<std::ptrdiff_t>(k + 1), std::move(copy));
      label.insert(label.begin() + static_cast<std::ptrdiff_t>(k + 1), std::vector<Index>(static_cast<std::size_t>(local), static_cast<Index>(trip.size())));
      trip.emplace_back(static_cast<std::size_t>(local), 0);  // one new label, shared by the chains
      ++n_rep;
      ++inserted;
    }
    if (!low.empty()) {
      temper();
      energy.resize(static_cast<std::size_t>(n_rep));
    }
    tried.assign(static_cast<std::size_t>(n_rep - 1), 0.0);
    taken.assign(tried.size(), 0.0);
  };

  // Bridge sampling (file comment): per pair p (p = 0: base beta = 0 -> beta_1; p >= 1: rung p-1 ->
  // rung p) and chain, running log-sum-exp of u/2 (row 2p, at the lower rung's states) and of v/2
  // (row 2p + 1, at the upper rung's), every bridge_every sweeps of the window.
  // Langevin: off, its beta = 0 rung has no normalisable law (file comment).
  const bool bridging = !by_temperature && pt.bridge_draws > 0;
  const Index bridge_every = std::max<Index>(1, spec.window / std::max<Index>(1, pt.bridge_draws));
  std::vector<Model> zero_rung;  // the model times 0 (binary models only)
  if constexpr (!by_temperature) {
    zero_rung.assign(1, model);
    zero_rung[0].params().setZero();
  }
  double low = 0;
  if constexpr (requires { model.spin(); }) low = spin_low(model.spin());
  Matrix bridge_top, bridge_sum, base_x(n, local);
  Index bridge_count = 0;
  auto add_log_sum = [](double& top, double& sum, double value) {
    if (value <= top) {
      sum += std::exp(value - top);
    } else {
      sum = sum * std::exp(top - value) + 1.0;
      top = value;
    }
  };
  auto bridge_draw = [&](Index t) {
    if (bridge_count == 0) {
      bridge_top = Matrix::Constant(2 * n_rep, local, -std::numeric_limits<double>::infinity());
      bridge_sum = Matrix::Zero(2 * n_rep, local);
    }
    ++bridge_count;
    for (Index j = 0; j < local; ++j) {
      Stream s(spec.seed, Purpose::log_z_bridge, static_cast<std::uint64_t>(share.begin + j), spec.measurement,
               static_cast<std::uint64_t>(t));
      for (Index i = 0; i < n; ++i) base_x(i, j) = s.uniform() <= 0.5 ? 1.0 : low;
    }
    Vector base_energy;
    if (!four_energies) base_energy = model.energy(base_x);
    for (Index p = 0; p < n_rep; ++p) {
      const auto hi = static_cast<std::size_t>(p);
      Vector u, v;  // f_hi - f_lo at the lower rung's states; f_lo - f_hi at the upper rung's
      if (shared_products && p > 0) {
        const Matrix lo = rung_free_energies(slots[hi - 1], betas[hi - 1], betas[hi]);
        const Matrix up = rung_free_energies(slots[hi], betas[hi - 1], betas[hi]);
        u = lo.col(0) - lo.col(1);
        v = up.col(1) - up.col(0);
      } else if (four_energies) {  // the rbm's free energies, or two checkpoints' energies (ptt)
        const Matrix& lo_x = p == 0 ? base_x : slots[hi - 1];
        const Model& lo_m = p == 0 ? zero_rung[0] : tempered[hi - 1];
        u = lo_m.energy(lo_x) - tempered[hi].energy(lo_x);
        v = tempered[hi].energy(slots[hi]) - lo_m.energy(slots[hi]);
      } else {  // the energy times beta: f_beta = -beta E
        const double d_beta = betas[hi] - (p == 0 ? 0.0 : betas[hi - 1]);
        u = -d_beta * (p == 0 ? base_energy : energy[hi - 1]);
        v = d_beta * energy[hi];
      }
      for (Index j = 0; j < local; ++j) {
        add_log_sum(bridge_top(2 * p, j), bridge_sum(2 * p, j), 0.5 * u[j]);
        add_log_sum(bridge_top(2 * p + 1, j), bridge_sum(2 * p + 1, j), 0.5 * v[j]);
      }
    }
  };

  // The beta = 1 slot is handed to the window as x; it stays slots.back() (swaps exchange columns).
  Matrix x;
  auto advance = [&](Index t) {
    if (t == spec.burn_in) {  // acceptance rates are those of the window
      std::fill(tried.begin(), tried.end(), 0.0);
      std::fill(taken.begin(), taken.end(), 0.0);
    }
    slots.back().swap(x);  // x is the beta = 1 slot between sweeps: take it back for this one
    const auto ts = static_cast<std::uint64_t>(t);
    for (Index k = 0; k < n_rep; ++k)
      detail::step_in(replica_sampler(static_cast<std::size_t>(k)), replica_working(static_cast<std::size_t>(k)),
                      slots[static_cast<std::size_t>(k)],
                      replica_streams(noise, n_rep - 1 - k).with_time(spec.measurement, ts), scratch);
    // Energies for the swaps: along temperatures of a bm or spins, beta E (linear in the
    // parameters) from the model's E, one per replica, and so for Langevin's beta E / T; else (the
    // rbm's free energies F_beta of the tempered models, their visible marginals, or two
    // checkpoints' energies) four per pair.
    if (!four_energies)
      for (Index k = 0; k < n_rep; ++k) energy[static_cast<std::size_t>(k)] = model.energy(slots[static_cast<std::size_t>(k)]);
    // log of the swap's acceptance ratio, F_a(v_a) + F_b(v_b) - F_a(v_b) - F_b(v_a) with f = -F.
    auto log_ratio_of = [&](std::size_t a, std::size_t b) -> Vector {
      if (shared_products) {
        const Matrix fa = swap_free_energies(slots[a], betas[a], betas[b]);
        const Matrix fb = swap_free_energies(slots[b], betas[a], betas[b]);
        return (fa.col(0) - fa.col(1)) + (fb.col(1) - fb.col(0));
      }
      if (four_energies)
        return tempered[a].energy(slots[a]) + tempered[b].energy(slots[b]) - tempered[a].energy(slots[b]) -
               tempered[b].energy(slots[a]);
      return (betas[a] - betas[b]) * (energy[a] - energy[b]) / swap_temperature;
    };
    const Index parity = t % 2;
    for (Index k = parity; k + 1 < n_rep; k += 2) {
      const auto a = static_cast<std::size_t>(k), b = a + 1;
      const Vector log_ratio = log_ratio_of(a, b);
      tried[a] += static_cast<double>(local);
      for (Index j = 0; j < local; ++j) {
        // One uniform per chain and attempted pair, from the chain's swap stream at sweep t.
        Stream s = swap_streams.with_time(spec.measurement, ts).chain(j);
        s.skip(k / 2);
        const double u = s.uniform();
        if (!(log_ratio[j] >= 0 || std::log(u) <= log_ratio[j])) continue;
        slots[a].col(j).swap(slots[b].col(j));
        std::swap(label[a][static_cast<std::size_t>(j)], label[b][static_cast<std::size_t>(j)]);
        if (!four_energies) std::swap(energy[a][j], energy[b][j]);
        taken[a] += 1;
      }
    }
    // Round trips: a label at beta_1 that has been at beta_R since its last visit to beta_1.
    for (Index j = 0; j < local; ++j) {
      const auto jj = static_cast<std::size_t>(j);
      unsigned char& bottom = trip[static_cast<std::size_t>(label.front()[jj])][jj];
      if (bottom == 2) {
        round_trips += 1;
        if (first_trip[share.begin + j] == 0) first_trip[share.begin + j] = static_cast<double>(t + 1);  // sweeps done
      }
      bottom = 1;
      unsigned char& top = trip[static_cast<std::size_t>(label.back()[jj])][jj];
      if (top == 1 && n_rep > 1) top = 2;
    }
    if (adapt && t + 1 < adapt_until && (t + 1) % adapt_every == 0) adapt_ladder();
    if (bridging && t >= spec.burn_in && (t - spec.burn_in + 1) % bridge_every == 0) bridge_draw(t);
    slots.back().swap(x);
  };
  slots.back().swap(x);
  EquilibriumResult out = detail::persistent_chains(model, x, share, data_started, advance, ref, spec,
                                                    trajectory ? EquilibriumMethod::ptt : EquilibriumMethod::pt, team);

  Vector counts(2 * (n_rep - 1) + 1);
  for (Index k = 0; k + 1 < n_rep; ++k) {
    counts[k] = tried[static_cast<std::size_t>(k)];
    counts[n_rep - 1 + k] = taken[static_cast<std::size_t>(k)];
  }
  counts[2 * (n_rep - 1)] = round_trips;
  team.sum_inplace(as_span(counts));
  team.sum_inplace(as_span(first_trip));
  TemperingResult& r = out.tempering;
  r.betas = betas;
  r.inserted = inserted;
  if (trajectory) {
    r.steps = pt.trajectory_steps;
    r.steps.push_back(pt.step);
  }
  r.acceptance.resize(static_cast<std::size_t>(n_rep - 1));
  for (Index k = 0; k + 1 < n_rep; ++k)
    r.acceptance[static_cast<std::size_t>(k)] =
        counts[k] > 0 ? counts[n_rep - 1 + k] / counts[k] : std::numeric_limits<double>::quiet_NaN();
  r.round_trips = static_cast<Index>(counts[2 * (n_rep - 1)]);
  r.first_round_trip = -1;
  for (Index c = 0; c < spec.n_chains; ++c)
    if (first_trip[c] > 0 && (r.first_round_trip < 0 || first_trip[c] < static_cast<double>(r.first_round_trip)))
      r.first_round_trip = static_cast<Index>(first_trip[c]);
  if (bridging) {
    // Per-chain log averages (log A_c, log B_c per pair), gathered over the team.
    const Index pairs = n_rep, rows = 2 * pairs;
    Matrix logs = Matrix::Zero(rows, spec.n_chains);
    if (bridge_count > 0)
      for (Index j = 0; j < local; ++j)
        for (Index q = 0; q < rows; ++q)
          logs(q, share.begin + j) = bridge_top(q, j) + std::log(bridge_sum(q, j)) - std::log(static_cast<double>(bridge_count));
    team.sum_inplace({logs.data(), static_cast<std::size_t>(logs.size())});
    Vector log_bar(rows);
    for (Index q = 0; q < rows; ++q) {
      const double top = logs.row(q).maxCoeff();
      log_bar[q] = top + std::log((logs.row(q).array() - top).exp().mean());
    }
    r.log_z_base = static_cast<double>(n) * std::log(2.0) - zero_rung[0].energy(Matrix::Constant(n, 1, low))[0];
    r.log_z = r.log_z_base;
    r.bridge_log_ratio.resize(static_cast<std::size_t>(pairs));
    for (Index p = 0; p < pairs; ++p) {
      r.bridge_log_ratio[static_cast<std::size_t>(p)] = log_bar[2 * p] - log_bar[2 * p + 1];
      r.log_z += log_bar[2 * p] - log_bar[2 * p + 1];
    }
    Vector lin = Vector::Zero(spec.n_chains);  // the delta method's per-chain linearisation
    for (Index q = 0; q < rows; ++q)
      lin += (q % 2 == 0 ? 1.0 : -1.0) * (logs.row(q).transpose().array() - log_bar[q]).exp().matrix();
    const double rc = static_cast<double>(spec.n_chains);
    r.log_z_se = std::sqrt((lin.array() - lin.mean()).square().sum() / (rc - 1.0) / rc);
    r.bridge_draws = bridge_count;
    if (!std::isfinite(r.log_z) || bridge_count == 0) r.log_z = r.log_z_se = std::numeric_limits<double>::quiet_NaN();
  }
  if (out.exists) out.note += "; " + describe(r);
  return out;
}

/// Dispatches on `method` (see the file comment); `automatic` picks theory, exact or long-run by the
/// model. Throws std::invalid_argument for a method the model cannot use (theory for a bm, exact
/// beyond 26 units): the configuration's validation refuses those first.
template <class Scalar = double, class Model, class Sampler, class Start, Reducer R>
  requires HasWorkingPrecision<Model, Scalar>
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
    else if constexpr (is_pairwise) chosen = model.dim() <= exact::kMaxStreamedUnits ? M::exact : M::pt;
    else if constexpr (is_rbm)
      chosen = exact::rbm_auto_enumerates(model.n_visible(), model.n_hidden()) ? M::exact : M::pt;
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
  if (is_tempered(chosen)) {
    if constexpr (is_pairwise || is_rbm) {
      if (chosen == M::pt) return pt_equilibrium<Scalar>(model, sampler, p0, ref, spec, team);
      LongRunSpec along = spec;  // ptt: the ladder is spec.pt.trajectory (possibly empty) and the model
      along.pt.along_trajectory = true;
      return pt_equilibrium<Scalar>(model, sampler, p0, ref, along, team);
    } else if constexpr (TemperatureTempered<Sampler>) {  // Langevin: at temperatures T / beta, pt only
      if (chosen == M::pt) return pt_equilibrium<Scalar>(model, sampler, p0, ref, spec, team);
      throw std::invalid_argument("equilibrium method ptt: trajectory tempering is for spins, bm and rbm; use pt with Langevin");
    } else {
      throw std::invalid_argument("equilibrium method pt / ptt: only spins, bm, rbm and Langevin samplers have tempered samplers");
    }
  }
  return long_run_equilibrium<Scalar>(model, sampler, p0, ref, spec, team);
}

}  // namespace shortrun

// The dynamics-versus-equilibrium measurement on Boltzmann machines (docs/theory.md sections 1, 4, 5):
// rdm-k training encodes the data in the dynamics at t = k, not in the equilibrium measure.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../support/binary_fixtures.hpp"
#include "../support/binary_training.hpp"
#include "shortrun/core/log_grid.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/measure/dynamics.hpp"
#include "shortrun/measure/equilibrium.hpp"
#include "shortrun/measure/exact_dynamics.hpp"
#include "shortrun/optim/sgd.hpp"
#include "shortrun/samplers/block_gibbs.hpp"
#include "shortrun/samplers/single_site.hpp"

using namespace shortrun;

namespace {

std::size_t position(const std::vector<Index>& times, Index t) {
  return static_cast<std::size_t>(std::find(times.begin(), times.end(), t) - times.begin());
}

/// n_samples independent exact draws from the Boltzmann law of pm (inverse CDF over 2^N states).
Dataset sample_exactly(const exact::PairwiseModel& pm, Index n_samples, std::uint64_t seed) {
  const Vector p = exact::boltzmann_law(pm);
  std::vector<double> cdf(static_cast<std::size_t>(p.size()));
  double acc = 0;
  for (Index c = 0; c < p.size(); ++c) cdf[static_cast<std::size_t>(c)] = acc += p[c];
  Dataset d;
  d.x.resize(pm.dim(), n_samples);
  for (Index j = 0; j < n_samples; ++j) {
    const double u = Stream(seed, Purpose::data, static_cast<std::uint64_t>(j)).uniform() * acc;
    const auto c = std::min<Index>(static_cast<Index>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin()), p.size() - 1);
    d.x.col(j) = exact::states(pm.dim(), pm.spin, c, 1);
  }
  compute_moments(d);
  return d;
}

struct SampledTrainSpec {
  Scheme scheme = Scheme::rdm;
  Index k = 5;
  Index chains = 500;
  double lr = 0.1;
  Index updates = 1000;
  Index averaged = 300;  ///< the returned parameters are averaged over the last `averaged` updates
};

/// Sampled training of a pm1 bm from J = 0, h = 0 with gibbs-random and uniform p0, through the
/// app's Trainer; returns the Polyak average of the last updates' parameters.
BoltzmannMachine train_sampled(const Dataset& data, const SampledTrainSpec& s) {
  const Index n = data.dim();
  BoltzmannMachine model(n, Spin::pm1);
  LocalReducer team;
  DataTerm data_term(data, 0, 1, 0, 1);
  SampledChains<GibbsRandom, BinaryP0> est(s.scheme, s.k, s.chains, n, BinaryP0::uniform(Spin::pm1, n),
                                           GibbsRandom{}, 7, 0, 1);
  Sgd sgd(s.lr);
  std::vector<Index> steps;
  for (Index u = s.updates - s.averaged + 1; u <= s.updates; ++u) steps.push_back(u);
  Vector sum = Vector::Zero(model.params().size());
  TrainObserver obs;
  obs.on_checkpoint = [&](Index, const Vector& theta) { sum += theta; };
  const TrainOutcome out = train(model, data_term, est, sgd, team, TrainPlan{s.updates, steps, s.updates}, obs);
  REQUIRE(out.status == RunStatus::completed);
  model.params() = sum / static_cast<double>(s.averaged);
  return model;
}

}  // namespace

TEST_CASE("exact path of a tiny bm trained with exact rdm moments meets the data only at t = k", "[measure][bm][exact]") {
  // The setup of the rdm-trained tiny bm test in test_binary_training.cpp.
  const Index n = 6, k = 2;
  const SiteDynamics dynamics{SiteRule::gibbs, SiteOrder::random};
  const auto teacher = exact::law_moments(exact::boltzmann_law(exact::pairwise(test::tiny_bm(n, Spin::pm1, 31, 0.4, 0.3))), n, Spin::pm1);
  const Dataset data = test::population_moments(teacher.mean, teacher.second);
  BoltzmannMachine model(n, Spin::pm1);
  test::BinaryTrainSpec s;
  s.k = k;
  s.dynamics = dynamics;
  s.lr = 0.5;
  s.updates = 20000;
  REQUIRE(test::train_binary_exact(model, data, s).status == RunStatus::completed);

  const DataReference ref = make_reference(model, data);
  const BinaryP0 p0 = BinaryP0::uniform(Spin::pm1, n);
  const std::vector<Index> times = log_grid(100, 20, true, {k});
  const DynamicsResult exact = binary_exact_dynamics(exact::pairwise(model), dynamics, p0, times, ref);
  REQUIRE_FALSE(exact.overflow);
  REQUIRE(exact.t == times);
  const EquilibriumResult eq = exact_equilibrium(exact::pairwise(model), ref);
  REQUIRE(eq.exists);
  const ChainStatistics& at_k = exact.stats[position(times, k)];
  INFO("t = k: mean_err " << at_k.mean_err << " corr_err " << at_k.corr_err << "; equilibrium: mean_err "
                          << eq.stats.mean_err << " corr_err " << eq.stats.corr_err);
  CHECK(at_k.mean_err < 1e-6);
  CHECK(at_k.corr_err < 1e-6);
  CHECK(std::abs(at_k.energy_mean - ref.energy_mean) < 1e-6);
  CHECK(std::max(eq.stats.mean_err, eq.stats.corr_err) > 1e-2);
  // t = 100 sweeps is equilibrium for this weakly coupled model: the two paths meet.
  CHECK((exact.stats.back().mean - eq.stats.mean).cwiseAbs().maxCoeff() < 1e-8);
  CHECK((exact.stats.back().cov - eq.stats.cov).cwiseAbs().maxCoeff() < 1e-8);
  CHECK(exact.stats.back().energy_mean == Approx(eq.stats.energy_mean).epsilon(1e-8));
  CHECK(eq.log_z == Approx(exact::log_partition(exact::pairwise(model))).epsilon(1e-14));
  // auto picks enumeration for a small bm.
  LocalReducer team;
  CHECK(measure_equilibrium(EquilibriumMethod::automatic, model, GibbsRandom{}, p0, ref, LongRunSpec{}, team).method == EquilibriumMethod::exact);

  // The sampled path follows the exact one: entries of means and covariances of pm1 units have
  // per-chain variance <= 1, so standard errors <= 1/sqrt(R).
  DynamicsSpec spec;
  spec.n_chains = 20000;
  spec.times = times;
  spec.seed = 13;
  const DynamicsResult sampled = measure_dynamics(model, GibbsRandom{}, p0, ref, spec, team);
  const double tol = 5.0 / std::sqrt(static_cast<double>(spec.n_chains));
  for (std::size_t i = 0; i < times.size(); ++i) {
    INFO("t = " << times[i]);
    CHECK((sampled.stats[i].mean - exact.stats[i].mean).cwiseAbs().maxCoeff() < tol);
    CHECK((sampled.stats[i].cov - exact.stats[i].cov).cwiseAbs().maxCoeff() < tol);
  }
}

TEST_CASE("long-run equilibrium of a small bm agrees with enumeration and passes its convergence check", "[measure][bm][equilibrium]") {
  const Index n = 6;
  const BoltzmannMachine model = test::tiny_bm(n, Spin::pm1, 37, 0.4, 0.4);
  Dataset data;
  data.x = Matrix::Ones(n, 2);
  data.x(0, 1) = -1;
  compute_moments(data);
  const DataReference ref = make_reference(model, data);
  const BinaryP0 p0 = BinaryP0::uniform(Spin::pm1, n);
  LongRunSpec spec;
  // R-hat of stationary chains is about sqrt(1 + (tau - 1) / n) for n sweeps per half window
  // (the between-chain variance of chain means is tau / n of the within): below 1.01 needs a window
  // of ~100 IATs. The slowest unit here has an IAT of ~26 sweeps (Metropolis, random sites): 4000.
  spec.n_chains = 400;
  spec.burn_in = 50;
  spec.window = 4000;
  spec.seed = 3;
  LocalReducer team;
  const EquilibriumResult lr = measure_equilibrium(EquilibriumMethod::long_run, model, MetropolisRandom{}, p0, ref, spec, team);
  const EquilibriumResult ex = exact_equilibrium(exact::pairwise(model), ref);
  INFO(lr.note);
  CHECK(lr.method == EquilibriumMethod::long_run);
  CHECK(lr.check.converged);
  REQUIRE(lr.check.mean_se.size() == n);
  for (Index i = 0; i < n; ++i) {
    INFO("unit " << i << " long-run " << lr.stats.mean[i] << " exact " << ex.stats.mean[i] << " se " << lr.check.mean_se[i]);
    CHECK(std::abs(lr.stats.mean[i] - ex.stats.mean[i]) < 5 * lr.check.mean_se[i]);
  }
  CHECK(std::abs(lr.stats.energy_mean - ex.stats.energy_mean) < 5 * lr.check.energy_se);
  // The same with float32 chains (model.precision = float32: the bm's float32 working copy), by
  // sequential Gibbs, whose float32 sweeps draw float uniforms (the random-site samplers draw the
  // float64 words in float32 too, so they would repeat the chains above).
  const EquilibriumResult f32 =
      measure_equilibrium<float>(EquilibriumMethod::long_run, model, Gibbs{}, p0, ref, spec, team);
  INFO(f32.note);
  CHECK(f32.check.converged);
  for (Index i = 0; i < n; ++i) {
    INFO("unit " << i << " float32 long-run " << f32.stats.mean[i] << " exact " << ex.stats.mean[i] << " se " << f32.check.mean_se[i]);
    CHECK(std::abs(f32.stats.mean[i] - ex.stats.mean[i]) < 5 * f32.check.mean_se[i]);
  }
  CHECK(std::abs(f32.stats.energy_mean - ex.stats.energy_mean) < 5 * f32.check.energy_se);
  CHECK(f32.stats.mean != measure_equilibrium(EquilibriumMethod::long_run, model, Gibbs{}, p0, ref, spec, team).stats.mean);
  // Without burn-in and with a window shorter than the relaxation, from all-down chains of a
  // strongly biased model, the two halves of the window disagree: the check says so.
  BoltzmannMachine biased(n, Spin::pm1);
  biased.h().setConstant(1.5);
  LongRunSpec short_run = spec;
  short_run.burn_in = 0;
  short_run.window = 4;
  short_run.n_chains = 4000;
  const EquilibriumResult unconverged =
      long_run_equilibrium(biased, MetropolisRandom{}, BinaryP0::zeros(Spin::pm1, n), ref, short_run, team);
  INFO(unconverged.note);
  CHECK_FALSE(unconverged.check.converged);
}

TEST_CASE("sampled rdm-k training puts the smallest error near t = k and pcd at equilibrium", "[measure][bm][sampled]") {
  const Index n = 8, k = 5;
  const exact::PairwiseModel teacher = exact::pairwise(test::tiny_bm(n, Spin::pm1, 53, 0.2, 0.5));
  const Dataset data = sample_exactly(teacher, 5000, 21);
  const BinaryP0 p0 = BinaryP0::uniform(Spin::pm1, n);
  const std::vector<Index> times = log_grid(100, 20, true, {k});
  LocalReducer team;
  DynamicsSpec spec;
  spec.n_chains = 5000;
  spec.times = times;
  spec.seed = 17;

  SampledTrainSpec s;
  s.k = k;
  const BoltzmannMachine rdm = train_sampled(data, s);
  const DataReference rdm_ref = make_reference(rdm, data);
  const DynamicsResult rdm_dyn = measure_dynamics(rdm, GibbsRandom{}, p0, rdm_ref, spec, team);
  const EquilibriumResult rdm_eq = exact_equilibrium(exact::pairwise(rdm), rdm_ref);
  std::size_t best = 0;
  for (std::size_t i = 0; i < times.size(); ++i)
    if (rdm_dyn.stats[i].corr_err < rdm_dyn.stats[best].corr_err) best = i;
  const double at_k = rdm_dyn.stats[position(times, k)].corr_err;
  INFO("rdm: argmin t " << times[best] << " corr_err(k) " << at_k << " min " << rdm_dyn.stats[best].corr_err
                        << " equilibrium " << rdm_eq.stats.corr_err);
  CHECK(2 * times[best] >= k);
  CHECK(times[best] <= 2 * k);
  CHECK(at_k < 0.5 * rdm_eq.stats.corr_err);

  s.scheme = Scheme::pcd;
  const BoltzmannMachine pcd = train_sampled(data, s);
  const DataReference pcd_ref = make_reference(pcd, data);
  const DynamicsResult pcd_dyn = measure_dynamics(pcd, GibbsRandom{}, p0, pcd_ref, spec, team);
  const EquilibriumResult pcd_eq = exact_equilibrium(exact::pairwise(pcd), pcd_ref);
  INFO("pcd: corr_err(k) " << pcd_dyn.stats[position(times, k)].corr_err << " equilibrium " << pcd_eq.stats.corr_err);
  CHECK(pcd_eq.stats.corr_err < pcd_dyn.stats[position(times, k)].corr_err);
}

TEST_CASE("closed-form spin equilibrium equals enumeration and both RBM enumerations agree", "[measure][equilibrium]") {
  for (Spin spin : {Spin::pm1, Spin::zero_one}) {
    IndependentSpins spins(5, spin);
    spins.h() << 0.3, -1.2, 0.0, 2.0, -0.4;
    Dataset data;
    data.x = Matrix::Constant(5, 3, 1.0);
    data.x(2, 1) = data.x(3, 1) = spin_low(spin);
    compute_moments(data);
    const DataReference ref = make_reference(spins, data);
    const EquilibriumResult theory = spins_theory_equilibrium(spins, ref);
    const EquilibriumResult enumerated = exact_equilibrium(exact::pairwise(spins), ref);
    INFO("spin " << spin_name(spin));
    CHECK(theory.method == EquilibriumMethod::theory);
    CHECK((theory.stats.mean - enumerated.stats.mean).cwiseAbs().maxCoeff() < 1e-13);
    CHECK((theory.stats.cov - enumerated.stats.cov).cwiseAbs().maxCoeff() < 1e-13);
    CHECK(theory.stats.energy_mean == Approx(enumerated.stats.energy_mean).epsilon(1e-12));
    CHECK(theory.stats.energy_std == Approx(enumerated.stats.energy_std).epsilon(1e-12));
    CHECK(theory.stats.corr_err > 0.01);
    CHECK(std::abs(theory.stats.corr_err - enumerated.stats.corr_err) < 1e-13);
    CHECK(theory.log_z == Approx(enumerated.log_z).epsilon(1e-14));
    if (spin == Spin::pm1) CHECK(theory.stats.mean[1] == Approx(std::tanh(-1.2)).epsilon(1e-14));
  }
  const BernoulliRbm rbm = test::tiny_rbm(6, 4, 61, 0.9);
  Dataset data;
  data.x = Matrix::Zero(6, 2);
  data.x(3, 0) = 1;
  compute_moments(data);
  const DataReference ref = make_reference(rbm, data);
  const EquilibriumResult visible = exact_equilibrium(rbm, ref);
  const EquilibriumResult hidden = exact_equilibrium(rbm, ref, true);
  const RbmMoments m = exact::rbm_moments(rbm);
  CHECK((visible.stats.mean - m.v_mean).cwiseAbs().maxCoeff() < 1e-13);
  CHECK((visible.stats.h_mean - m.h_mean).cwiseAbs().maxCoeff() < 1e-13);
  CHECK((hidden.stats.mean - visible.stats.mean).cwiseAbs().maxCoeff() < 1e-13);
  CHECK((hidden.stats.cov - visible.stats.cov).cwiseAbs().maxCoeff() < 1e-13);
  CHECK((hidden.stats.h_mean - visible.stats.h_mean).cwiseAbs().maxCoeff() < 1e-13);
  CHECK(hidden.stats.vh_err == Approx(visible.stats.vh_err).epsilon(1e-12));
  CHECK(std::isfinite(visible.stats.energy_mean));
  CHECK(std::isnan(hidden.stats.energy_mean));
  CHECK(hidden.stats.finite);  // an unknown energy is not an overflow
  CHECK(visible.log_z == Approx(exact::rbm_log_partition(rbm)).epsilon(1e-14));
}

namespace {

/// Curie-Weiss ferromagnet: J_ij = beta / N (i != j), h_i = field, pm1 spins. Its energy depends on
/// the total magnetisation M = sum_i s_i only, E = -field M - beta / (2N) (M^2 - N), so the exact
/// law is the 1-d sum over k = (M + N) / 2 up spins with weights binom(N, k) exp(-E).
BoltzmannMachine curie_weiss_bm(Index n, double beta, double field) {
  BoltzmannMachine m(n, Spin::pm1);
  m.J().setConstant(beta / static_cast<double>(n));
  m.J().diagonal().setZero();
  m.h().setConstant(field);
  return m;
}

struct CurieWeissExact {
  double magnetisation = 0, magnetisation_var = 0, energy = 0;
};

CurieWeissExact curie_weiss_exact(Index n, double beta, double field) {
  const double dn = static_cast<double>(n);
  std::vector<double> log_w, mag, energy;
  for (Index k = 0; k <= n; ++k) {
    const double big_m = 2.0 * static_cast<double>(k) - dn;
    const double e = -field * big_m - beta / (2.0 * dn) * (big_m * big_m - dn);
    log_w.push_back(std::lgamma(dn + 1) - std::lgamma(static_cast<double>(k) + 1) - std::lgamma(dn - static_cast<double>(k) + 1) - e);
    mag.push_back(big_m / dn);
    energy.push_back(e);
  }
  const double top = *std::max_element(log_w.begin(), log_w.end());
  double z = 0, m1 = 0, m2 = 0, e1 = 0;
  for (std::size_t k = 0; k < log_w.size(); ++k) {
    const double w = std::exp(log_w[k] - top);
    z += w;
    m1 += w * mag[k];
    m2 += w * mag[k] * mag[k];
    e1 += w * energy[k];
  }
  return {m1 / z, m2 / z - (m1 / z) * (m1 / z), e1 / z};
}

const StatisticDiagnostic& statistic(const ConvergenceCheck& c, const std::string& name) {
  for (const auto& s : c.statistics)
    if (s.name == name) return s;
  FAIL("no statistic " << name);
  return c.statistics.front();
}

}  // namespace

TEST_CASE("long-run reference of a metastable Curie-Weiss ferromagnet beyond enumeration is flagged unconverged", "[measure][bm][equilibrium][diagnostics]") {
  // N = 32 > 20 units (no enumeration), beta = 2: two modes m ~ +-0.96 separated by a free-energy
  // barrier of ~10 (N (beta m*^2 / 2 - ln 2 + H((1 + m*) / 2))), e^10 ~ 2e4 sweeps per crossing;
  // the small field 0.05 makes the + mode ~20 times more probable (exact <m> from the 1-d sum).
  // Chains from uniform p0 fall into either mode, chains from the data (rows in the - mode) stay
  // in the - mode: the pooled magnetisation is far from the exact one, the old first-vs-second-half
  // check passes (every chain is stationary in its mode), and R-hat must say NOT converged.
  const Index n = 32;
  const double beta = 2.0, field = 0.05;
  const BoltzmannMachine model = curie_weiss_bm(n, beta, field);
  const CurieWeissExact exact = curie_weiss_exact(n, beta, field);
  Dataset data;
  data.x = -Matrix::Ones(n, 4);
  for (Index c = 0; c < 4; ++c) data.x(c, c) = 1;  // mostly down, with a little covariance structure
  compute_moments(data);
  const DataReference ref = make_reference(model, data);
  LongRunSpec spec;
  spec.n_chains = 400;
  spec.burn_in = 200;
  spec.window = 400;
  spec.seed = 5;
  spec.data_start = &data.x;
  LocalReducer team;
  const EquilibriumResult lr = long_run_equilibrium(model, MetropolisRandom{}, BinaryP0::uniform(Spin::pm1, n), ref, spec, team);
  INFO(lr.note);
  const double m_long_run = lr.stats.mean.mean();
  INFO("exact <m> = " << exact.magnetisation << ", long run " << m_long_run);
  REQUIRE(lr.exists);
  CHECK_FALSE(lr.check.converged);
  CHECK(lr.check.z_passed);  // what the reference relied on before: it misses the trapped chains
  CHECK(lr.check.rhat_max > 1.1);
  CHECK_FALSE(lr.check.failing_statistic.empty());
  CHECK(statistic(lr.check, "magnetisation").rhat > 1.1);
  CHECK(lr.note.rfind("NOT converged: R-hat ", 0) == 0);
  CHECK(std::abs(m_long_run - exact.magnetisation) > 0.3);
}

TEST_CASE("long-run reference of a high-temperature Curie-Weiss magnet passes R-hat and matches the exact magnetisation", "[measure][bm][equilibrium][diagnostics]") {
  // beta = 0.3: one mode, fast mixing. Every sweep of the window is a kept draw (max_draws =
  // window, stride 1), so the magnetisation's standard error sqrt(var_exact(m) / ESS) uses the ESS
  // of exactly the draws pooled; the energy's is the per-chain one (chains are independent).
  const Index n = 32;
  const double beta = 0.3, field = 0.05;
  const BoltzmannMachine model = curie_weiss_bm(n, beta, field);
  const CurieWeissExact exact = curie_weiss_exact(n, beta, field);
  Dataset data;
  data.x = -Matrix::Ones(n, 4);
  for (Index c = 0; c < 4; ++c) data.x(c, c) = 1;
  compute_moments(data);
  const DataReference ref = make_reference(model, data);
  LongRunSpec spec;
  spec.n_chains = 400;
  spec.burn_in = 200;
  spec.window = 400;
  spec.max_draws = 400;
  spec.seed = 5;
  spec.data_start = &data.x;
  LocalReducer team;
  const EquilibriumResult lr = long_run_equilibrium(model, MetropolisRandom{}, BinaryP0::uniform(Spin::pm1, n), ref, spec, team);
  INFO(lr.note);
  REQUIRE(lr.exists);
  CHECK(lr.check.converged);
  CHECK(lr.check.failing_statistic.empty());
  CHECK(lr.check.rhat_max < 1.01);
  CHECK(lr.check.ess_min >= 100);
  CHECK(lr.check.draw_every == 1);
  const StatisticDiagnostic& mag = statistic(lr.check, "magnetisation");
  const double m_long_run = lr.stats.mean.mean();
  const double se = std::sqrt(exact.magnetisation_var / mag.ess);
  INFO("exact <m> = " << exact.magnetisation << ", long run " << m_long_run << " +- " << se << " (ESS " << mag.ess << ")");
  CHECK(std::abs(m_long_run - exact.magnetisation) < 4 * se);
  INFO("exact <E> = " << exact.energy << ", long run " << lr.stats.energy_mean << " +- " << lr.check.energy_se);
  CHECK(std::abs(lr.stats.energy_mean - exact.energy) < 4 * lr.check.energy_se);
}

namespace {

/// Data rows mostly down (the second chain set starts in the - mode), with some covariance structure.
Dataset mostly_down(Index n) {
  Dataset data;
  data.x = -Matrix::Ones(n, 4);
  for (Index c = 0; c < 4; ++c) data.x(c, c) = 1;
  compute_moments(data);
  return data;
}

/// The equilibrium spec of the tempering tests: every sweep of the window kept for the diagnostics.
LongRunSpec tempering_spec(Index chains, Index burn_in, Index window, const Dataset& data) {
  LongRunSpec spec;
  spec.n_chains = chains;
  spec.burn_in = burn_in;
  spec.window = window;
  spec.max_draws = window;
  spec.seed = 7;
  spec.data_start = &data.x;
  return spec;
}

}  // namespace

TEST_CASE("parallel tempering of a strongly coupled enumerable bm equals enumeration", "[measure][bm][equilibrium][pt]") {
  // N = 12, beta = 1.5: two modes m ~ +-0.86, the small field favours +; single-site chains from
  // the data (all in the - mode) cross the barrier rarely. PT's beta = 1 replicas must reproduce the
  // exact means, energy and magnetisation within 4 standard errors: per-unit and energy errors from
  // the per-chain averages (independent ladders), the magnetisation's from its ESS.
  const Index n = 12;
  const BoltzmannMachine model = curie_weiss_bm(n, 1.5, 0.05);
  const Dataset data = mostly_down(n);
  const DataReference ref = make_reference(model, data);
  const LongRunSpec spec = tempering_spec(100, 200, 2000, data);
  LocalReducer team;
  const EquilibriumResult pt =
      measure_equilibrium(EquilibriumMethod::pt, model, MetropolisRandom{}, BinaryP0::uniform(Spin::pm1, n), ref, spec, team);
  const EquilibriumResult ex = exact_equilibrium(exact::pairwise(model), ref);
  const CurieWeissExact cw = curie_weiss_exact(n, 1.5, 0.05);
  INFO(pt.note);
  REQUIRE(pt.exists);
  CHECK(pt.method == EquilibriumMethod::pt);
  CHECK(pt.check.converged);
  REQUIRE(pt.check.mean_se.size() == n);
  double worst = 0;
  for (Index i = 0; i < n; ++i) worst = std::max(worst, std::abs(pt.stats.mean[i] - ex.stats.mean[i]) / pt.check.mean_se[i]);
  const double z_energy = std::abs(pt.stats.energy_mean - ex.stats.energy_mean) / pt.check.energy_se;
  const StatisticDiagnostic& mag = statistic(pt.check, "magnetisation");
  const double z_mag = std::abs(pt.stats.mean.mean() - cw.magnetisation) / std::sqrt(cw.magnetisation_var / mag.ess);
  INFO("max unit |z| " << worst << ", energy |z| " << z_energy << " (" << pt.stats.energy_mean << " vs "
                       << ex.stats.energy_mean << "), magnetisation |z| " << z_mag << " (ESS " << mag.ess << ")");
  CHECK(worst < 4);
  CHECK(z_energy < 4);
  CHECK(z_mag < 4);
  CHECK(std::abs(ex.stats.mean.mean() - cw.magnetisation) < 1e-12);  // the two exact references agree
  CHECK(pt.tempering.betas.back() == 1.0);
  CHECK(pt.tempering.acceptance.size() + 1 == pt.tempering.betas.size());
  CHECK(pt.tempering.round_trips > 0);
}

TEST_CASE("parallel tempering recovers the metastable Curie-Weiss magnet beyond enumeration where long-run is flagged", "[measure][bm][equilibrium][pt]") {
  // The ferromagnet of the long-run diagnostics test (N = 32, beta = 2, field 0.05: modes
  // m ~ +-0.96, ~2e4 single-site sweeps per crossing). The ladder's hot replicas cross freely,
  // so the beta = 1 replicas of both chain sets visit both modes in their exact proportions.
  const Index n = 32;
  const double beta = 2.0, field = 0.05;
  const BoltzmannMachine model = curie_weiss_bm(n, beta, field);
  const CurieWeissExact exact = curie_weiss_exact(n, beta, field);
  const Dataset data = mostly_down(n);
  const DataReference ref = make_reference(model, data);
  const LongRunSpec spec = tempering_spec(100, 200, 2000, data);
  const BinaryP0 p0 = BinaryP0::uniform(Spin::pm1, n);
  LocalReducer team;
  const EquilibriumResult pt = pt_equilibrium(model, MetropolisRandom{}, p0, ref, spec, team);
  const EquilibriumResult lr = long_run_equilibrium(model, MetropolisRandom{}, p0, ref, spec, team);
  INFO("pt: " << pt.note);
  INFO("long-run: " << lr.note);
  REQUIRE(pt.exists);
  const StatisticDiagnostic& mag = statistic(pt.check, "magnetisation");
  const double m_pt = pt.stats.mean.mean();
  const double se = std::sqrt(exact.magnetisation_var / mag.ess);
  INFO("exact <m> = " << exact.magnetisation << ", pt " << m_pt << " +- " << se << " (ESS " << mag.ess << "), long run "
                      << lr.stats.mean.mean());
  CHECK(pt.check.converged);
  CHECK(std::abs(m_pt - exact.magnetisation) < 4 * se);
  INFO("exact <E> = " << exact.energy << ", pt " << pt.stats.energy_mean << " +- " << pt.check.energy_se);
  CHECK(std::abs(pt.stats.energy_mean - exact.energy) < 4 * pt.check.energy_se);
  CHECK_FALSE(lr.check.converged);
  CHECK(std::abs(lr.stats.mean.mean() - exact.magnetisation) > 0.3);
  CHECK(pt.tempering.round_trips > 0);
  CHECK(pt.tempering.first_round_trip > 0);
  CHECK(pt.tempering.first_round_trip <= spec.burn_in + spec.window);
  for (double a : pt.tempering.acceptance) CHECK(a > 0.05);
}

TEST_CASE("parallel tempering of an enumerable rbm matches enumeration at beta = 1", "[measure][rbm][equilibrium][pt]") {
  // Block Gibbs at beta on the joint energy; swaps with the tempered free energies F_beta.
  const Index nv = 8, nh = 5;
  BernoulliRbm rbm = test::tiny_rbm(nv, nh, 29, 1.5);
  Dataset data;
  data.x = Matrix::Zero(nv, 3);
  data.x(0, 0) = data.x(1, 1) = data.x(2, 2) = 1;
  compute_moments(data);
  const DataReference ref = make_reference(rbm, data);
  LongRunSpec spec = tempering_spec(100, 100, 1000, data);
  spec.pt.replicas = 4;
  spec.pt.beta_min = 0.2;
  LocalReducer team;
  const EquilibriumResult ex = exact_equilibrium(rbm, ref);
  // In float64 and with float32 replicas (model.precision = float32: block Gibbs on each rung's
  // float32 working copy, the swaps' W^T v on the model's, the rest of the swaps and the
  // statistics in double).
  const auto check = [&](const EquilibriumResult& pt) {
    INFO(pt.note);
    REQUIRE(pt.exists);
    CHECK(pt.method == EquilibriumMethod::pt);
    double worst = 0;
    for (Index i = 0; i < nv; ++i) worst = std::max(worst, std::abs(pt.stats.mean[i] - ex.stats.mean[i]) / pt.check.mean_se[i]);
    const double z_energy = std::abs(pt.stats.energy_mean - ex.stats.energy_mean) / pt.check.energy_se;
    INFO("max unit |z| " << worst << ", free energy |z| " << z_energy);
    CHECK(worst < 4);
    CHECK(z_energy < 4);
    CHECK(pt.check.converged);
    CHECK(pt.tempering.round_trips > 0);
  };
  const EquilibriumResult f64 = pt_equilibrium(rbm, BlockGibbs{}, BinaryP0::uniform(Spin::zero_one, nv), ref, spec, team);
  const EquilibriumResult f32 = pt_equilibrium<float>(rbm, BlockGibbs{}, BinaryP0::uniform(Spin::zero_one, nv), ref, spec, team);
  check(f64);
  check(f32);
  CHECK(f32.stats.mean != f64.stats.mean);  // other draws: the float32 replicas really ran
}

TEST_CASE("parallel tempering: equal betas always swap, one replica is a long run, bad ladders are refused", "[measure][bm][equilibrium][pt]") {
  const Index n = 6;
  const BoltzmannMachine model = test::tiny_bm(n, Spin::pm1, 37, 0.4, 0.4);
  const Dataset data = mostly_down(n);
  const DataReference ref = make_reference(model, data);
  LongRunSpec spec = tempering_spec(20, 10, 20, data);
  const BinaryP0 p0 = BinaryP0::uniform(Spin::pm1, n);
  LocalReducer team;
  spec.pt.betas = {1.0, 1.0};
  const EquilibriumResult same = pt_equilibrium(model, GibbsRandom{}, p0, ref, spec, team);
  REQUIRE(same.tempering.acceptance.size() == 1);
  CHECK(same.tempering.acceptance[0] == 1.0);
  // The one pair (0, 1) is tried on even sweeps and always swaps: a label at beta_1 after sweep 1
  // is at beta_2 after sweep 3 and back after sweep 5.
  CHECK(same.tempering.first_round_trip == 5);
  CHECK(same.tempering.round_trips > 0);
  // A one-replica ladder is the long run itself: its beta = 1 replica draws the long-run chain's streams.
  spec.pt.betas = {1.0};
  const EquilibriumResult one = pt_equilibrium(model, GibbsRandom{}, p0, ref, spec, team);
  const EquilibriumResult lr = long_run_equilibrium(model, GibbsRandom{}, p0, ref, spec, team);
  CHECK((one.stats.mean - lr.stats.mean).cwiseAbs().maxCoeff() == 0.0);
  CHECK(one.stats.energy_mean == lr.stats.energy_mean);
  CHECK(one.tempering.acceptance.empty());
  CHECK(one.tempering.round_trips == 0);
  CHECK(one.tempering.first_round_trip == -1);
  spec.pt.betas = {0.5, 0.9};
  CHECK_THROWS_AS(pt_equilibrium(model, GibbsRandom{}, p0, ref, spec, team), std::invalid_argument);
  spec.pt.betas = {0.5, 0.2, 1.0};
  CHECK_THROWS_AS(pt_equilibrium(model, GibbsRandom{}, p0, ref, spec, team), std::invalid_argument);
  CHECK(geometric_ladder(0.05, 3) == std::vector<double>{0.05, std::pow(0.05, 0.5), 1.0});
}

TEST_CASE("trajectory tempering along rescaled checkpoints is parallel tempering at those betas", "[measure][bm][equilibrium][ptt]") {
  // A construction with a known answer: checkpoints whose parameters are beta_k times the model's
  // have laws exp(-beta_k E), so ptt along them is pt with the ladder beta_k. The swap rule differs
  // only in how it is computed (four energies instead of (beta_a - beta_b)(E_a - E_b)), so the
  // results agree to rounding.
  const Index n = 10;
  const BoltzmannMachine model = curie_weiss_bm(n, 1.4, 0.1);
  const Dataset data = mostly_down(n);
  const DataReference ref = make_reference(model, data);
  LongRunSpec spec = tempering_spec(40, 50, 300, data);
  const BinaryP0 p0 = BinaryP0::uniform(Spin::pm1, n);
  LocalReducer team;
  spec.pt.betas = {0.2, 0.45, 0.7, 1.0};
  const EquilibriumResult pt = measure_equilibrium(EquilibriumMethod::pt, model, MetropolisRandom{}, p0, ref, spec, team);
  LongRunSpec along = spec;
  along.pt.betas.clear();
  for (const double beta : {0.2, 0.45, 0.7}) {
    along.pt.trajectory.push_back(beta * model.params());
    along.pt.trajectory_steps.push_back(static_cast<Index>(100 * beta));
  }
  along.pt.step = 100;
  const EquilibriumResult ptt = measure_equilibrium(EquilibriumMethod::ptt, model, MetropolisRandom{}, p0, ref, along, team);
  INFO(ptt.note);
  CHECK(ptt.method == EquilibriumMethod::ptt);
  CHECK(ptt.tempering.steps == std::vector<Index>{20, 45, 70, 100});
  CHECK(ptt.tempering.betas == std::vector<double>(4, 1.0));
  REQUIRE(ptt.tempering.acceptance.size() == pt.tempering.acceptance.size());
  for (std::size_t k = 0; k < pt.tempering.acceptance.size(); ++k)
    CHECK(ptt.tempering.acceptance[k] == pt.tempering.acceptance[k]);  // the same swaps taken
  CHECK(ptt.tempering.round_trips == pt.tempering.round_trips);
  CHECK((ptt.stats.mean - pt.stats.mean).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(std::abs(ptt.stats.energy_mean - pt.stats.energy_mean) < 1e-12);
  // Checkpoints that do not fit the model are refused.
  along.pt.trajectory.back() = Vector::Zero(3);
  CHECK_THROWS_AS(measure_equilibrium(EquilibriumMethod::ptt, model, MetropolisRandom{}, p0, ref, along, team),
                  std::invalid_argument);
}

TEST_CASE("trajectory tempering recovers the metastable Curie-Weiss magnet along a trajectory, or says it did not", "[measure][bm][equilibrium][ptt]") {
  // The ferromagnet of the pt test (N = 32, beta = 2, field 0.05; long-run is stuck in one mode).
  // Ladder 1, couplings s beta / N growing at the model's field (not a rescaling: the field stays):
  // the measured (top) rung must give the exact magnetisation and energy of the 1-d sum within 4
  // standard errors, converged, with round trips. Ladder 2, "training-like", the field shrinking
  // from 0.4 as the couplings grow: its middle rungs all but empty the minority (-) mode that the
  // top holds with weight ~5 %, so the top's mode balance relaxes only through its own rare
  // crossings. Whatever it gives, it must never be a converged reference away from the exact value.
  const Index n = 32;
  const double beta = 2.0, field = 0.05;
  const BoltzmannMachine model = curie_weiss_bm(n, beta, field);
  const CurieWeissExact exact = curie_weiss_exact(n, beta, field);
  const Dataset data = mostly_down(n);
  const DataReference ref = make_reference(model, data);
  const BinaryP0 p0 = BinaryP0::uniform(Spin::pm1, n);
  LocalReducer team;
  for (const bool constant_field : {true, false}) {
    LongRunSpec spec = tempering_spec(100, 200, 2000, data);
    Index step = 0;
    for (const double s : {0.0, 0.2, 0.35, 0.42, 0.48, 0.53, 0.6, 0.7, 0.8, 0.9}) {
      spec.pt.trajectory.push_back(curie_weiss_bm(n, s * beta, constant_field ? field : 0.4 - (0.4 - field) * s).params());
      spec.pt.trajectory_steps.push_back(++step);
    }
    spec.pt.step = ++step;
    const EquilibriumResult ptt = measure_equilibrium(EquilibriumMethod::ptt, model, MetropolisRandom{}, p0, ref, spec, team);
    INFO((constant_field ? "constant field" : "shrinking field") << " ptt: " << ptt.note);
    REQUIRE(ptt.exists);
    const StatisticDiagnostic& mag = statistic(ptt.check, "magnetisation");
    const double se = std::sqrt(exact.magnetisation_var / mag.ess);
    const bool within = std::abs(ptt.stats.mean.mean() - exact.magnetisation) < 4 * se &&
                        std::abs(ptt.stats.energy_mean - exact.energy) < 4 * ptt.check.energy_se;
    INFO("exact <m> = " << exact.magnetisation << ", ptt " << ptt.stats.mean.mean() << " +- " << se << " (ESS "
                        << mag.ess << "); exact <E> = " << exact.energy << ", ptt " << ptt.stats.energy_mean << " +- "
                        << ptt.check.energy_se);
    CHECK(ptt.tempering.steps.size() == 11);
    CHECK(ptt.tempering.steps.back() == 11);
    CHECK(ptt.tempering.round_trips > 0);
    if (constant_field) {
      CHECK(ptt.check.converged);
      CHECK(within);
    } else {
      CHECK((within || !ptt.check.converged));
    }
  }
}

TEST_CASE("trajectory tempering's ladder: evenly spaced earlier checkpoints, the oldest always in", "[measure][ptt]") {
  const std::vector<Index> steps{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000};
  // Ten checkpoints before 1000: four rungs are indices round(j 9 / 3) = 0, 3, 6, 9.
  CHECK(trajectory_ladder(steps, 1000, 4) == std::vector<std::size_t>{0, 3, 6, 9});
  CHECK(trajectory_ladder(steps, 1000, 10) == std::vector<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(trajectory_ladder(steps, 1000, 50).size() == 10);
  CHECK(trajectory_ladder(steps, 1000, 1) == std::vector<std::size_t>{0});
  CHECK(trajectory_ladder(steps, 16, 2) == std::vector<std::size_t>{0, 3});  // before 16: 1, 2, 4, 8
  CHECK(trajectory_ladder(steps, 1, 5).empty());                          // nothing before the first
  CHECK(trajectory_ladder(steps, 1000, 0).empty());
}

TEST_CASE("float32 chains of the dynamics measurement follow the exact law p_t (rbm and bm)", "[measure][precision]") {
  // Oracle: p_t propagated exactly over the 2^Nv visible states (rbm, block Gibbs) or the 2^N
  // states (bm, random-site Gibbs) from p0. float32 chains (model.precision = float32) step the
  // float32 working copy with other draws (a byte first), so they are another sample of the same
  // chain: every mean, covariance and <v hbar> entry must lie within 5 of its standard error's
  // bound (0/1 units: per-chain standard deviation <= 1/2), as the float64 chains do.
  LocalReducer team;
  const std::vector<Index> times = {0, 1, 2, 3, 5, 8, 13, 30};
  DynamicsSpec spec;
  spec.n_chains = 20000;
  spec.times = times;
  spec.seed = 29;
  const double tol = 5 * 0.5 / std::sqrt(static_cast<double>(spec.n_chains));
  const auto compare = [&](const DynamicsResult& sampled, const DynamicsResult& law) {
    REQUIRE(sampled.t == times);
    REQUIRE(law.t == times);
    for (std::size_t i = 0; i < times.size(); ++i) {
      INFO("t = " << times[i]);
      CHECK((sampled.stats[i].mean - law.stats[i].mean).cwiseAbs().maxCoeff() < tol);
      CHECK((sampled.stats[i].cov - law.stats[i].cov).cwiseAbs().maxCoeff() < tol);
      if (law.stats[i].h_mean.size() > 0) {
        CHECK((sampled.stats[i].h_mean - law.stats[i].h_mean).cwiseAbs().maxCoeff() < tol);
        CHECK(std::abs(sampled.stats[i].vh_err - law.stats[i].vh_err) < tol);
      }
    }
    // The law moves by far more than the tolerance between t = 0 (p0) and t = 30: the check can fail.
    CHECK((law.stats.front().mean - law.stats.back().mean).cwiseAbs().maxCoeff() > 10 * tol);
  };
  SECTION("rbm, block Gibbs") {
    const BernoulliRbm rbm = test::tiny_rbm(6, 4, 41, 1.0);
    const BinaryP0 p0 = BinaryP0::uniform(Spin::zero_one, 6);
    const Dataset data = sample_exactly(exact::pairwise(test::tiny_bm(6, Spin::zero_one, 43)), 500, 45);
    const DataReference ref = make_reference(rbm, data);
    const DynamicsResult law = rbm_exact_dynamics(rbm, p0, times, ref);
    const DynamicsResult f32 = measure_dynamics<float>(rbm, BlockGibbs{}, p0, ref, spec, team);
    const DynamicsResult f64 = measure_dynamics(rbm, BlockGibbs{}, p0, ref, spec, team);
    compare(f32, law);
    compare(f64, law);
    CHECK(f32.stats.back().mean != f64.stats.back().mean);  // other draws, not the float64 chains rounded
  }
  SECTION("bm, random-site Gibbs") {
    const BoltzmannMachine bm = test::tiny_bm(6, Spin::zero_one, 47, 0.8, 0.8);
    const BinaryP0 p0 = BinaryP0::uniform(Spin::zero_one, 6);
    const Dataset data = sample_exactly(exact::pairwise(test::tiny_bm(6, Spin::zero_one, 43)), 500, 45);
    const DataReference ref = make_reference(bm, data);
    const DynamicsResult law = binary_exact_dynamics(exact::pairwise(bm), GibbsRandom::dynamics(), p0, times, ref);
    const DynamicsResult f32 = measure_dynamics<float>(bm, GibbsRandom{}, p0, ref, spec, team);
    compare(f32, law);
  }
}

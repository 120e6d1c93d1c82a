// The dynamics-versus-equilibrium measurement on the solvable Gaussian model (docs/theory.md sections 2
// and 5): a model set to the rdm fixed point J*(k), h*(k) reproduces the data at t = k, follows
// v_alpha(t) at every recorded time, and misses the data at equilibrium (or has none).
#include <algorithm>
#include <cmath>
#include <numbers>

#include <catch2/catch.hpp>

#include "../support/gaussian_fixtures.hpp"
#include "shortrun/core/log_grid.hpp"
#include "shortrun/core/progress_tick.hpp"
#include "shortrun/measure/dynamics.hpp"
#include "shortrun/measure/equilibrium.hpp"
#include "shortrun/measure/exact_dynamics.hpp"

namespace gt = shortrun::gaussian_theory;
using namespace shortrun;

namespace {

GaussianEnergy at_fixed_point(const gt::FixedPoints& fp) {
  GaussianEnergy model(fp.c.size());
  model.J() = fp.J_star;
  model.h() = fp.h_star;
  return model;
}

bool all_finite(const ChainStatistics& s) {
  return s.mean.allFinite() && s.cov.allFinite() && std::isfinite(s.mean_err) && std::isfinite(s.corr_err) &&
         std::isfinite(s.energy_mean) && std::isfinite(s.energy_std);
}

}  // namespace

TEST_CASE("Gaussian model at J* follows v_alpha(t) and meets the data at t = k", "[measure][gaussian]") {
  const gt::Ula ula{0.05, 1.0};
  const Index k = 10;
  const double sigma0 = 1.0;
  const auto d = test::population_data({0.4, 0.8, 1.5}, {0.3, -0.2, 0.1});
  const auto fp = gt::fixed_points(d.data, static_cast<double>(k), sigma0, ula);
  const GaussianEnergy model = at_fixed_point(fp);
  const DataReference ref = make_reference(model, d.data);
  const P0 p0(P0::Kind::gaussian, sigma0);
  const std::vector<Index> times = log_grid(200, 15, true, {k});

  DynamicsSpec spec;
  spec.n_chains = 20000;
  spec.times = times;
  spec.seed = 5;
  LocalReducer team;
  const DynamicsResult sampled = measure_dynamics(model, Langevin(ula.step, ula.temperature), p0, ref, spec, team);
  const DynamicsResult exact = gaussian_exact_dynamics(model, ula, p0, times, ref);
  REQUIRE_FALSE(sampled.overflow);
  REQUIRE_FALSE(exact.overflow);
  REQUIRE(sampled.t == times);
  REQUIRE(exact.t == times);

  const double r = static_cast<double>(spec.n_chains);
  for (std::size_t i = 0; i < times.size(); ++i) {
    const auto t = static_cast<double>(times[i]);
    const Vector v_sampled = mode_variances(sampled.stats[i].cov, fp.basis);
    const Vector v_exact = mode_variances(exact.stats[i].cov, fp.basis);
    for (Index a = 0; a < 3; ++a) {
      const double v = gt::mode_variance(fp.j_star[a], t, sigma0, ula);
      // A sample variance of R Gaussian draws has variance 2 v^2 / R; its 1/R bias (v / R) is
      // 1/70 of a standard error here.
      const double se = std::sqrt(2.0 * v * v / r);
      INFO("t = " << t << " mode " << a << " v(t) " << v << " sampled " << v_sampled[a] << " se " << se);
      CHECK(std::abs(v_sampled[a] - v) < 5 * se);
      CHECK(std::abs(v_exact[a] - v) < 1e-12 * std::max(1.0, v));
      if (times[i] == k) CHECK(std::abs(v - fp.c[a]) < 1e-12 * fp.c[a]);
    }
  }

  const std::size_t at_k = static_cast<std::size_t>(std::find(times.begin(), times.end(), k) - times.begin());
  const EquilibriumResult eq = gaussian_theory_equilibrium(model, ula, ref);
  REQUIRE(eq.exists);
  INFO("exact mean_err(k) " << exact.stats[at_k].mean_err << " corr_err(k) " << exact.stats[at_k].corr_err
                            << "; equilibrium mean_err " << eq.stats.mean_err << " corr_err " << eq.stats.corr_err);
  CHECK(exact.stats[at_k].mean_err < 1e-12);
  CHECK(exact.stats[at_k].corr_err < 1e-12);
  CHECK(std::abs(exact.stats[at_k].energy_mean - ref.energy_mean) < 1e-12);
  // Equilibrium misses the data by orders of magnitude more than the rounding at t = k.
  CHECK(eq.stats.corr_err > 1e-2);
  CHECK(eq.stats.mean_err > 1e-2);
  // The sampled errors at t = k are at the noise floor: a few standard errors of a covariance
  // entry (sqrt(C_ii C_jj / R) <= 1.5 / sqrt(R) = 0.011) and of a mean (sqrt(1.5 / R) = 0.009).
  CHECK(sampled.stats[at_k].corr_err < 3 * 1.5 / std::sqrt(r));
  CHECK(sampled.stats[at_k].mean_err < 3 * std::sqrt(1.5 / r));
  // And at t_max (= 200 = 20 k, close to equilibrium) the exact path approaches the theory's.
  CHECK(std::abs(exact.stats.back().corr_err - eq.stats.corr_err) < 0.1 * eq.stats.corr_err);
  // The stationary variances are those of the closed form.
  const Vector v_eq = mode_variances(eq.stats.cov, fp.basis);
  for (Index a = 0; a < 3; ++a) CHECK(v_eq[a] == Approx(gt::stationary_variance(fp.j_star[a], ula)).epsilon(1e-10));
  // auto picks the closed form for a Gaussian model sampled with Langevin.
  const EquilibriumResult chosen = measure_equilibrium(EquilibriumMethod::automatic, model, Langevin(ula.step, ula.temperature), p0, ref, LongRunSpec{}, team);
  CHECK(chosen.method == EquilibriumMethod::theory);
  CHECK(chosen.stats.corr_err == eq.stats.corr_err);
}

TEST_CASE("a J* with a negative mode has no equilibrium and its measurement flags the overflow", "[measure][gaussian]") {
  // The worked example of docs/theory.md section 2: k = 20 gives J*_4 = -0.373 (c = 5 > sigma0^2 + 2 eta T k = 3).
  const gt::Ula ula{0.05, 1.0};
  const Index k = 20;
  const auto d = test::population_data({0.2, 0.8, 2.0, 5.0}, {});
  const auto fp = gt::fixed_points(d.data, static_cast<double>(k), 1.0, ula);
  REQUIRE(fp.j_star[3] < 0);
  const GaussianEnergy model = at_fixed_point(fp);
  const DataReference ref = make_reference(model, d.data);
  const P0 p0(P0::Kind::gaussian, 1.0);

  const EquilibriumResult eq = gaussian_theory_equilibrium(model, ula, ref);
  CHECK_FALSE(eq.exists);
  CHECK_FALSE(eq.stats.finite);
  CHECK_FALSE(eq.note.empty());
  LocalReducer team;
  CHECK_FALSE(measure_equilibrium(EquilibriumMethod::automatic, model, Langevin(ula.step, ula.temperature), p0, ref, LongRunSpec{}, team).exists);

  // Mode 4 grows like a^t, a = 1 + 0.0187: x^2 overflows near t = 19000.
  const std::vector<Index> times = log_grid(1000000, 30, true, {k});
  DynamicsSpec spec;
  spec.n_chains = 64;
  spec.times = times;
  spec.seed = 9;
  const DynamicsResult sampled = measure_dynamics(model, Langevin(ula.step, ula.temperature), p0, ref, spec, team);
  const DynamicsResult exact = gaussian_exact_dynamics(model, ula, p0, times, ref);
  for (const DynamicsResult* r : {&sampled, &exact}) {
    INFO((r == &sampled ? "sampled" : "exact") << " overflow_t " << r->overflow_t << " last finite t "
                                               << (r->t.empty() ? -1 : r->t.back()));
    CHECK(r->overflow);
    CHECK(std::find(times.begin(), times.end(), r->overflow_t) != times.end());
    CHECK(r->overflow_t > 5000);
    CHECK(r->overflow_t < 100000);
    REQUIRE_FALSE(r->t.empty());
    CHECK(r->t.back() < r->overflow_t);
    CHECK(r->t.size() == r->stats.size());
    // Every recorded time before the overflow is on the grid and every value there is finite.
    for (std::size_t i = 0; i < r->t.size(); ++i) {
      CHECK(r->t[i] == times[i]);
      CHECK(r->stats[i].finite);
      CHECK(all_finite(r->stats[i]));
    }
  }
  // The data are still met at t = k before the blow-up (exact path).
  const std::size_t at_k = static_cast<std::size_t>(std::find(times.begin(), times.end(), k) - times.begin());
  CHECK(exact.stats[at_k].corr_err < 1e-12);
}

TEST_CASE("Gaussian law statistics and log Z agree with one-dimensional hand formulas", "[measure][gaussian]") {
  // x ~ N(mu, s2), E = j x^2 / 2 - h x:  <E> = j (s2 + mu^2) / 2 - h mu,
  // Var E = j^2 s2^2 / 2 + (j mu - h)^2 s2;  Z of exp(-E / T) = sqrt(2 pi T / j) exp(h^2 / (2 T j)).
  const double j = 1.7, h = -0.6, mu = 0.4, s2 = 0.9, temp = 1.3;
  GaussianEnergy model(1);
  model.J()(0, 0) = j;
  model.h()(0, 0) = h;
  Dataset data;
  data.population = true;
  data.mean = Vector::Constant(1, 0.1);
  data.cov = Matrix::Constant(1, 1, 0.5);
  const DataReference ref = make_reference(model, data);
  const ChainStatistics s = gaussian_law_statistics(model, {Vector::Constant(1, mu), Matrix::Constant(1, 1, s2)}, ref);
  CHECK(s.energy_mean == Approx(0.5 * j * (s2 + mu * mu) - h * mu).epsilon(1e-14));
  CHECK(s.energy_std == Approx(std::sqrt(0.5 * j * j * s2 * s2 + std::pow(j * mu - h, 2) * s2)).epsilon(1e-14));
  CHECK(ref.energy_mean == Approx(0.5 * j * (0.5 + 0.01) - h * 0.1).epsilon(1e-14));
  CHECK(s.mean_err == Approx(0.3).epsilon(1e-14));
  CHECK(s.corr_err == 0.0);  // no pairs in one dimension
  const gt::Ula ula{0.05, temp};
  const EquilibriumResult eq = gaussian_theory_equilibrium(model, ula, ref);
  REQUIRE(eq.exists);
  CHECK(eq.log_z == Approx(0.5 * std::log(2 * std::numbers::pi * temp / j) + h * h / (2 * temp * j)).epsilon(1e-14));
  CHECK(eq.stats.mean[0] == Approx(h / j).epsilon(1e-14));
  CHECK(eq.stats.cov(0, 0) == Approx(gt::stationary_variance(j, ula)).epsilon(1e-14));
}

TEST_CASE("the measurement's loops tick the installed progress hook once per sweep", "[measure][gaussian]") {
  // The sweep's world rank 0 keeps its manifest current from these ticks while it measures: one
  // per sampler sweep of the dynamics (t_max of them) and of a long run (burn-in + window).
  const auto d = test::population_data({0.5, 1.5}, {0.1, -0.1});
  GaussianEnergy model(2);
  model.J() = Matrix::Identity(2, 2);
  const DataReference ref = make_reference(model, d.data);
  const P0 p0(P0::Kind::gaussian, 1.0);
  const Langevin sampler(0.05, 1.0);
  LocalReducer team;
  DynamicsSpec spec;
  spec.n_chains = 50;
  spec.times = {0, 3, 17};
  LongRunSpec long_run;
  long_run.n_chains = 50;
  long_run.burn_in = 7;
  long_run.window = 12;

  int ticks = 0, outer = 0;
  {
    const ScopedProgressHook count_outer([&] { ++outer; });
    {
      const ScopedProgressHook count([&] { ++ticks; });
      (void)measure_dynamics(model, sampler, p0, ref, spec, team);
      CHECK(ticks == 17);
      (void)long_run_equilibrium(model, sampler, p0, ref, long_run, team);
      CHECK(ticks == 17 + 7 + 12);
    }
    // The inner hook's scope ended: the outer one is back.
    progress_tick();
    CHECK(outer == 1);
    CHECK(ticks == 36);
  }
  // None installed: a tick does nothing.
  progress_tick();
  CHECK(outer == 1);
}

// Parallel tempering with Langevin samplers (measure/equilibrium.hpp, "pt"): the replica at beta runs
// ULA at temperature T / beta on the unchanged model (TemperatureTempered), swaps by
// min(1, exp((beta_k - beta_k+1)(E_k - E_k+1) / T)). Checked against the closed-form stationary ULA
// law of a Gaussian and against the known mode weights of a bimodal mixture that long runs cannot cross.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include "../support/gaussian_fixtures.hpp"
#include "shortrun/measure/equilibrium.hpp"
#include "shortrun/samplers/block_gibbs.hpp"
#include "shortrun/samplers/single_site.hpp"

namespace gt = shortrun::gaussian_theory;
using namespace shortrun;

namespace {

/// A 3-unit Gaussian energy with a non-diagonal J (eigenvalues about 0.9 .. 2.6) and a field.
GaussianEnergy langevin_pt_gaussian() {
  GaussianEnergy model(3);
  model.J() << 1.6, 0.4, -0.3, 0.4, 1.2, 0.2, -0.3, 0.2, 2.0;
  model.h() << 0.8, -0.5, 0.3;
  return model;
}

LongRunSpec langevin_pt_spec(Index chains, Index burn_in, Index window, const Dataset& data) {
  LongRunSpec spec;
  spec.n_chains = chains;
  spec.burn_in = burn_in;
  spec.window = window;
  spec.seed = 11;
  spec.data_start = &data.x;
  return spec;
}

/// A one-dimensional two-component Gaussian mixture at temperature 1:
///   E(x) = -log(w_minus exp(-(x + mu)^2 / 2) + w_plus exp(-(x - mu)^2 / 2)),
/// so exp(-E) is the mixture itself: <x> = (w_plus - w_minus) mu exactly. dE/dx = x - mu (r_plus -
/// r_minus) with the responsibilities r, Lipschitz (E'' <= 1): ULA is stable for eta < 2. The
/// barrier between the modes is about mu^2 / 2.
class LangevinPtMixture {
 public:
  LangevinPtMixture(double mu, double w_plus) : mu_(mu), log_w_plus_(std::log(w_plus)), log_w_minus_(std::log(1.0 - w_plus)) {
    theta_ = Vector::Zero(1);
  }
  Index dim() const { return 1; }
  Vector& params() { return theta_; }
  const Vector& params() const { return theta_; }
  Vector energy(const Matrix& x) const {
    Vector e(x.cols());
    for (Index j = 0; j < x.cols(); ++j) {
      const double a = log_w_minus_ - 0.5 * (x(0, j) + mu_) * (x(0, j) + mu_);
      const double b = log_w_plus_ - 0.5 * (x(0, j) - mu_) * (x(0, j) - mu_);
      const double top = std::max(a, b);
      e[j] = -(top + std::log(std::exp(a - top) + std::exp(b - top)));
    }
    return e;
  }
  void grad_x(const Matrix& x, Matrix& grad) const {
    grad.resize(x.rows(), x.cols());
    for (Index j = 0; j < x.cols(); ++j) {
      const double a = log_w_minus_ - 0.5 * (x(0, j) + mu_) * (x(0, j) + mu_);
      const double b = log_w_plus_ - 0.5 * (x(0, j) - mu_) * (x(0, j) - mu_);
      const double r_plus = 1.0 / (1.0 + std::exp(a - b));
      grad(0, j) = x(0, j) - mu_ * (2.0 * r_plus - 1.0);
    }
  }

 private:
  double mu_, log_w_plus_, log_w_minus_;
  Vector theta_;
};

/// Every chain starts at x = value (the minus mode).
struct LangevinPtFixedStart {
  double value;
  void draw(Matrix& x, const ChainStreams&) const { x.setConstant(value); }
};

}  // namespace

TEST_CASE("Langevin pt: the beta = 1 replicas follow the stationary ULA law of a Gaussian", "[measure][gaussian][equilibrium][pt]") {
  // The swaps use the Boltzmann ratio while each replica samples its ULA law, which differs from
  // exp(-beta E / T) by O(eta J / 2): that biases the beta = 1 law by O(eta) too, towards the
  // Boltzmann law. Measured on this model with 400 chains (window 4000): <E> at eta = 0.04 was
  // 0.5445 +- 0.0018 against the ULA law's 0.5580 and the Boltzmann law's 0.5231; at eta = 0.02,
  // 0.5303 +- 0.0023 against 0.5402 and 0.5231 (about half-way). So eta = 0.01 here: a bias of
  // about 0.005 in <E>, below this test's standard error (about 0.008 with 32 chains). The means
  // are exact for ULA (J^-1 h) and unbiased by the swaps (the swap rule is symmetric about the mean).
  // The window is about 120 IATs (~85 sweeps at eta = 0.01), enough for R-hat < 1.01.
  const GaussianEnergy model = langevin_pt_gaussian();
  const gt::Ula ula{0.01, 0.7};
  const auto d = test::population_data({0.5, 1.0, 2.0}, {1.0, 1.0, -1.0}, 40, 5);
  const DataReference ref = make_reference(model, d.data);
  LongRunSpec spec = langevin_pt_spec(32, 500, 10000, d.data);
  spec.pt.replicas = 4;
  spec.pt.beta_min = 0.1;
  LocalReducer team;
  const P0 p0(P0::Kind::gaussian, 1.0);
  const EquilibriumResult pt =
      measure_equilibrium(EquilibriumMethod::pt, model, Langevin(ula.step, ula.temperature), p0, ref, spec, team);
  const EquilibriumResult th = gaussian_theory_equilibrium(model, ula, ref);
  INFO(pt.note);
  REQUIRE(pt.exists);
  CHECK(pt.method == EquilibriumMethod::pt);
  CHECK(pt.check.converged);
  double worst = 0;
  for (Index i = 0; i < 3; ++i) worst = std::max(worst, std::abs(pt.stats.mean[i] - th.stats.mean[i]) / pt.check.mean_se[i]);
  // <E> = tr(J S) / 2 - h^T J^-1 h / 2 under the ULA law: a check of the variances, J-weighted.
  const double z_energy = std::abs(pt.stats.energy_mean - th.stats.energy_mean) / pt.check.energy_se;
  INFO("max unit |z| " << worst << "; <E> " << pt.stats.energy_mean << " +- " << pt.check.energy_se << " vs ULA theory "
                       << th.stats.energy_mean);
  CHECK(worst < 4);
  CHECK(z_energy < 4);
  CHECK(pt.tempering.betas.back() == 1.0);
  CHECK(pt.tempering.round_trips > 0);
  for (double a : pt.tempering.acceptance) CHECK(a > 0.1);
  // No bridge for a continuous model: no normalisable beta = 0 rung.
  CHECK(std::isnan(pt.tempering.log_z));
  CHECK(pt.tempering.bridge_draws == 0);
}

TEST_CASE("Langevin pt: a replica at beta is ULA at T / beta, whose Gaussian law has variance (T / beta) / (J (1 - eta J / 2))", "[measure][gaussian][equilibrium][pt]") {
  const GaussianEnergy model = langevin_pt_gaussian();
  const Langevin sampler(0.02, 0.5);
  const double beta = 0.25;
  const Langevin hot = tempered_sampler(sampler, beta);
  CHECK(hot.step_size() == sampler.step_size());
  CHECK(hot.temperature() == sampler.temperature() / beta);
  CHECK(tempered_sampler(sampler, 1.0).temperature() == sampler.temperature());
  STATIC_REQUIRE(TemperatureTempered<Langevin>);
  STATIC_REQUIRE_FALSE(TemperatureTempered<GibbsRandom>);
  STATIC_REQUIRE_FALSE(TemperatureTempered<BlockGibbs>);
  // The hot sampler's chains against the closed form at temperature T / beta.
  const auto d = test::population_data({0.5, 1.0, 2.0}, {0.0, 0.0, 0.0}, 40, 6);
  const DataReference ref = make_reference(model, d.data);
  const LongRunSpec spec = langevin_pt_spec(500, 300, 800, d.data);
  LocalReducer team;
  const EquilibriumResult lr = long_run_equilibrium(model, hot, P0(P0::Kind::gaussian, 1.0), ref, spec, team);
  const EquilibriumResult th = gaussian_theory_equilibrium(model, {hot.step_size(), hot.temperature()}, ref);
  INFO(lr.note);
  REQUIRE(lr.exists);
  double worst = 0;
  for (Index i = 0; i < 3; ++i) worst = std::max(worst, std::abs(lr.stats.mean[i] - th.stats.mean[i]) / lr.check.mean_se[i]);
  const double z_energy = std::abs(lr.stats.energy_mean - th.stats.energy_mean) / lr.check.energy_se;
  INFO("max unit |z| " << worst << "; <E> at T / beta " << lr.stats.energy_mean << " +- " << lr.check.energy_se
                       << " vs ULA theory " << th.stats.energy_mean);
  CHECK(worst < 4);
  CHECK(z_energy < 4);
  // The theory's variances are T / beta times those at T = 1 (the law is exp(-beta E / T) up to O(eta)).
  const EquilibriumResult th1 = gaussian_theory_equilibrium(model, {hot.step_size(), 1.0}, ref);
  CHECK((th.stats.cov - hot.temperature() * th1.stats.cov).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("Langevin pt: equal betas always swap, one replica is the long run, ptt is refused", "[measure][gaussian][equilibrium][pt]") {
  const GaussianEnergy model = langevin_pt_gaussian();
  const auto d = test::population_data({0.5, 1.0, 2.0}, {0.0, 0.0, 0.0}, 40, 7);
  const DataReference ref = make_reference(model, d.data);
  LongRunSpec spec = langevin_pt_spec(20, 10, 20, d.data);
  const Langevin sampler(0.05, 1.0);
  const P0 p0(P0::Kind::gaussian, 1.0);
  LocalReducer team;
  spec.pt.betas = {1.0, 1.0};
  const EquilibriumResult same = pt_equilibrium(model, sampler, p0, ref, spec, team);
  REQUIRE(same.tempering.acceptance.size() == 1);
  CHECK(same.tempering.acceptance[0] == 1.0);
  CHECK(same.tempering.first_round_trip == 5);
  spec.pt.betas = {1.0};
  const EquilibriumResult one = pt_equilibrium(model, sampler, p0, ref, spec, team);
  const EquilibriumResult lr = long_run_equilibrium(model, sampler, p0, ref, spec, team);
  INFO("pt with one replica minus long run: means " << (one.stats.mean - lr.stats.mean).cwiseAbs().maxCoeff()
                                                    << ", <E> " << one.stats.energy_mean - lr.stats.energy_mean);
  // The same draws and steps; Eigen's J x rounds by an ulp differently on differently placed
  // buffers (measured: states 4e-16 apart after 30 sweeps), so equal to rounding here, and bit
  // for bit on the mixture below, whose energy has no matrix products.
  CHECK((one.stats.mean - lr.stats.mean).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(std::abs(one.stats.energy_mean - lr.stats.energy_mean) < 1e-12);
  {
    const LangevinPtMixture mixture(5.0, 0.8);
    Dataset rows;
    rows.x = Matrix::Constant(1, 4, 5.0);
    compute_moments(rows);
    const DataReference mixture_ref = make_reference(rows);
    LongRunSpec short_spec = langevin_pt_spec(20, 10, 20, rows);
    short_spec.pt.betas = {1.0};
    const EquilibriumResult one_mixture = pt_equilibrium(mixture, sampler, LangevinPtFixedStart{-5.0}, mixture_ref, short_spec, team);
    const EquilibriumResult lr_mixture = long_run_equilibrium(mixture, sampler, LangevinPtFixedStart{-5.0}, mixture_ref, short_spec, team);
    CHECK(one_mixture.stats.mean[0] == lr_mixture.stats.mean[0]);
    CHECK(one_mixture.stats.energy_mean == lr_mixture.stats.energy_mean);
  }
  CHECK_THROWS_AS(measure_equilibrium(EquilibriumMethod::ptt, model, sampler, p0, ref, spec, team), std::invalid_argument);
}

TEST_CASE("Langevin pt crosses the barrier of a bimodal mixture where long runs stay trapped", "[measure][equilibrium][pt]") {
  // mu = 5: the barrier is about 12 (in units of T = 1), ~1e5 time units per crossing; the run is
  // (1000 + 10000) x eta = 110 time units. Chains of the first set start in the minus mode (weight
  // 0.2), the second set from data rows in the plus mode (weight 0.8). Long runs keep that split
  // (<x> ~ 0) and R-hat flags them; PT's hot replicas (beta_1 = 0.05: barrier ~0.6) cross freely
  // and its beta = 1 replicas give <x> = (0.8 - 0.2) mu = 3 within 4 se. The ULA laws and the
  // Boltzmann swap rule bias the weights by O(eta): measured with 400 chains, <x> = 2.966 +- 0.021
  // at eta = 0.04 and 2.926 +- 0.029 at eta = 0.02; at eta = 0.01 (about -0.03) it is below this
  // test's se (about 0.05 with 48 chains). The window is about 120 IATs (R-hat < 1.01).
  const double mu = 5.0, w_plus = 0.8;
  const LangevinPtMixture model(mu, w_plus);
  Dataset data;
  data.x = Matrix::Constant(1, 4, mu);
  compute_moments(data);
  const DataReference ref = make_reference(data);
  LongRunSpec spec = langevin_pt_spec(48, 1000, 10000, data);
  spec.pt.replicas = 5;
  spec.pt.beta_min = 0.05;
  const Langevin sampler(0.01, 1.0);
  const LangevinPtFixedStart start{-mu};
  LocalReducer team;
  const EquilibriumResult pt = pt_equilibrium(model, sampler, start, ref, spec, team);
  const EquilibriumResult lr = long_run_equilibrium(model, sampler, start, ref, spec, team);
  INFO("pt: " << pt.note);
  INFO("long-run: " << lr.note);
  REQUIRE(pt.exists);
  REQUIRE(lr.exists);
  const double exact = (2 * w_plus - 1) * mu;
  INFO("<x> exact " << exact << ", pt " << pt.stats.mean[0] << " +- " << pt.check.mean_se[0] << ", long run "
                    << lr.stats.mean[0] << " +- " << lr.check.mean_se[0]);
  CHECK(std::abs(pt.stats.mean[0] - exact) < 4 * pt.check.mean_se[0]);
  CHECK(pt.check.converged);
  CHECK_FALSE(lr.check.converged);
  CHECK(std::abs(lr.stats.mean[0] - exact) > 2.0);
  CHECK(pt.tempering.round_trips > 0);
}

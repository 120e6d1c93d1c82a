// log Z beyond enumeration with an honest uncertainty (theory/ais.hpp, measure/equilibrium.hpp "pt",
// docs/theory.md): forward AIS (stochastic lower bound), reverse AIS from parallel-tempering states
// (stochastic upper bound), the bridge estimate along the PT ladder, and the ESS flags. Oracles
// independent of the estimators: the 1-d sum over the magnetisation of a Curie-Weiss magnet (N = 32,
// 64), the sum over the 2^6 hidden states of a multimodal 40 x 6 RBM (exact::rbm_log_partition), and
// enumeration of a 14-unit bm (exact::log_partition). Fixed seeds; tolerances in stated standard errors.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../support/binary_fixtures.hpp"
#include "shortrun/core/reducer.hpp"
#include "shortrun/measure/equilibrium.hpp"
#include "shortrun/samplers/block_gibbs.hpp"
#include "shortrun/samplers/single_site.hpp"
#include "shortrun/theory/ais.hpp"
#include "shortrun/theory/binary_enumeration.hpp"

using namespace shortrun;

namespace {

/// Curie-Weiss magnet, pm1 spins: J_ij = j0 / N (i != j), h_i = field.
BoltzmannMachine logz_curie_weiss(Index n, double j0, double field) {
  BoltzmannMachine m(n, Spin::pm1);
  m.J().setConstant(j0 / static_cast<double>(n));
  m.J().diagonal().setZero();
  m.h().setConstant(field);
  return m;
}

/// Its exact log Z: E depends on M = sum_i s_i only, E(M) = -field M - j0 / (2N) (M^2 - N), so
/// log Z = log sum_{k=0..N} binom(N, k) exp(-E(2k - N)).
double logz_curie_weiss_exact(Index n, double j0, double field) {
  const double dn = static_cast<double>(n);
  std::vector<double> terms;
  for (Index k = 0; k <= n; ++k) {
    const double dk = static_cast<double>(k), big_m = 2.0 * dk - dn;
    const double energy = -field * big_m - j0 / (2.0 * dn) * (big_m * big_m - dn);
    terms.push_back(std::lgamma(dn + 1) - std::lgamma(dk + 1) - std::lgamma(dn - dk + 1) - energy);
  }
  const double top = *std::max_element(terms.begin(), terms.end());
  double sum = 0;
  for (double t : terms) sum += std::exp(t - top);
  return top + std::log(sum);
}

/// A multimodal RBM: hidden unit j detects a random binary template t_j of the visible units,
/// W(:, j) = g (2 t_j - 1), b_j = -g |t_j| + g/2 + c_j; each template is a sharp mode of p(v)
/// (g nats per mismatched bit) of weight ~exp(g/2 + c_j), the modes ~Nv/2 bits apart.
BernoulliRbm logz_template_rbm(Index nv, Index nh, double g, double c0, double dc, std::uint64_t seed) {
  BernoulliRbm rbm(nv, nh);
  Stream s(seed, Purpose::data, 0);
  for (Index j = 0; j < nh; ++j) {
    double ones = 0;
    for (Index i = 0; i < nv; ++i) {
      const double t = s.uniform() <= 0.5 ? 1.0 : 0.0;
      ones += t;
      rbm.W()(i, j) = g * (2.0 * t - 1.0);
    }
    rbm.b()(j, 0) = -g * ones + 0.5 * g + c0 + dc * static_cast<double>(j);
  }
  return rbm;
}

Dataset logz_dataset(const Matrix& x) {
  Dataset d;
  d.x = x;
  compute_moments(d);
  return d;
}

LongRunSpec logz_pt_spec(Index chains, Index burn_in, Index window, Index n_final, const Dataset& data) {
  LongRunSpec spec;
  spec.n_chains = chains;
  spec.burn_in = burn_in;
  spec.window = window;
  spec.seed = 11;
  spec.data_start = &data.x;
  spec.n_final = n_final;
  return spec;
}

struct LogZCase {
  double exact = 0;
  EquilibriumResult pt;
  AisResult forward, reverse;
  LogZReport report;
};

std::string logz_describe(const LogZCase& c) {
  std::string out = "exact " + std::to_string(c.exact) + "; bridge " + std::to_string(c.pt.tempering.log_z) + " +- " +
                    std::to_string(c.pt.tempering.log_z_se) + "; forward " + std::to_string(c.forward.log_z) + " +- " +
                    std::to_string(c.forward.log_z_stderr) + " (ESS " + std::to_string(c.forward.effective_runs) +
                    "); reverse " + std::to_string(c.reverse.log_z) + " +- " + std::to_string(c.reverse.log_z_stderr) +
                    " (ESS " + std::to_string(c.reverse.effective_runs) + "); " + describe(c.report) + "; pt: " + c.pt.note;
  return out;
}

template <class Sampler>
LogZCase logz_bm_case(const BoltzmannMachine& bm, const Sampler& sampler, const Dataset& data, Index ais_runs,
                      Index temperatures, Index chains, Index burn_in, Index window) {
  LogZCase out;
  const DataReference ref = make_reference(bm, data);
  LocalReducer team;
  out.pt = pt_equilibrium(bm, sampler, BinaryP0::uniform(bm.spin(), bm.dim()), ref,
                          logz_pt_spec(chains, burn_in, window, ais_runs, data), team);
  const Vector base = bm_ais_base_field(data.mean, bm.spin());
  const Vector betas = ais_linear_schedule(temperatures);
  const double log_z0 = bm_ais_base_log_partition(base, bm.spin());
  out.forward = ais_estimate(bm_ais_log_weights(bm, sampler, base, betas, 0, ais_runs, 5), log_z0);
  out.reverse = reverse_ais_estimate(
      bm_reverse_ais_log_weights(bm, sampler, base, betas, out.pt.final_states, 0, ais_runs, 5), log_z0);
  out.report = combine_log_z(&out.forward, &out.reverse, "pt", out.pt.check.converged, out.pt.tempering.log_z,
                             out.pt.tempering.log_z_se, out.pt.check.converged);
  return out;
}

LogZCase logz_rbm_case(const BernoulliRbm& rbm, const Dataset& data, Index ais_runs, Index temperatures, Index chains,
                       Index burn_in, Index window) {
  LogZCase out;
  out.exact = exact::rbm_log_partition(rbm);
  const DataReference ref = make_reference(rbm, data);
  LocalReducer team;
  out.pt = pt_equilibrium(rbm, BlockGibbs{}, BinaryP0::uniform(Spin::zero_one, rbm.n_visible()), ref,
                          logz_pt_spec(chains, burn_in, window, ais_runs, data), team);
  const Vector base = ais_base_bias(data.mean);
  const Vector betas = ais_linear_schedule(temperatures);
  const double log_z0 = ais_base_log_partition(base, rbm.n_hidden());
  out.forward = ais_estimate(rbm_ais_log_weights(rbm, base, betas, 0, ais_runs, 5), log_z0);
  out.reverse = reverse_ais_estimate(
      rbm_reverse_ais_log_weights(rbm, base, betas, out.pt.final_states, 0, ais_runs, 5), log_z0);
  out.report = combine_log_z(&out.forward, &out.reverse, "pt", out.pt.check.converged, out.pt.tempering.log_z,
                             out.pt.tempering.log_z_se, out.pt.check.converged);
  return out;
}

/// What every case must show: the bracket holds within 3 stated se, or the report is flagged; a
/// report not flagged is within 3 of its se of the exact value (never a confident wrong number).
void logz_check_honest(const LogZCase& c) {
  const LogZReport& r = c.report;
  INFO(logz_describe(c));
  const bool bracket_holds = r.lower - 3 * r.lower_se <= c.exact && c.exact <= r.upper + 3 * r.upper_se;
  CHECK((bracket_holds || !r.reliable));
  if (r.reliable) CHECK(std::abs(r.log_z - c.exact) <= 3 * r.log_z_se);
}

Matrix logz_mostly_down(Index n) {
  Matrix x = -Matrix::Ones(n, 4);
  for (Index c = 0; c < 4; ++c) x(c, c) = 1;
  return x;
}

}  // namespace

TEST_CASE("AIS error and ESS flags on given weights", "[logz][ais]") {
  // Equal weights: ESS = M, no error, reliable.
  const AisResult flat = ais_estimate(Vector::Constant(20, 0.7), 2.0);
  CHECK(flat.effective_runs == Approx(20.0));
  CHECK(flat.log_z == Approx(2.7));
  CHECK(flat.log_z_stderr < 1e-12);
  CHECK(flat.reliable);
  // One run 10 nats above the others carries the sum: ESS ~ 1, flagged; the error is the delta
  // method sqrt((M / ESS - 1) / (M - 1)).
  Vector log_w = Vector::Zero(20);
  log_w[3] = 10.0;
  const AisResult heavy = ais_estimate(log_w, 0.0);
  const double w_sum = 19.0 + std::exp(10.0), w2_sum = 19.0 + std::exp(20.0);
  CHECK(heavy.effective_runs == Approx(w_sum * w_sum / w2_sum));
  CHECK(heavy.effective_runs < 1.01);
  CHECK(heavy.log_z_stderr == Approx(std::sqrt((20.0 / heavy.effective_runs - 1.0) / 19.0)));
  CHECK_FALSE(heavy.reliable);
  // 12 of 400 runs 6 nats above the rest: ESS ~ 14 >= 10 but < M/20: flagged by the fraction.
  Vector spread = Vector::Zero(400);
  for (Index m = 0; m < 12; ++m) spread[m] = 6.0;
  const AisResult thin = ais_estimate(spread, 0.0);
  INFO("ESS " << thin.effective_runs);
  CHECK(thin.effective_runs >= kAisMinEss);
  CHECK(thin.effective_runs < kAisMinEssFraction * 400);
  CHECK_FALSE(thin.reliable);
  // Reverse: log Z = log Z_0 - log-mean-exp.
  Vector rev(2);
  rev << std::log(1.0), std::log(3.0);
  CHECK(reverse_ais_estimate(rev, 5.0).log_z == Approx(5.0 - std::log(2.0)));
}

TEST_CASE("log Z report: estimate, bracket and flags", "[logz]") {
  AisResult fwd = ais_estimate(Vector::Constant(100, 0.0), 10.0), rev = reverse_ais_estimate(Vector::Constant(100, 0.0), 10.5);
  fwd.log_z_stderr = rev.log_z_stderr = 0.1;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Both AIS directions, no bridge: the middle of the bracket, se covering its half-width.
  const LogZReport mid = combine_log_z(&fwd, &rev, "long-run", true, nan, nan, false);
  CHECK(mid.method == "ais+reverse-ais(long-run)");
  CHECK(mid.log_z == Approx(10.25));
  CHECK(mid.log_z_se == Approx(std::sqrt(0.25 * 0.25 + 0.25 * 0.02)));
  CHECK(mid.reliable);
  CHECK_FALSE(mid.wide);
  // A converged bridge is the estimate; inside the bracket: reliable.
  const LogZReport bridged = combine_log_z(&fwd, &rev, "pt", true, 10.3, 0.05, true);
  CHECK(bridged.method == "bridge(pt)+ais+reverse-ais(pt)");
  CHECK(bridged.log_z == 10.3);
  CHECK(bridged.reliable);
  // Wide bracket.
  AisResult far = rev;
  far.log_z = 13.0;
  const LogZReport wide = combine_log_z(&fwd, &far, "pt", true, 12.9, 0.05, true);
  CHECK(wide.wide);
  CHECK_FALSE(wide.reliable);
  CHECK(wide.warning.find("WIDE") != std::string::npos);
  // Inverted bracket: reverse runs not from equilibrium.
  AisResult low = rev;
  low.log_z = 9.0;
  const LogZReport inverted = combine_log_z(&fwd, &low, "long-run", true, nan, nan, false);
  CHECK_FALSE(inverted.reliable);
  CHECK(inverted.warning.find("inverted") != std::string::npos);
  // Bridge outside the bracket; bridge of an unconverged PT falls back to AIS; unconverged starts.
  CHECK_FALSE(combine_log_z(&fwd, &rev, "pt", true, 12.0, 0.05, true).reliable);
  const LogZReport fallback = combine_log_z(&fwd, &rev, "pt", false, 10.3, 0.05, false);
  CHECK(fallback.method == "ais+reverse-ais(pt)");
  CHECK(fallback.log_z == Approx(10.25));
  CHECK_FALSE(fallback.reliable);
  // Forward AIS only (no equilibrium reference): its value, no upper bound.
  const LogZReport alone = combine_log_z(&fwd, nullptr, "", false, nan, nan, false);
  CHECK(alone.method == "ais");
  CHECK(alone.log_z == fwd.log_z);
  CHECK(std::isnan(alone.upper));
  CHECK(alone.reliable);
}

TEST_CASE("log Z of a metastable Curie-Weiss magnet (N = 32): forward AIS far low, the bracket flags it, the PT bridge is right", "[logz][bm][pt]") {
  // beta J0 = 2, h = 0.05: modes m ~ +-0.96. Forward AIS freezes into the modes in the proportions
  // of the temperature where they split and comes out ~3 nats low with a tiny se (the failure the
  // bracket is for); reverse AIS from PT states gives the upper bound; the bridge along the PT
  // ladder matches the exact 1-d sum.
  const Index n = 32;
  const BoltzmannMachine bm = logz_curie_weiss(n, 2.0, 0.05);
  const Dataset data = logz_dataset(logz_mostly_down(n));
  LogZCase c = logz_bm_case(bm, MetropolisRandom{}, data, 100, 1000, 100, 200, 1000);
  c.exact = logz_curie_weiss_exact(n, 2.0, 0.05);
  INFO(logz_describe(c));
  REQUIRE(c.pt.check.converged);
  CHECK(std::abs(c.pt.tempering.log_z - c.exact) <= 3 * c.pt.tempering.log_z_se);
  CHECK(c.pt.tempering.log_z_se < 0.1);
  CHECK(c.forward.log_z < c.exact - 1.0);  // the confident wrong number of forward AIS alone
  CHECK(c.report.wide);
  CHECK_FALSE(c.report.reliable);
  logz_check_honest(c);
}

TEST_CASE("log Z of a Curie-Weiss paramagnet (N = 64): bridge, forward and reverse AIS within 3 se", "[logz][bm][pt]") {
  const Index n = 64;
  const BoltzmannMachine bm = logz_curie_weiss(n, 0.5, 0.1);
  const Dataset data = logz_dataset(logz_mostly_down(n));
  LogZCase c = logz_bm_case(bm, MetropolisRandom{}, data, 100, 1000, 100, 200, 1000);
  c.exact = logz_curie_weiss_exact(n, 0.5, 0.1);
  INFO(logz_describe(c));
  CHECK(std::abs(c.pt.tempering.log_z - c.exact) <= 3 * c.pt.tempering.log_z_se);
  CHECK(std::abs(c.forward.log_z - c.exact) <= 3 * c.forward.log_z_stderr);
  CHECK(std::abs(c.reverse.log_z - c.exact) <= 3 * c.reverse.log_z_stderr);
  CHECK(c.report.reliable);
  CHECK_FALSE(c.report.wide);
  logz_check_honest(c);
}

TEST_CASE("log Z of an enumerable bm (N = 14) by bridge and AIS matches enumeration", "[logz][bm][pt]") {
  const BoltzmannMachine bm = test::tiny_bm(14, Spin::pm1, 9, 0.3, 0.6);
  const Dataset data = logz_dataset(logz_mostly_down(14));
  LogZCase c = logz_bm_case(bm, GibbsRandom{}, data, 100, 1000, 100, 200, 1000);
  c.exact = exact::log_partition(exact::pairwise(bm));
  INFO(logz_describe(c));
  CHECK(std::abs(c.pt.tempering.log_z - c.exact) <= 3 * c.pt.tempering.log_z_se);
  CHECK(std::abs(c.forward.log_z - c.exact) <= 3 * c.forward.log_z_stderr);
  CHECK(std::abs(c.reverse.log_z - c.exact) <= 3 * c.reverse.log_z_stderr);
  CHECK(c.pt.tempering.log_z_base == Approx(14 * std::log(2.0)));
  CHECK(c.report.reliable);
  logz_check_honest(c);
}

TEST_CASE("log Z of multimodal 40 x 6 RBMs (exact over the 2^6 hidden states): the bridge within 3 se, the bracket holds or is flagged", "[logz][rbm][pt]") {
  // Six template modes (g = 2 nats per mismatched bit), unequal weights (dc = 0.5 nats apart).
  // Forward AIS comes out 3.5 of its se low on the first (ESS 29 of 100: not flagged by the ESS);
  // the bridge is right and the reverse bound holds.
  const Dataset data = logz_dataset(Matrix::Identity(40, 2));
  {
    const BernoulliRbm rbm = logz_template_rbm(40, 6, 2.0, 20.0, 0.5, 3);
    const LogZCase c = logz_rbm_case(rbm, data, 100, 1000, 100, 500, 3000);
    INFO(logz_describe(c));
    REQUIRE(c.pt.check.converged);
    CHECK(std::abs(c.pt.tempering.log_z - c.exact) <= 3 * c.pt.tempering.log_z_se);
    CHECK(c.pt.tempering.log_z_base == Approx(46 * std::log(2.0)));
    CHECK(std::abs(c.reverse.log_z - c.exact) <= 3 * c.reverse.log_z_stderr);
    logz_check_honest(c);
  }
  {  // heavier modes: the AIS bracket is wide (flagged), the bridge right
    const BernoulliRbm rbm = logz_template_rbm(40, 6, 2.0, 24.0, 0.5, 3);
    const LogZCase c = logz_rbm_case(rbm, data, 100, 1000, 100, 500, 2000);
    INFO(logz_describe(c));
    REQUIRE(c.pt.check.converged);
    CHECK(std::abs(c.pt.tempering.log_z - c.exact) <= 3 * c.pt.tempering.log_z_se);
    logz_check_honest(c);
  }
  {  // g = 4: a first-order transition along beta that PT does not cross: everything flagged
    const BernoulliRbm rbm = logz_template_rbm(40, 6, 4.0, 28.0, 0.0, 3);
    const LogZCase c = logz_rbm_case(rbm, data, 100, 1000, 100, 200, 1000);
    INFO(logz_describe(c));
    CHECK_FALSE(c.report.reliable);
    logz_check_honest(c);
  }
}

TEST_CASE("the PT bridge with float32 replicas (model.precision = float32) matches the exact log Z of a multimodal 40 x 6 RBM", "[logz][rbm][pt][precision]") {
  // The replicas step on each rung's float32 working copy, the swaps take W^T v from the model's;
  // the bridge terms are double. The first case above, whose float64 bridge is within 3 se of exact.
  const Dataset data = logz_dataset(Matrix::Identity(40, 2));
  const BernoulliRbm rbm = logz_template_rbm(40, 6, 2.0, 20.0, 0.5, 3);
  const double exact = exact::rbm_log_partition(rbm);
  const DataReference ref = make_reference(rbm, data);
  LocalReducer team;
  const EquilibriumResult pt = pt_equilibrium<float>(rbm, BlockGibbs{}, BinaryP0::uniform(Spin::zero_one, 40), ref,
                                                     logz_pt_spec(100, 500, 3000, 0, data), team);
  INFO(pt.note << "; bridge " << pt.tempering.log_z << " +- " << pt.tempering.log_z_se << ", exact " << exact);
  REQUIRE(pt.check.converged);
  REQUIRE(pt.tempering.log_z_se > 0);
  CHECK(std::abs(pt.tempering.log_z - exact) <= 3 * pt.tempering.log_z_se);
}

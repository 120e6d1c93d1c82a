// Convergence diagnostics (observables/diagnostics.hpp) against independent oracles: AR(1) chains
// x_t = phi x_{t-1} + sqrt(1 - phi^2) e_t, started in their stationary law N(0, 1), have the
// integrated autocorrelation time tau = sum_{t in Z} phi^|t| = (1 + phi) / (1 - phi) exactly;
// chain sets with different means, scales or a drift must give R-hat clearly above 1.
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include <catch2/catch.hpp>

#include "shortrun/core/random.hpp"
#include "shortrun/observables/diagnostics.hpp"

using namespace shortrun;
namespace dg = shortrun::diagnostics;

namespace {

/// (n x m) AR(1) draws, one independent stream per chain.
Matrix ar1(double phi, Index n, Index m, std::uint64_t seed) {
  Matrix x(n, m);
  const double noise = std::sqrt(1.0 - phi * phi);
  for (Index c = 0; c < m; ++c) {
    Stream s(seed, Purpose::data, static_cast<std::uint64_t>(c));
    double v = s.normal();
    for (Index t = 0; t < n; ++t) {
      x(t, c) = v;
      v = phi * v + noise * s.normal();
    }
  }
  return x;
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

}  // namespace

TEST_CASE("inverse normal CDF matches tabulated quantiles and inverts Phi", "[diagnostics]") {
  CHECK(dg::inverse_normal_cdf(0.5) == Approx(0.0).margin(1e-15));
  CHECK(dg::inverse_normal_cdf(0.975) == Approx(1.959963984540054).epsilon(1e-13));
  CHECK(dg::inverse_normal_cdf(0.001) == Approx(-3.090232306167813).epsilon(1e-13));
  CHECK(dg::inverse_normal_cdf(1e-10) == Approx(-6.361340902404056).epsilon(1e-12));
  for (double p : {1e-300, 1e-8, 0.01, 0.02425, 0.1, 0.3, 0.7, 0.97575, 0.999, 1 - 1e-12}) {
    const double x = dg::inverse_normal_cdf(p);
    INFO("p = " << p << " x = " << x);
    CHECK(normal_cdf(x) == Approx(p).epsilon(1e-12));
  }
}

TEST_CASE("rank normalisation gives tied draws their average rank and splitting halves chains", "[diagnostics]") {
  Matrix x(4, 1);
  x << 3.0, 2.0, 7.0, 2.0;  // ranks 3, 1.5, 4, 1.5 of S = 4
  const Matrix z = dg::rank_normalize(x);
  auto score = [](double r) { return dg::inverse_normal_cdf((r - 0.375) / 4.25); };
  CHECK(z(0, 0) == Approx(score(3.0)));
  CHECK(z(1, 0) == Approx(score(1.5)));
  CHECK(z(2, 0) == Approx(score(4.0)));
  CHECK(z(3, 0) == z(1, 0));
  Matrix y(5, 2);
  y << 1, 10, 2, 20, 3, 30, 4, 40, 5, 50;
  const Matrix s = dg::split_chains(y);
  REQUIRE(s.rows() == 2);
  REQUIRE(s.cols() == 4);
  CHECK(s(0, 0) == 1);
  CHECK(s(1, 1) == 20);
  CHECK(s(0, 2) == 4);  // the middle draw (3, 30) is dropped
  CHECK(s(1, 3) == 50);
}

TEST_CASE("autocorrelation time of AR(1) chains is (1 + phi) / (1 - phi)", "[diagnostics]") {
  // Each phi: K = 20 seeds of 4 chains x 5000 draws. The estimator's mean over seeds must lie
  // within 4 standard errors (its spread over the seeds / sqrt(K)) of the exact value; the
  // estimator's own bias (O(tau^2 / n) from centring and the 1/n autocovariances, <= 0.1 here) is
  // far below that tolerance. ESS is S / tau by definition.
  const Index n = 5000, m = 4, seeds = 20;
  for (double phi : {0.0, 0.5, 0.9, -0.3}) {
    const double exact = (1.0 + phi) / (1.0 - phi);
    double sum = 0, sum2 = 0;
    for (Index k = 0; k < seeds; ++k) {
      const Matrix x = ar1(phi, n, m, 100 + static_cast<std::uint64_t>(k));
      const double tau = dg::autocorrelation_time(x);
      CHECK(dg::effective_sample_size(x) == Approx(static_cast<double>(n * m) / tau));
      sum += tau;
      sum2 += tau * tau;
    }
    const double k = static_cast<double>(seeds), mean = sum / k;
    const double sd = std::sqrt((sum2 - k * mean * mean) / (k - 1.0));
    INFO("phi = " << phi << ": mean tau over seeds " << mean << " (exact " << exact << "), spread " << sd);
    CHECK(std::abs(mean - exact) < 4.0 * sd / std::sqrt(k));
    // The spread itself is that of a sum of ~2M autocorrelations, each with variance ~ 1/S
    // (Sokal): far below tau; this catches an estimator that is right only on average.
    CHECK(sd < 0.25 * exact + 0.05);
  }
}

TEST_CASE("bulk ESS of rank-normalised split AR(1) draws agrees with S / tau", "[diagnostics]") {
  // Rank normalisation of a Gaussian process changes its autocorrelations only at O(rho^3):
  // for phi = 0.5 the bulk IAT stays within 15% of 3 (a stated multiple, 4x, of the ~4% spread
  // of single estimates at this size).
  const dg::Diagnostic d = dg::diagnose(ar1(0.5, 4000, 8, 7));
  INFO("iat " << d.iat << " ess " << d.ess);
  CHECK(std::abs(d.iat - 3.0) < 0.45);
  CHECK(d.ess == Approx(32000.0 / d.iat));
}

TEST_CASE("R-hat is below 1.01 for well-mixed chains and clearly above for chains that disagree", "[diagnostics]") {
  // Independent stationary AR(1) chains (phi = 0.5, tau = 3): 8 chains x 1000 draws give split
  // R-hat - 1 of order tau / n ~ 0.003 (Vehtari et al. 2021, section 4); every one of 10 seeds
  // must be below the 1.01 threshold.
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const Matrix x = ar1(0.5, 1000, 8, seed);
    const double r = dg::rank_rhat(x);
    INFO("seed " << seed << " R-hat " << r);
    CHECK(r < 1.01);
    CHECK(r > 0.99);
  }
  // Half the chains shifted by 3 standard deviations: R-hat ~ sqrt(1 + var of chain means) ~ 1.5 after ranks.
  Matrix shifted = ar1(0.5, 1000, 8, 21);
  shifted.rightCols(4).array() += 3.0;
  CHECK(dg::rank_rhat(shifted) > 1.1);
  // Same means, half the chains 3 times wider: the bulk R-hat misses it, the folded (tail) one not.
  Matrix wide = ar1(0.5, 1000, 8, 22);
  wide.rightCols(4) *= 3.0;
  CHECK(dg::basic_rhat(dg::rank_normalize(dg::split_chains(wide))) < 1.02);
  CHECK(dg::rank_rhat(wide) > 1.1);
  // Every chain drifting the same way (an unfinished burn-in): only the split sees it.
  Matrix drift = ar1(0.5, 1000, 8, 23);
  for (Index t = 0; t < drift.rows(); ++t) drift.row(t).array() += 4.0 * static_cast<double>(t) / 1000.0;
  CHECK(dg::basic_rhat(drift) < 1.02);
  CHECK(dg::rank_rhat(drift) > 1.1);
}

TEST_CASE("diagnostics of constant draws", "[diagnostics]") {
  const dg::Diagnostic same = dg::diagnose(Matrix::Constant(10, 3, 1.0));
  CHECK(same.rhat == 1.0);
  CHECK(same.ess == 30.0);
  CHECK(same.iat == 1.0);
  Matrix stuck(10, 4);
  stuck.leftCols(2).setConstant(-1.0);
  stuck.rightCols(2).setConstant(1.0);
  CHECK(dg::rank_rhat(stuck) == std::numeric_limits<double>::infinity());
  CHECK(dg::diagnose(stuck).ess < 30.0);
}

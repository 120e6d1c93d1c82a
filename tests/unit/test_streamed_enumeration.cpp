// Streamed enumeration (exact::streamed_pairwise, exact::streamed_rbm): equal to the law-vector
// enumeration at N <= 20 (both RBM orientations), beyond 20 units equal to closed forms (the 1-d
// Curie-Weiss sum over the magnetisation; an RBM of two independent blocks, each enumerated on its
// own, 21 units in the smaller layer), and bitwise the same on any thread count.
#include <cmath>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "../support/binary_fixtures.hpp"
#include "../support/thread_invariance.hpp"
#include "shortrun/measure/equilibrium.hpp"
#include "shortrun/theory/binary_enumeration.hpp"

using namespace shortrun;

namespace {

double streamtest_max_abs(const Matrix& a, const Matrix& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  return (a - b).cwiseAbs().maxCoeff();
}

/// Curie-Weiss bm (pm1): J_ij = J0 / N (i != j), h_i = h. With M = sum s = N - 2k,
/// -E = h M + J0 / (2N) (M^2 - N); the law of k is C(N, k) exp(-E) / Z.
struct StreamtestCurieWeiss {
  double log_z, m1, pair, e_mean, e_std;  // <s_i>, <s_i s_j> (i != j), <E>, sd(E)
};

StreamtestCurieWeiss streamtest_curie_weiss(Index n, double j0, double h) {
  const double nn = static_cast<double>(n);
  std::vector<double> lw(static_cast<std::size_t>(n + 1));
  double top = -1e300;
  for (Index k = 0; k <= n; ++k) {
    const double m = nn - 2.0 * static_cast<double>(k);
    const double log_binom = std::lgamma(nn + 1) - std::lgamma(static_cast<double>(k) + 1) -
                             std::lgamma(nn - static_cast<double>(k) + 1);
    lw[static_cast<std::size_t>(k)] = log_binom + h * m + j0 / (2 * nn) * (m * m - nn);
    top = std::max(top, lw[static_cast<std::size_t>(k)]);
  }
  double z = 0, sm = 0, sm2 = 0, se = 0, se2 = 0;
  for (Index k = 0; k <= n; ++k) {
    const double m = nn - 2.0 * static_cast<double>(k);
    const double p = std::exp(lw[static_cast<std::size_t>(k)] - top);
    const double e = -(h * m + j0 / (2 * nn) * (m * m - nn));
    z += p;
    sm += p * m;
    sm2 += p * m * m;
    se += p * e;
    se2 += p * e * e;
  }
  sm /= z, sm2 /= z, se /= z, se2 /= z;
  return {top + std::log(z), sm / nn, (sm2 - nn) / (nn * (nn - 1)), se, std::sqrt(se2 - se * se)};
}

/// Second moment <v v^T> of the visible law of a small RBM, by its 2^Nv law vector.
Matrix streamtest_visible_second(const BernoulliRbm& rbm) {
  return exact::law_moments(exact::rbm_visible_law(rbm), rbm.n_visible(), Spin::zero_one).second;
}

}  // namespace

TEST_CASE("streamed pairwise enumeration equals the law-vector one at N <= 20", "[exact][streamed]") {
  for (Spin spin : {Spin::pm1, Spin::zero_one}) {
    for (Index n : {3, 12, 13, 18}) {
      INFO("N = " << n << ", spin " << spin_name(spin));
      const exact::PairwiseModel m = exact::pairwise(test::tiny_bm(n, spin, 40 + static_cast<std::uint64_t>(n), 0.4, 0.3));
      const Vector lw = exact::log_weights(m);
      const double top = lw.maxCoeff();
      const double log_z = top + std::log((lw.array() - top).exp().sum());
      const Vector p = (lw.array() - log_z).exp().matrix();
      const exact::SpinMoments law = exact::law_moments(p, n, spin);
      const double e_mean = -p.dot(lw);
      const double e_std = std::sqrt(p.dot(((-lw).array() - e_mean).square().matrix()));
      const exact::StreamedPairwise s = exact::streamed_pairwise(m);
      CHECK(std::abs(s.log_z - log_z) <= 1e-12 * std::abs(log_z));
      CHECK(streamtest_max_abs(s.moments.mean, law.mean) < 1e-12);
      CHECK(streamtest_max_abs(s.moments.second, law.second) < 1e-12);
      CHECK(std::abs(s.energy_mean - e_mean) < 1e-11);
      CHECK(std::abs(s.energy_std - e_std) < 1e-11);
      CHECK(exact::streamed_pairwise(m, false).log_z == s.log_z);
    }
  }
}

TEST_CASE("streamed rbm enumeration equals the law-vector one at N <= 20, both orientations", "[exact][streamed][rbm]") {
  // (nv, nh): over the hidden layer (nv > nh), over the visible layer, and a tie (visible).
  for (auto [nv, nh] : {std::pair<Index, Index>{14, 11}, {11, 14}, {12, 12}, {5, 3}}) {
    INFO("nv = " << nv << ", nh = " << nh);
    const BernoulliRbm rbm = test::tiny_rbm(nv, nh, 70 + static_cast<std::uint64_t>(nv), 0.5);
    const exact::StreamedRbm s = exact::streamed_rbm(rbm, exact::RbmStreamed::with_second);
    CHECK(s.over_visible == (nv <= nh));
    const double log_z = exact::rbm_log_partition(rbm);
    CHECK(std::abs(s.log_z - log_z) <= 1e-12 * std::abs(log_z));
    const RbmMoments m = exact::rbm_moments(rbm);
    CHECK(streamtest_max_abs(s.moments.v_mean, m.v_mean) < 1e-12);
    CHECK(streamtest_max_abs(s.moments.h_mean, m.h_mean) < 1e-12);
    CHECK(streamtest_max_abs(s.moments.vh, m.vh) < 1e-12);
    CHECK(streamtest_max_abs(s.v_second, streamtest_visible_second(rbm)) < 1e-12);
    if (s.over_visible) {
      const Vector p = exact::rbm_visible_law(rbm);
      const Vector f = rbm.energy(exact::states(nv, Spin::zero_one, 0, p.size()));
      const double f_mean = p.dot(f);
      CHECK(std::abs(s.free_energy_mean - f_mean) < 1e-11);
      CHECK(std::abs(s.free_energy_std - std::sqrt(p.dot((f.array() - f_mean).square().matrix()))) < 1e-11);
    } else {
      CHECK(std::isnan(s.free_energy_mean));
    }
    CHECK(exact::streamed_rbm(rbm, exact::RbmStreamed::log_z).log_z == s.log_z);
  }
}

TEST_CASE("streamed Curie-Weiss bm beyond 20 units equals the 1-d magnetisation sum", "[exact][streamed]") {
  for (auto [n, j0, h] : {std::tuple<Index, double, double>{22, 1.3, 0.05}, {23, 0.7, -0.2}}) {
    INFO("N = " << n << ", J0 = " << j0 << ", h = " << h);
    BoltzmannMachine bm(n, Spin::pm1);
    bm.h().setConstant(h);
    bm.J().setConstant(j0 / static_cast<double>(n));
    bm.J().diagonal().setZero();
    const StreamtestCurieWeiss cw = streamtest_curie_weiss(n, j0, h);
    const exact::StreamedPairwise s = exact::streamed_pairwise(exact::pairwise(bm));
    CHECK(std::abs(s.log_z - cw.log_z) <= 1e-12 * std::abs(cw.log_z));
    CHECK(std::abs(exact::log_partition(exact::pairwise(bm)) - cw.log_z) <= 1e-12 * std::abs(cw.log_z));
    CHECK((s.moments.mean.array() - cw.m1).abs().maxCoeff() < 1e-12);
    Matrix pair = Matrix::Constant(n, n, cw.pair);
    pair.diagonal().setOnes();
    CHECK(streamtest_max_abs(s.moments.second, pair) < 1e-12);
    CHECK(std::abs(s.energy_mean - cw.e_mean) < 1e-10);
    CHECK(std::abs(s.energy_std - cw.e_std) < 1e-10);
    // And through the equilibrium reference (measure.equilibrium = exact).
    DataReference ref;
    ref.mean = Vector::Zero(n);
    ref.cov = Matrix::Zero(n, n);
    const EquilibriumResult eq = exact_equilibrium(exact::pairwise(bm), ref);
    CHECK(std::abs(eq.log_z - cw.log_z) <= 1e-12 * std::abs(cw.log_z));
    CHECK(std::abs(eq.stats.mean[0] - cw.m1) < 1e-12);
    CHECK(std::abs(eq.stats.energy_mean - cw.e_mean) < 1e-10);
  }
}

TEST_CASE("streamed rbm beyond 20 units equals two independent blocks enumerated apart", "[exact][streamed][rbm]") {
  // W block diagonal: visible 0..p1-1 with hidden 0..q1-1, the rest with the rest; the law factorises.
  // (30 visible, 21 hidden): over the hidden layer; (21, 30): over the visible layer.
  for (bool transposed : {false, true}) {
    const Index p1 = transposed ? 11 : 15, q1 = transposed ? 15 : 11;
    const Index p2 = transposed ? 10 : 15, q2 = transposed ? 15 : 10;
    INFO("blocks " << p1 << " x " << q1 << " and " << p2 << " x " << q2);
    const BernoulliRbm b1 = test::tiny_rbm(p1, q1, 91, 0.6), b2 = test::tiny_rbm(p2, q2, 92, 0.6);
    BernoulliRbm rbm(p1 + p2, q1 + q2);
    rbm.W().setZero();
    rbm.W().topLeftCorner(p1, q1) = b1.W();
    rbm.W().bottomRightCorner(p2, q2) = b2.W();
    rbm.a().topRows(p1) = b1.a();
    rbm.a().bottomRows(p2) = b2.a();
    rbm.b().topRows(q1) = b1.b();
    rbm.b().bottomRows(q2) = b2.b();
    const exact::StreamedRbm s = exact::streamed_rbm(rbm, exact::RbmStreamed::with_second);
    CHECK(s.over_visible == transposed);
    const double log_z = exact::rbm_log_partition(b1) + exact::rbm_log_partition(b2);
    CHECK(std::abs(s.log_z - log_z) <= 1e-12 * std::abs(log_z));
    CHECK(std::abs(exact::rbm_log_partition(rbm) - log_z) <= 1e-12 * std::abs(log_z));
    const RbmMoments m1 = exact::rbm_moments(b1), m2 = exact::rbm_moments(b2);
    Vector v_mean(p1 + p2), h_mean(q1 + q2);
    v_mean << m1.v_mean, m2.v_mean;
    h_mean << m1.h_mean, m2.h_mean;
    Matrix vh = v_mean * h_mean.transpose();  // across blocks: independent
    vh.topLeftCorner(p1, q1) = m1.vh;
    vh.bottomRightCorner(p2, q2) = m2.vh;
    Matrix second = v_mean * v_mean.transpose();
    second.topLeftCorner(p1, p1) = streamtest_visible_second(b1);
    second.bottomRightCorner(p2, p2) = streamtest_visible_second(b2);
    CHECK(streamtest_max_abs(s.moments.v_mean, v_mean) < 1e-12);
    CHECK(streamtest_max_abs(s.moments.h_mean, h_mean) < 1e-12);
    CHECK(streamtest_max_abs(s.moments.vh, vh) < 1e-12);
    CHECK(streamtest_max_abs(s.v_second, second) < 1e-12);
    if (transposed) {  // F(v) = F1(v1) + F2(v2), independent: means and variances add
      double f_mean = 0, f_var = 0;
      for (const BernoulliRbm* b : {&b1, &b2}) {
        const Vector pv = exact::rbm_visible_law(*b);
        const Vector f = b->energy(exact::states(b->n_visible(), Spin::zero_one, 0, pv.size()));
        const double mean = pv.dot(f);
        f_mean += mean;
        f_var += pv.dot((f.array() - mean).square().matrix());
      }
      CHECK(std::abs(s.free_energy_mean - f_mean) < 1e-10);
      CHECK(std::abs(s.free_energy_std - std::sqrt(f_var)) < 1e-10);
    }
  }
}

TEST_CASE("streamed enumeration is bitwise the same on any thread count", "[exact][streamed][threads]") {
  const exact::PairwiseModel bm = exact::pairwise(test::tiny_bm(19, Spin::pm1, 7, 0.4, 0.3));
  const BernoulliRbm rbm = test::tiny_rbm(40, 18, 8, 0.3);
  test::check_bitwise_same_on_any_thread_count([&] {
    const exact::StreamedPairwise s = exact::streamed_pairwise(bm);
    const exact::StreamedRbm r = exact::streamed_rbm(rbm, exact::RbmStreamed::with_second);
    return std::vector<Matrix>{Matrix::Constant(1, 1, s.log_z), s.moments.mean, s.moments.second,
                               Matrix::Constant(1, 1, r.log_z), r.moments.v_mean, r.moments.vh, r.v_second};
  });
}

TEST_CASE("streamed enumeration refuses more than kMaxStreamedUnits units", "[exact][streamed]") {
  const Index n = exact::kMaxStreamedUnits + 1;
  CHECK_THROWS_AS(exact::streamed_pairwise(exact::pairwise(BoltzmannMachine(n, Spin::pm1))), std::invalid_argument);
  CHECK_THROWS_AS(exact::streamed_rbm(BernoulliRbm(n, n), exact::RbmStreamed::log_z), std::invalid_argument);
}

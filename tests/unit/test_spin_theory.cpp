// Independent spins: the exactly propagated law against the closed forms of THEORY.md section 3,
// and training with exact moments against h*(k).
#include <cmath>

#include <catch2/catch.hpp>

#include "../support/binary_training.hpp"
#include "shortrun/models/independent_spins.hpp"
#include "shortrun/theory/binary_transition.hpp"
#include "shortrun/theory/spin_theory.hpp"

using namespace shortrun;
namespace st = shortrun::spin_theory;

namespace {

constexpr SiteDynamics kAllDynamics[] = {{SiteRule::gibbs, SiteOrder::sequential},
                                         {SiteRule::gibbs, SiteOrder::random},
                                         {SiteRule::metropolis, SiteOrder::sequential},
                                         {SiteRule::metropolis, SiteOrder::random}};

}  // namespace

TEST_CASE("propagated-law magnetisations equal the closed-form m(t) for all four samplers", "[spins][theory]") {
  const Index n = 5;
  for (Spin spin : {Spin::pm1, Spin::zero_one}) {
    IndependentSpins model(n, spin);
    model.h() << 0.7, -1.3, 0.0, 0.25, 2.0;
    // Uniform p0 (m0 = 0 for pm1) and a data-mean p0 with nonzero start means.
    const Vector start_mean = spin == Spin::pm1 ? Vector((Vector(n) << 0.4, -0.2, 0.9, 0.0, -0.7).finished())
                                                : Vector((Vector(n) << 0.1, 0.5, 0.9, 0.3, 0.6).finished());
    for (const BinaryP0& p0 : {BinaryP0::uniform(spin, n), BinaryP0::data_mean(spin, start_mean)}) {
      const Vector m0 = p0.mean();
      for (const SiteDynamics d : kAllDynamics) {
        const exact::SweepKernel kernel(exact::pairwise(model), d);
        Vector law = exact::product_law(p0.prob_up());
        for (Index t = 0; t <= 6; ++t) {
          if (t > 0) kernel.apply_sweep(law);
          const Vector m = exact::law_moments(law, n, spin).mean;
          for (Index i = 0; i < n; ++i) {
            INFO("spin " << spin_name(spin) << " rule " << static_cast<int>(d.rule) << " order "
                         << static_cast<int>(d.order) << " t " << t << " unit " << i);
            CHECK(std::abs(m[i] - st::mean_at(spin, d, model.h()(i, 0), m0[i], n, static_cast<double>(t))) < 1e-12);
          }
        }
      }
    }
  }
}

TEST_CASE("rdm with exact moments reaches h*(k) for gibbs-random to 1e-8", "[spins][training][exact]") {
  const Index n = 4, k = 2;
  for (Spin spin : {Spin::pm1, Spin::zero_one}) {
    const Vector data_mean = spin == Spin::pm1 ? Vector((Vector(n) << 0.3, -0.5, 0.1, 0.6).finished())
                                               : Vector((Vector(n) << 0.2, 0.7, 0.5, 0.85).finished());
    const Dataset data = test::population_moments(data_mean, data_mean * data_mean.transpose());
    IndependentSpins model(n, spin);
    test::BinaryTrainSpec s;
    s.k = k;
    s.lr = spin == Spin::pm1 ? 1.0 : 2.0;
    const TrainOutcome out = test::train_binary_exact(model, data, s);
    REQUIRE(out.status == TrainOutcome::Status::completed);
    const double m0 = spin_low(spin) + 0.5 * spin_gap(spin);
    for (Index i = 0; i < n; ++i) {
      INFO("spin " << spin_name(spin) << " unit " << i);
      const double h_star = st::h_star_gibbs_random(spin, data_mean[i], m0, n, k);
      CHECK(std::abs(model.h()(i, 0) - h_star) < 1e-8);
      // The trained model meets the data at t = k, and overshoots at equilibrium.
      CHECK(std::abs(st::mean_at(spin, s.dynamics, h_star, m0, n, k) - data_mean[i]) < 1e-12);
      const double qk = std::pow(st::q_random_sweep(n), static_cast<double>(k));
      CHECK(std::abs(st::equilibrium_mean(spin, h_star) - (m0 + (data_mean[i] - m0) / (1.0 - qk))) < 1e-12);
    }
  }
}

TEST_CASE("exact and pcd schemes reach the maximum-likelihood field for every k", "[spins][training][exact]") {
  const Vector data_mean = (Vector(3) << 0.3, -0.8, 0.95).finished();
  const Dataset data = test::population_moments(data_mean, data_mean * data_mean.transpose());
  for (Scheme scheme : {Scheme::exact, Scheme::pcd}) {
    IndependentSpins model(3, Spin::pm1);
    test::BinaryTrainSpec s;
    s.scheme = scheme;
    s.k = 1;
    s.lr = 0.5;
    s.updates = 20000;
    REQUIRE(test::train_binary_exact(model, data, s).status == TrainOutcome::Status::completed);
    for (Index i = 0; i < 3; ++i) {
      INFO("scheme " << static_cast<int>(scheme) << " unit " << i);
      CHECK(std::abs(model.h()(i, 0) - std::atanh(data_mean[i])) < 1e-8);
    }
  }
}

TEST_CASE("rdm training diverges and the trainer says so where the data mean is out of reach", "[spins][training]") {
  // N = 2, k = 1: q = 1/4, so |m_D| < 3/4 is reachable; unit 0 with m_D = 0.95 is not.
  const Index n = 2, k = 1;
  const Vector data_mean = (Vector(n) << 0.95, 0.2).finished();
  CHECK_FALSE(st::gibbs_random_fixed_point_exists(Spin::pm1, 0.95, 0.0, n, k));
  CHECK(st::gibbs_random_fixed_point_exists(Spin::pm1, 0.2, 0.0, n, k));
  CHECK_THROWS_AS(st::h_star_gibbs_random(Spin::pm1, 0.95, 0.0, n, k), std::domain_error);
  const Dataset data = test::population_moments(data_mean, data_mean * data_mean.transpose());
  IndependentSpins model(n, Spin::pm1);
  test::BinaryTrainSpec s;
  s.k = k;
  s.lr = 1.0;
  s.updates = 5000;
  const TrainOutcome out = test::train_binary_exact(model, data, s);
  CHECK(out.status == TrainOutcome::Status::diverged);
  CHECK(out.last_step < s.updates);
  CHECK_FALSE(out.reason.empty());
}

TEST_CASE("the closed-form spins estimator equals the propagated law of a bm with J = 0", "[spins][estimator][exact]") {
  // Same fields, same data, same p0: the h-gradients of every scheme and sampler agree to 1e-12
  // (pcd over three updates, so its persistence is compared too).
  const Index n = 4;
  Dataset data;
  data.x = (Matrix(n, 5) << 1, 1, -1, 1, -1, -1, -1, 1, 1, 1, 1, -1, -1, -1, 1, 1, 1, 1, -1, 1).finished();
  compute_moments(data);
  for (const SiteDynamics d : kAllDynamics)
    for (Scheme scheme : {Scheme::rdm, Scheme::cd, Scheme::pcd, Scheme::exact}) {
      IndependentSpins spins(n, Spin::pm1);
      spins.h() << 0.4, -0.9, 0.0, 1.5;
      BoltzmannMachine bm(n, Spin::pm1);
      bm.h() = spins.h();
      DataTerm data_term(data, 0, 1, 0, 1);
      const BinaryP0 p0 = BinaryP0::data_mean(Spin::pm1, (Vector(n) << 0.2, -0.4, 0.6, 0.0).finished());
      BinaryExactMoments closed(scheme, 3, d, p0, 0), propagated(scheme, 3, d, p0, 0);
      for (std::uint64_t u = 1; u <= 3; ++u) {
        Vector g_spins = Vector::Zero(n), g_bm = Vector::Zero(bm.params().size());
        closed.accumulate(spins, u, data_term, g_spins);
        propagated.accumulate(bm, u, data_term, g_bm);
        INFO("rule " << static_cast<int>(d.rule) << " order " << static_cast<int>(d.order) << " scheme "
                     << static_cast<int>(scheme) << " update " << u);
        CHECK((g_spins - g_bm.tail(n)).cwiseAbs().maxCoeff() < 1e-12);
      }
    }
}

// The paper's claim on a tiny Boltzmann machine, exactly (docs/theory.md section 1, (G)): rdm-k
// training with exact p_k moments reproduces the data's means and pair correlations at t = k, and
// not at equilibrium. And the sampled negative phase agrees with the exact one.
#include <cmath>

#include <catch2/catch.hpp>

#include "../support/binary_fixtures.hpp"
#include "../support/binary_training.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/samplers/block_gibbs.hpp"
#include "shortrun/samplers/single_site.hpp"
#include "shortrun/theory/binary_transition.hpp"

using namespace shortrun;

namespace {

double max_off_diagonal(const Matrix& m) {
  Matrix c = m;
  c.diagonal().setZero();
  return c.cwiseAbs().maxCoeff();
}

}  // namespace

TEST_CASE("rdm-trained tiny bm matches the data at t = k exactly and not at equilibrium", "[bm][training][exact]") {
  struct Case {
    Spin spin;
    SiteDynamics dynamics;
    Index k;
    double lr;
  };
  const Case cases[] = {{Spin::pm1, {SiteRule::gibbs, SiteOrder::random}, 2, 0.5},
                        {Spin::pm1, {SiteRule::metropolis, SiteOrder::sequential}, 3, 0.5},
                        {Spin::zero_one, {SiteRule::gibbs, SiteOrder::sequential}, 1, 1.0}};
  const Index n = 6;
  for (const Case& c : cases) {
    INFO("spin " << spin_name(c.spin) << " rule " << static_cast<int>(c.dynamics.rule) << " order "
                 << static_cast<int>(c.dynamics.order) << " k " << c.k);
    // Data: the exact moments of a teacher bm.
    const auto teacher = exact::law_moments(exact::boltzmann_law(exact::pairwise(test::tiny_bm(n, c.spin, 31, 0.4, 0.3))), n, c.spin);
    const Dataset data = test::population_moments(teacher.mean, teacher.second);
    BoltzmannMachine model(n, c.spin);
    test::BinaryTrainSpec s;
    s.k = c.k;
    s.dynamics = c.dynamics;
    s.lr = c.lr;
    s.updates = 20000;
    REQUIRE(test::train_binary_exact(model, data, s).status == RunStatus::completed);

    const auto pm = exact::pairwise(model);
    const exact::SweepKernel kernel(pm, c.dynamics);
    const auto at_k = exact::law_moments(kernel.propagate(exact::product_law(Vector::Constant(n, 0.5)), c.k), n, c.spin);
    const auto at_eq = exact::law_moments(exact::boltzmann_law(pm), n, c.spin);
    CHECK((at_k.mean - teacher.mean).cwiseAbs().maxCoeff() < 1e-8);
    CHECK(max_off_diagonal(at_k.second - teacher.second) < 1e-8);
    const double eq_gap = std::max((at_eq.mean - teacher.mean).cwiseAbs().maxCoeff(),
                                   max_off_diagonal(at_eq.cov() - teacher.cov()));
    INFO("equilibrium gap " << eq_gap);
    CHECK(eq_gap > 1e-2);
  }
}

TEST_CASE("sampled rdm and cd negative phases agree with the exact ones within 5 standard errors", "[bm][estimator]") {
  // R = 20000 chains; every gradient entry is a mean of R independent terms bounded by 1 in
  // magnitude (pm1: s_i, s_i s_j / 2), so its standard error is at most 1/sqrt(R) = 0.007.
  const Index n = 5, chains = 20000;
  const BoltzmannMachine bm = test::tiny_bm(n, Spin::pm1, 41, 0.5, 0.5);
  Dataset data;
  data.x = Matrix(n, 4000);
  for (Index j = 0; j < data.x.cols(); ++j) {
    Stream s(5, Purpose::data, static_cast<std::uint64_t>(j));
    for (Index i = 0; i < n; ++i) data.x(i, j) = s.uniform() <= 0.3 + 0.1 * static_cast<double>(i) ? 1.0 : -1.0;
  }
  compute_moments(data);
  const double tol = 5.0 / std::sqrt(static_cast<double>(chains));
  for (Scheme scheme : {Scheme::rdm, Scheme::cd}) {
    DataTerm data_term(data, scheme == Scheme::cd ? chains : 0, 3, 0, 1);
    const BinaryP0 p0 = BinaryP0::uniform(Spin::pm1, n);
    SampledChains<MetropolisRandom, BinaryP0> sampled(scheme, 3, chains, n, p0, MetropolisRandom{}, 7, 0, 1);
    BinaryExactMoments exact_est(scheme, 3, MetropolisRandom::dynamics(), p0, 0);
    Vector g_sampled = Vector::Zero(bm.params().size()), g_exact = g_sampled;
    sampled.accumulate(bm, 1, data_term, g_sampled);
    exact_est.accumulate(bm, 1, data_term, g_exact);
    INFO("scheme " << static_cast<int>(scheme));
    CHECK((g_sampled - g_exact).cwiseAbs().maxCoeff() < tol);
  }
}

TEST_CASE("sampled RBM rdm negative phase agrees with the exact p_k one within 5 standard errors", "[rbm][estimator]") {
  const Index nv = 4, nh = 3, chains = 20000, k = 2;
  const BernoulliRbm rbm = test::tiny_rbm(nv, nh, 43, 0.8);
  Dataset data;
  data.x = Matrix::Zero(nv, 1);
  compute_moments(data);
  DataTerm data_term(data, 0, 3, 0, 1);
  const BinaryP0 p0 = BinaryP0::uniform(Spin::zero_one, nv);
  SampledChains<BlockGibbs, BinaryP0> sampled(Scheme::rdm, k, chains, nv, p0, BlockGibbs{}, 9, 0, 1);
  Vector g_sampled = Vector::Zero(rbm.params().size());
  sampled.accumulate(rbm, 1, data_term, g_sampled);
  // Exact: sum_v p_k(v) dF/dtheta(v), p_k from the visible block-Gibbs kernel.
  const Matrix t = exact::rbm_block_gibbs_matrix(rbm);
  Vector p = exact::product_law(p0.prob_up());
  for (Index s = 0; s < k; ++s) p = t.transpose() * p;
  const Matrix v = exact::states(nv, Spin::zero_one, 0, Index{1} << nv);
  Vector g_exact = Vector::Zero(rbm.params().size());
  for (Index c = 0; c < v.cols(); ++c) rbm.accumulate_grad_energy(v.col(c), -p[c], g_exact);
  // Entries of dF/dtheta are in [-1, 0]: standard error <= 1/sqrt(R).
  CHECK((g_sampled - g_exact).cwiseAbs().maxCoeff() < 5.0 / std::sqrt(static_cast<double>(chains)));
}

// Exact oracles of the binary models: enumeration, transition matrices, and model gradients
// against finite differences of the exact log-likelihood (docs/theory.md section 4).
#include <cmath>

#include <catch2/catch.hpp>

#include "../support/binary_fixtures.hpp"
#include "shortrun/theory/binary_enumeration.hpp"
#include "shortrun/theory/binary_transition.hpp"

using namespace shortrun;

namespace {

using test::kAllDynamics;

/// Dataset-like matrix of random binary columns (unit up with probability 1/2 + bias_i).
Matrix random_binary(Index n, Index count, Spin spin, std::uint64_t seed) {
  Matrix x(n, count);
  for (Index j = 0; j < count; ++j) {
    Stream s(seed, Purpose::data, static_cast<std::uint64_t>(j), 1);
    for (Index i = 0; i < n; ++i)
      x(i, j) = s.uniform() <= 0.3 + 0.1 * static_cast<double>(i % 5) ? 1.0 : spin_low(spin);
  }
  return x;
}

}  // namespace

TEST_CASE("enumeration gives log Z and moments of a two-unit bm by hand", "[exact][bm]") {
  for (Spin spin : {Spin::pm1, Spin::zero_one}) {
    BoltzmannMachine m(2, spin);
    m.h() << 0.3, -0.7;
    m.J()(0, 1) = m.J()(1, 0) = 0.4;
    const double lo = spin_low(spin);
    double z = 0, m0 = 0, c01 = 0;
    for (double s0 : {lo, 1.0})
      for (double s1 : {lo, 1.0}) {
        const double w = std::exp(0.3 * s0 - 0.7 * s1 + 0.4 * s0 * s1);
        z += w;
        m0 += w * s0;
        c01 += w * s0 * s1;
      }
    const auto pm = exact::pairwise(m);
    CHECK(exact::log_partition(pm) == Approx(std::log(z)).epsilon(1e-14));
    const auto mom = exact::law_moments(exact::boltzmann_law(pm), 2, spin);
    CHECK(mom.mean[0] == Approx(m0 / z).epsilon(1e-13));
    CHECK(mom.second(0, 1) == Approx(c01 / z).epsilon(1e-13));
    CHECK(mom.second(1, 0) == Approx(c01 / z).epsilon(1e-13));
  }
}

TEST_CASE("product and empirical laws have the moments they were built from", "[exact]") {
  const Vector p = (Vector(3) << 0.2, 0.5, 0.9).finished();
  const Vector law = exact::product_law(p);
  CHECK(law.sum() == Approx(1.0).epsilon(1e-15));
  const auto m = exact::law_moments(law, 3, Spin::zero_one);
  CHECK((m.mean - p).cwiseAbs().maxCoeff() < 1e-15);
  CHECK(m.second(0, 2) == Approx(0.18).epsilon(1e-14));
  const Matrix x = random_binary(5, 300, Spin::pm1, 4);
  const auto e = exact::law_moments(exact::empirical_law(x, Spin::pm1), 5, Spin::pm1);
  CHECK((e.mean - x.rowwise().mean()).cwiseAbs().maxCoeff() < 1e-14);
  CHECK((e.second - x * x.transpose() / 300.0).cwiseAbs().maxCoeff() < 1e-14);
}

TEST_CASE("every one-sweep transition matrix is stochastic and leaves the Boltzmann law invariant", "[exact][transition]") {
  for (Spin spin : {Spin::pm1, Spin::zero_one}) {
    const auto pm = exact::pairwise(test::tiny_bm(4, spin, 11, 0.6, 0.8));
    const Vector boltzmann = exact::boltzmann_law(pm);
    for (const SiteDynamics d : kAllDynamics) {
      INFO("spin " << spin_name(spin) << " rule " << static_cast<int>(d.rule) << " order " << static_cast<int>(d.order));
      const exact::SweepKernel kernel(pm, d);
      for (Index i = 0; i < 4; ++i) {
        const Matrix k = kernel.site_matrix(i);
        CHECK((k.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-14);
        CHECK(k.minCoeff() >= 0.0);
      }
      const Matrix p = kernel.sweep_matrix();
      CHECK((p.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-12);
      CHECK(p.minCoeff() >= 0.0);
      CHECK((p.transpose() * boltzmann - boltzmann).cwiseAbs().maxCoeff() < 1e-12);
      // The matrix-free propagation is the same linear map.
      const Vector start = exact::product_law(Vector::Constant(4, 0.5));
      Vector q = start;
      kernel.apply_sweep(q);
      CHECK((q - p.transpose() * start).cwiseAbs().maxCoeff() < 1e-14);
      CHECK((kernel.propagate(start, 3) - p.transpose() * (p.transpose() * (p.transpose() * start))).cwiseAbs().maxCoeff() < 1e-14);
    }
  }
}

TEST_CASE("RBM enumeration over either layer agrees with the double sum over v and h", "[exact][rbm]") {
  for (auto [nv, nh] : {std::pair<Index, Index>{3, 5}, std::pair<Index, Index>{5, 3}}) {
    const BernoulliRbm rbm = test::tiny_rbm(nv, nh, 21);
    const Matrix v = exact::states(nv, Spin::zero_one, 0, Index{1} << nv);
    const Matrix hid = exact::states(nh, Spin::zero_one, 0, Index{1} << nh);
    double z = 0;
    RbmMoments m{Vector::Zero(nv), Vector::Zero(nh), Matrix::Zero(nv, nh)};
    for (Index c = 0; c < v.cols(); ++c)
      for (Index d = 0; d < hid.cols(); ++d) {
        const double w = std::exp(-rbm.joint_energy(v.col(c), hid.col(d))[0]);
        z += w;
        m.v_mean += w * v.col(c);
        m.h_mean += w * hid.col(d);
        m.vh += w * v.col(c) * hid.col(d).transpose();
      }
    INFO("nv " << nv << " nh " << nh);
    CHECK(exact::rbm_log_partition(rbm) == Approx(std::log(z)).epsilon(1e-13));
    const RbmMoments e = exact::rbm_moments(rbm);
    CHECK((e.v_mean - m.v_mean / z).cwiseAbs().maxCoeff() < 1e-13);
    CHECK((e.h_mean - m.h_mean / z).cwiseAbs().maxCoeff() < 1e-13);
    CHECK((e.vh - m.vh / z).cwiseAbs().maxCoeff() < 1e-13);
  }
}

TEST_CASE("the RBM block-Gibbs visible chain is stochastic and leaves the exact p(v) invariant", "[exact][rbm][transition]") {
  const BernoulliRbm rbm = test::tiny_rbm(4, 3, 5, 1.0);
  const Matrix t = exact::rbm_block_gibbs_matrix(rbm);
  const Vector p = exact::rbm_visible_law(rbm);
  CHECK(p.sum() == Approx(1.0).epsilon(1e-14));
  CHECK((t.rowwise().sum().array() - 1.0).abs().maxCoeff() < 1e-13);
  CHECK((t.transpose() * p - p).cwiseAbs().maxCoeff() < 1e-13);
}

namespace {

/// Checks grad NLL = data term - exact model term against central differences of the exact
/// mean log-likelihood, entry by entry (skipping `skip(entry)`). Step 1e-5: truncation error
/// ~ 1e-10 * |third derivative|, rounding ~ 1e-16 * |LL| / 1e-5, both far below 1e-7.
template <class Model, class Grad, class LogLik, class Skip>
void check_against_finite_differences(Model model, Grad exact_grad, LogLik loglik, Skip skip) {
  const Vector g = exact_grad(model);
  const double step = 1e-5;
  for (Index e = 0; e < model.params().size(); ++e) {
    if (skip(e)) continue;
    const double keep = model.params()[e];
    model.params()[e] = keep + step;
    const double up = loglik(model);
    model.params()[e] = keep - step;
    const double down = loglik(model);
    model.params()[e] = keep;
    INFO("entry " << e);
    CHECK(std::abs(g[e] - (-(up - down) / (2 * step))) < 1e-7);
  }
}

}  // namespace

TEST_CASE("bm and spins gradients equal finite differences of the exact log-likelihood", "[exact][gradient]") {
  for (Spin spin : {Spin::pm1, Spin::zero_one}) {
    INFO("spin " << spin_name(spin));
    const Matrix data = random_binary(5, 40, spin, 9);
    const BoltzmannMachine bm = test::tiny_bm(5, spin, 3);
    auto bm_grad = [&](const BoltzmannMachine& m) {
      Vector g = Vector::Zero(m.params().size());
      m.accumulate_grad_energy(data, 1.0 / 40.0, g);
      const auto mom = exact::law_moments(exact::boltzmann_law(exact::pairwise(m)), 5, spin);
      m.accumulate_grad_energy_moments(mom.mean, mom.second, -1.0, g);
      return g;
    };
    // Only off-diagonal J entries are parameters: the diagonal is held at zero. Perturbing J_ij
    // alone (not J_ji) changes E by -1/2 s_i s_j dJ, which is what the gradient entry states.
    auto diagonal = [](Index e) { return e < 25 && e / 5 == e % 5; };
    check_against_finite_differences(
        bm, bm_grad, [&](const BoltzmannMachine& m) { return exact::log_likelihood(exact::pairwise(m), data); },
        diagonal);
    const Vector g = bm_grad(bm);
    const Eigen::Map<const Matrix> gj(g.data(), 5, 5);
    CHECK((gj - gj.transpose()).cwiseAbs().maxCoeff() == 0.0);
    CHECK(gj.diagonal().cwiseAbs().maxCoeff() == 0.0);

    IndependentSpins spins(5, spin);
    spins.h() << 0.1, -0.4, 0.8, 0.0, -1.2;
    check_against_finite_differences(
        spins,
        [&](const IndependentSpins& m) {
          Vector gs = Vector::Zero(5);
          m.accumulate_grad_energy(data, 1.0 / 40.0, gs);
          const auto mom = exact::law_moments(exact::boltzmann_law(exact::pairwise(m)), 5, spin);
          m.accumulate_grad_energy_moments(mom.mean, mom.second, -1.0, gs);
          return gs;
        },
        [&](const IndependentSpins& m) { return exact::log_likelihood(exact::pairwise(m), data); },
        [](Index) { return false; });
  }
}

TEST_CASE("RBM free-energy gradient equals finite differences of the exact log-likelihood", "[exact][gradient][rbm]") {
  for (auto [nv, nh] : {std::pair<Index, Index>{4, 3}, std::pair<Index, Index>{3, 4}}) {
    INFO("nv " << nv << " nh " << nh);
    const Matrix data = random_binary(nv, 30, Spin::zero_one, 13);
    check_against_finite_differences(
        test::tiny_rbm(nv, nh, 8),
        [&](const BernoulliRbm& m) {
          Vector g = Vector::Zero(m.params().size());
          m.accumulate_grad_energy(data, 1.0 / 30.0, g);
          m.accumulate_grad_energy_moments(exact::rbm_moments(m), -1.0, g);
          return g;
        },
        [&](const BernoulliRbm& m) { return exact::rbm_log_likelihood(m, data); }, [](Index) { return false; });
  }
}

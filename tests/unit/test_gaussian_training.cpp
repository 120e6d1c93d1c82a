// Training the Gaussian EBM reaches the closed-form fixed points of docs/theory.md section 2.
#include <cmath>

#include <catch2/catch.hpp>

#include "../support/gaussian_fixtures.hpp"
#include "shortrun/core/random.hpp"
#include "shortrun/data/dataset.hpp"
#include "shortrun/models/boltzmann_machine.hpp"

namespace gt = shortrun::gaussian_theory;
using namespace shortrun;
using test::TrainSpec;

namespace {

double max_abs(const Matrix& m) { return m.cwiseAbs().maxCoeff(); }

}  // namespace

TEST_CASE("rdm with exact moments of p_k reaches J*(k) and h*(k) to 1e-6", "[training][exact]") {
  struct Case {
    std::vector<double> spectrum, mean;
    Index k;
    double eta, sigma0, lr;
    Index updates;
  };
  const std::vector<Case> cases = {
      {{0.5, 1.0, 2.0}, {0.3, -0.2, 0.1}, 5, 0.05, 1.0, 0.2, 40000},
      {{0.8, 1.5, 3.0}, {}, 20, 0.1, 0.5, 0.1, 40000},
      {{1.0, 2.0}, {1.0, 0.0}, 1, 0.05, 2.0, 0.2, 20000},
      {{0.2, 0.8, 2.0, 5.0}, {}, 20, 0.05, 1.0, 0.05, 400000},  // the worked example, J*_4 < 0
  };
  for (const auto& c : cases) {
    const auto d = test::population_data(c.spectrum, c.mean);
    TrainSpec s;
    s.scheme = Scheme::rdm;
    s.k = c.k;
    s.eta = c.eta;
    s.sigma0 = c.sigma0;
    s.lr = c.lr;
    s.updates = c.updates;
    const GaussianEnergy model = test::train_exact(d.data, s);
    const auto fp = gt::fixed_points(d.data, static_cast<double>(c.k), c.sigma0, {c.eta, 1.0});
    INFO("k=" << c.k << " eta=" << c.eta << " sigma0=" << c.sigma0 << " J*=" << fp.j_star.transpose());
    CHECK(max_abs(Matrix(model.J()) - fp.J_star) < 1e-6);
    CHECK(max_abs(Matrix(model.h()) - fp.h_star) < 1e-6);
  }
}

TEST_CASE("cd and pcd with exact moments reach J_eq for every k and exact reaches J_ml", "[training][exact]") {
  const auto d = test::population_data({0.5, 1.0, 2.0}, {});
  const gt::Ula ula{0.05, 1.0};
  const auto fp = gt::fixed_points(d.data, 5, 1.0, ula);
  const Matrix U = fp.basis;
  auto in_modes = [&](const GaussianEnergy& m) { return Matrix(U.transpose() * m.J() * U); };
  for (Scheme scheme : {Scheme::cd, Scheme::pcd})
    for (Index k : {1, 5, 50}) {
      TrainSpec s;
      s.scheme = scheme;
      s.k = k;
      s.lr = 0.2;
      s.updates = 40000;
      const Matrix j = in_modes(test::train_exact(d.data, s));
      INFO("scheme=" << static_cast<int>(scheme) << " k=" << k);
      CHECK(max_abs(j - Matrix(fp.j_eq.asDiagonal())) < 1e-6);
    }
  TrainSpec s;
  s.scheme = Scheme::exact;
  s.lr = 0.2;
  s.updates = 20000;
  CHECK(max_abs(in_modes(test::train_exact(d.data, s)) - Matrix(fp.j_ml.asDiagonal())) < 1e-6);
}

TEST_CASE("the fixed point does not depend on the learning rate", "[training][exact]") {
  const auto d = test::population_data({0.6, 1.2}, {});
  TrainSpec s;
  s.k = 7;
  s.lr = 0.05;
  s.updates = 100000;
  const Matrix slow = test::train_exact(d.data, s).J();
  s.lr = 0.3;
  s.updates = 20000;
  CHECK(max_abs(slow - Matrix(test::train_exact(d.data, s).J())) < 1e-8);
}

TEST_CASE("sampled rdm training lands on J*(k) within 5 standard errors", "[training][sampled]") {
  // Six independent replicas (seeds 1..6); each reports its J averaged over the last 500 of 1500
  // updates, in the data eigenbasis. The replicas are independent, so their spread gives an honest
  // standard error of the mean; the gradient estimate is unbiased (linear in sampled moments).
  const auto d = test::population_data({0.5, 1.0, 2.0}, {});
  const gt::Ula ula{0.05, 1.0};
  const Index k = 10;
  const auto fp = gt::fixed_points(d.data, static_cast<double>(k), 1.0, ula);
  const int replicas = 6;
  const Index updates = 1500, window = 500;
  Matrix estimates(3, replicas);
  std::vector<Index> steps;
  for (Index u = updates - window + 1; u <= updates; ++u) steps.push_back(u);
  for (int r = 0; r < replicas; ++r) {
    TrainSpec s;
    s.k = k;
    s.lr = 0.1;
    s.updates = updates;
    s.chains = 500;
    s.seed = static_cast<std::uint64_t>(r + 1);
    Vector sum = Vector::Zero(3);
    TrainObserver obs;
    obs.on_checkpoint = [&](Index, const Vector& theta) {
      const Eigen::Map<const Matrix> J(theta.data(), 3, 3);
      sum += (fp.basis.transpose() * J * fp.basis).diagonal();
    };
    test::train_sampled(d.data, s, LocalReducer{}, obs, steps);
    estimates.col(r) = sum / static_cast<double>(window);
  }
  const Vector mean = estimates.rowwise().mean();
  for (Index a = 0; a < 3; ++a) {
    const double var = (estimates.row(a).array() - mean[a]).square().sum() / (replicas - 1);
    const double se = std::sqrt(var / replicas);
    INFO("mode " << a << ": mean " << mean[a] << " J* " << fp.j_star[a] << " se " << se
                 << " J_eq " << fp.j_eq[a]);
    CHECK(std::abs(mean[a] - fp.j_star[a]) < 5 * se);
    // And the test can tell J* from J_eq: the gap is many standard errors wide.
    if (std::abs(fp.j_star[a] - fp.j_eq[a]) > 0.05) CHECK(std::abs(mean[a] - fp.j_eq[a]) > 5 * se);
  }
}

TEST_CASE("a mode whose data variance exceeds what k steps can reach makes rdm training diverge", "[training]") {
  // sigma0 = 0 (zeros p0) and c < 2 eta T: v(k; J) > 2 eta T >= c has no root, J grows until the
  // trainer stops it and reports divergence instead of returning garbage.
  const auto d = test::population_data({0.05}, {});
  GaussianEnergy model(1);
  model.J()(0, 0) = 1.0;
  DataTerm data_term(d.data, 0, 1, 0, 1);
  GaussianExactMoments est(Scheme::rdm, 3, 1, 0.0, {0.05, 1.0}, 0);
  Sgd sgd(0.5);
  LocalReducer team;
  const TrainOutcome out = train(model, data_term, est, sgd, team, TrainPlan{20000, {20000}, 100}, TrainObserver{});
  CHECK(out.status == RunStatus::diverged);
  CHECK(out.last_step < 20000);
  CHECK_FALSE(out.reason.empty());
}

// The whole data set without noise is the same batch at every update: the data term keeps its sums
// (x and x x^T) and adds the gradient from them. Oracle: the model's own per-sample gradient
// accumulate_grad_energy over the same columns, for a Gaussian and a bm (energies linear in
// (x, x x^T)); on a team of 2 the ranks' terms add up to the one rank's.
TEST_CASE("whole-data term from cached sums equals the per-sample gradient, on 1 and 2 ranks", "[training][data]") {
  Dataset d;
  Stream s(7, Purpose::minibatch, 0, 0);
  const Index n = 6, samples = 37;
  d.x.resize(n, samples);
  for (Index j = 0; j < samples; ++j)
    for (Index i = 0; i < n; ++i) d.x(i, j) = s.uniform() < 0.5 ? -1.0 : 1.0;
  compute_moments(d);
  GaussianEnergy gauss(n);
  BoltzmannMachine bm(n, Spin::pm1);
  for (Index i = 0; i < gauss.params().size(); ++i) gauss.params()[i] = 0.1 * std::sin(1.0 + i);
  for (Index i = 0; i < bm.params().size(); ++i) bm.params()[i] = 0.1 * std::cos(2.0 + i);
  auto check = [&](const auto& model) {
    Vector want = Vector::Zero(model.params().size());
    model.accumulate_grad_energy(d.x, 1.0 / samples, want);
    for (int size : {1, 2}) {
      Vector got = Vector::Zero(model.params().size());
      for (int rank = 0; rank < size; ++rank) {
        DataTerm term(d, 0, 1, rank, size);
        for (std::uint64_t update = 0; update < 3; ++update) {  // cached after the first update
          Vector one = Vector::Zero(model.params().size());
          term.accumulate(model, update, one);
          if (update == 2) got += one;
        }
      }
      CAPTURE(size);
      CHECK((got - want).cwiseAbs().maxCoeff() <= 1e-13 * (1.0 + want.cwiseAbs().maxCoeff()));
    }
  };
  check(gauss);
  check(bm);
}

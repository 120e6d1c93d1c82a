// train.scheme = exact for the RBM: the negative phase from exact equilibrium moments (enumeration
// of the smaller layer) makes training follow the exact likelihood gradient, so the exact
// log-likelihood climbs and the gradient vanishes at the end (docs/theory.md section 1: exact -> ML).
#include <cmath>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "../support/binary_fixtures.hpp"
#include "shortrun/core/reducer.hpp"
#include "shortrun/estimators/rbm_exact_moments.hpp"
#include "shortrun/optim/sgd.hpp"
#include "shortrun/theory/binary_enumeration.hpp"
#include "shortrun/theory/log_likelihood.hpp"
#include "shortrun/training/trainer.hpp"

using namespace shortrun;

namespace {

/// Every visible state of a teacher RBM, repeated in proportion to its probability (at least once).
Dataset teacher_data(const BernoulliRbm& teacher, double n_target) {
  const Vector p = exact::rbm_visible_law(teacher);
  const Matrix states = exact::states(teacher.n_visible(), Spin::zero_one, 0, p.size());
  std::vector<Index> columns;
  for (Index c = 0; c < p.size(); ++c)
    for (long r = std::max(1L, std::lround(p[c] * n_target)); r > 0; --r) columns.push_back(c);
  Dataset d;
  d.x.resize(teacher.n_visible(), static_cast<Index>(columns.size()));
  for (std::size_t j = 0; j < columns.size(); ++j) d.x.col(static_cast<Index>(j)) = states.col(columns[j]);
  compute_moments(d);
  return d;
}

/// The full NLL gradient at the model's parameters: data term plus exact model term.
Vector full_gradient(const BernoulliRbm& rbm, DataTerm& data, RbmExactMoments& est) {
  Vector g = Vector::Zero(rbm.params().size());
  data.accumulate(rbm, 1, g);
  est.accumulate(rbm, 1, data, g);
  return g;
}

}  // namespace

TEST_CASE("exact-scheme RBM training climbs the exact log-likelihood to a vanishing gradient", "[rbm][training][exact]") {
  const Dataset data = teacher_data(test::tiny_rbm(6, 3, 91, 1.2), 2000);
  BernoulliRbm rbm = test::tiny_rbm(6, 4, 93, 0.1);
  DataTerm data_term(data, 0, 1, 0, 1);
  RbmExactMoments est(6, 4, 0);
  LocalReducer team;
  Sgd sgd(0.5);

  const double grad_start = full_gradient(rbm, data_term, est).norm();
  const double ll_start = rbm_log_likelihood(rbm, data.x).mean;
  std::vector<double> ll;
  TrainObserver observer;
  observer.on_checkpoint = [&](Index, const Vector& params) {
    BernoulliRbm at(6, 4);
    at.params() = params;
    ll.push_back(rbm_log_likelihood(at, data.x).mean);
  };
  const Index updates = 20000;
  TrainPlan plan{updates, {}, updates};
  for (Index s = 10; s <= updates; s *= 2) plan.checkpoint_steps.push_back(s);
  plan.checkpoint_steps.push_back(updates);
  REQUIRE(train(rbm, data_term, est, sgd, team, plan, observer).status == RunStatus::completed);

  const double grad_end = full_gradient(rbm, data_term, est).norm();
  INFO("log-likelihood " << ll_start << " -> " << ll.back() << "; gradient norm " << grad_start << " -> " << grad_end);
  CHECK(rbm_log_likelihood(rbm, data.x).method == "exact");
  CHECK(ll.back() > ll_start + 0.05);
  for (std::size_t i = 1; i < ll.size(); ++i) CHECK(ll[i] >= ll[i - 1] - 1e-12);  // never goes down
  CHECK(grad_end < 1e-3 * grad_start);
  CHECK(grad_end < 1e-3);
  // The model's moments at the end are the data's (the ML stationarity condition).
  const RbmMoments m = exact::rbm_moments(rbm);
  CHECK((m.v_mean - data.mean).cwiseAbs().maxCoeff() < 1e-4);
}

TEST_CASE("exact RBM moments refuse when both layers exceed the enumeration limit", "[rbm][exact]") {
  CHECK_NOTHROW(RbmExactMoments(784, 20, 0));
  CHECK_NOTHROW(RbmExactMoments(20, 500, 0));
  CHECK_THROWS_AS(RbmExactMoments(21, 21, 0), std::invalid_argument);
}

TEST_CASE("the exact RBM negative phase equals minus the enumerated moments on the first rank only", "[rbm][exact]") {
  const BernoulliRbm rbm = test::tiny_rbm(5, 7, 97, 0.8);  // enumerates the visible layer (5 < 7)
  Dataset data;
  data.x = Matrix::Ones(5, 2);
  compute_moments(data);
  DataTerm data_term(data, 0, 1, 0, 1);
  RbmExactMoments first(5, 7, 0), other(5, 7, 1);
  Vector g = Vector::Zero(rbm.params().size()), g_other = g;
  first.accumulate(rbm, 1, data_term, g);
  other.accumulate(rbm, 1, data_term, g_other);
  CHECK(g_other.cwiseAbs().maxCoeff() == 0.0);
  // By brute force over both layers: <v h^T>, <v>, <h> of exp(a.v + b.h + v.W.h) / Z.
  const Matrix v = exact::states(5, Spin::zero_one, 0, 32), h = exact::states(7, Spin::zero_one, 0, 128);
  Matrix vh = Matrix::Zero(5, 7);
  Vector vm = Vector::Zero(5), hm = Vector::Zero(7);
  double z = 0;
  for (Index i = 0; i < 32; ++i)
    for (Index j = 0; j < 128; ++j) {
      const double w = std::exp(rbm.a().col(0).dot(v.col(i)) + rbm.b().col(0).dot(h.col(j)) +
                                v.col(i).dot(rbm.W() * h.col(j)));
      z += w;
      vh += w * v.col(i) * h.col(j).transpose();
      vm += w * v.col(i);
      hm += w * h.col(j);
    }
  const Layout& l = rbm.layout();
  CHECK((view(g, l.block("W")) - vh / z).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((view(g, l.block("a")) - vm / z).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((view(g, l.block("b")) - hm / z).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("free energies at two inverse temperatures equal the sum over hidden states of exp(-beta E)",
          "[rbm][pt]") {
  // Oracle: F_beta(v) = -log sum_h exp(-beta E(v, h)), the 2^5 hidden states enumerated with the
  // joint energy (no softplus involved); the tempered rung of pt is the RBM with parameters beta theta.
  const Index nv = 6, nh = 5;
  const BernoulliRbm rbm = test::tiny_rbm(nv, nh, 41, 0.9);
  Stream s(7, Purpose::data, 0);
  Matrix v(nv, 9);
  for (Index j = 0; j < v.cols(); ++j)
    for (Index i = 0; i < nv; ++i) v(i, j) = s.uniform() < 0.5 ? 1.0 : 0.0;
  for (const auto& [b0, b1] : std::vector<std::pair<double, double>>{{0.05, 0.3}, {0.7, 1.0}, {1.0, 1.0}}) {
    const Matrix f = rbm.free_energies_at(v, b0, b1);
    REQUIRE(f.rows() == v.cols());
    REQUIRE(f.cols() == 2);
    for (Index j = 0; j < v.cols(); ++j) {
      const double betas[2] = {b0, b1};
      for (int q = 0; q < 2; ++q) {
        double z = 0;
        for (Index code = 0; code < (Index(1) << nh); ++code) {
          Matrix h(nh, 1);
          for (Index k = 0; k < nh; ++k) h(k, 0) = (code >> k) & 1;
          z += std::exp(-betas[q] * rbm.joint_energy(v.col(j), h)[0]);
        }
        INFO("beta " << betas[q] << " column " << j);
        CHECK(f(j, q) == Approx(-std::log(z)).epsilon(1e-12));
      }
    }
    // beta = 1: the model's own free energy.
    if (b1 == 1.0) CHECK((f.col(1) - rbm.energy(v)).cwiseAbs().maxCoeff() < 1e-12);
    // The same from given pre-activations: the double ones give these bits; those of the float32
    // working copy (float32 pt's swaps) give them to float rounding: each b_k + (W^T v)_k within
    // nv + 1 float roundings (7 x 6e-8 of its terms' magnitudes), and F sums nh softplus terms of
    // them (softplus' slope is below 1): 1e-6 relative bounds it (seen here: ~2e-8).
    CHECK(rbm.free_energies_from_input(v, rbm.hidden_input(v), b0, b1) == f);
    const RbmParametersOf<float> working = working_copy(rbm, PrecisionTag<float>{});
    MatrixOf<float> in32;
    working.weights().hidden_input(MatrixOf<float>(v.cast<float>()), in32);
    const Matrix f32 = rbm.free_energies_from_input(v, in32.cast<double>(), b0, b1);
    const double err = ((f32 - f).array() / (1.0 + f.array().abs())).abs().maxCoeff();
    INFO("float32 pre-activations: largest relative difference " << err);
    CHECK(err < 1e-6);
    CHECK(err > 0);  // rounded differently: the float32 product really ran
  }
}

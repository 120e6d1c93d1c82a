// Optimizers: hand-computed steps, the L2 fixed point, and that the rdm fixed point of training
// does not depend on the optimizer (docs/theory.md section 3).
#include <cmath>
#include <utility>

#include <catch2/catch.hpp>

#include "../support/binary_fixtures.hpp"
#include "../support/binary_training.hpp"
#include "shortrun/models/independent_spins.hpp"
#include "shortrun/optim/adam.hpp"
#include "shortrun/optim/sgd.hpp"
#include "shortrun/theory/spin_theory.hpp"

using namespace shortrun;

TEST_CASE("sgd with momentum takes the heavy-ball steps", "[optim]") {
  Sgd sgd(0.1, 0.5);
  Vector theta = Vector::Constant(1, 1.0);
  const Vector g1 = Vector::Constant(1, 2.0), g2 = Vector::Constant(1, -1.0);
  sgd.step(theta, g1);  // u = 2, theta = 1 - 0.2
  CHECK(theta[0] == Approx(0.8).epsilon(1e-15));
  sgd.step(theta, g2);  // u = 0.5 * 2 - 1 = 0, theta unchanged
  CHECK(theta[0] == Approx(0.8).epsilon(1e-15));
}

TEST_CASE("adam's first step is lr times the gradient's sign and it minimises a quadratic with L2", "[optim]") {
  Adam adam(0.01);
  Vector theta = (Vector(2) << 1.0, -1.0).finished();
  adam.step(theta, (Vector(2) << 3.0, -0.02).finished());
  CHECK(theta[0] == Approx(1.0 - 0.01).epsilon(1e-9));
  CHECK(theta[1] == Approx(-1.0 + 0.01).epsilon(1e-6));
  // grad of 1/2 |theta - c|^2 plus L2 0.5: minimum at c / 1.5, for Adam and momentum SGD alike.
  const Vector c = (Vector(2) << 3.0, -1.5).finished();
  Adam adam_l2(0.05, 0.9, 0.999, 1e-8, 0.5);
  Sgd sgd_l2(0.1, 0.9, 0.5);
  Vector a = Vector::Zero(2), s = Vector::Zero(2);
  for (int i = 0; i < 5000; ++i) {
    adam_l2.step(a, a - c);
    sgd_l2.step(s, s - c);
  }
  CHECK((a - c / 1.5).cwiseAbs().maxCoeff() < 1e-6);
  CHECK((s - c / 1.5).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("an optimizer's lent state comes back whole: later steps are bitwise those of one never lent", "[optim]") {
  // A resume checkpoint borrows the moments (lend_state) and gives them back (restore(State&&))
  // instead of copying them; the State it writes must hold what state() holds.
  auto check = [](auto lent, auto kept) {
    Vector a = (Vector(3) << 0.5, -1.0, 2.0).finished(), b = a;
    auto grad = [](const Vector& x, int i) { return Vector(x.array().sin() + 0.1 * i); };
    for (int i = 0; i < 3; ++i) {
      lent.step(a, grad(a, i));
      kept.step(b, grad(b, i));
    }
    const State copy = kept.state();
    State borrowed = lent.lend_state();
    REQUIRE(borrowed.blocks().size() == copy.blocks().size());
    for (std::size_t i = 0; i < copy.blocks().size(); ++i) {
      CHECK(borrowed.blocks()[i].name == copy.blocks()[i].name);
      CHECK(test::bitwise_equal(borrowed.blocks()[i].value, copy.blocks()[i].value));
    }
    lent.restore(std::move(borrowed));
    for (int i = 3; i < 6; ++i) {
      lent.step(a, grad(a, i));
      kept.step(b, grad(b, i));
    }
    CHECK(test::bitwise_equal(a, b));
  };
  check(Adam(0.01, 0.9, 0.999, 1e-8, 0.1), Adam(0.01, 0.9, 0.999, 1e-8, 0.1));
  check(Sgd(0.1, 0.5, 0.1), Sgd(0.1, 0.5, 0.1));
}

TEST_CASE("rdm training with adam reaches the same h*(k) as sgd", "[optim][spins][training]") {
  const Index n = 4, k = 3;
  const Vector data_mean = (Vector(n) << 0.3, -0.5, 0.1, 0.6).finished();
  const Dataset data = test::population_moments(data_mean, data_mean * data_mean.transpose());
  IndependentSpins model(n, Spin::pm1);
  LocalReducer team;
  DataTerm data_term(data, 0, 1, 0, 1);
  BinaryExactMoments est(Scheme::rdm, k, {SiteRule::gibbs, SiteOrder::random}, BinaryP0::uniform(Spin::pm1, n), 0);
  Adam adam(0.01);
  REQUIRE(train(model, data_term, est, adam, team, TrainPlan{6000, {6000}, 6000}, TrainObserver{}).status ==
          RunStatus::completed);
  for (Index i = 0; i < n; ++i)
    CHECK(std::abs(model.h()(i, 0) - spin_theory::h_star_gibbs_random(Spin::pm1, data_mean[i], 0.0, n, k)) < 1e-6);
}

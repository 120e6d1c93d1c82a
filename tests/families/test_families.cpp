// The composition path (families/composition.hpp): what it builds for a configuration, checked
// against oracles that do not go through it.
#include <catch2/catch.hpp>

#include <cmath>

#include "shortrun/core/reducer.hpp"
#include "shortrun/families/composition.hpp"
#include "shortrun/training/trainer.hpp"

namespace sr = shortrun;
using sr::Index;
using sr::Matrix;
using sr::RunConfig;
using sr::Vector;

namespace {

RunConfig gaussian_config() {
  RunConfig c;
  c.run_name = "g";
  c.model_type = sr::ModelType::gaussian;
  c.spectrum = {0.2, 0.8, 2.0, 5.0};
  c.n_samples = 0;  // population moments
  c.moments = sr::MomentsMode::exact;
  c.k = 5;
  c.init_coupling = 0.7;
  sr::families::resolve_and_validate(c);
  return c;
}

/// The parameters after `updates` updates through the composition and the trainer.
Vector train_through_composition(const RunConfig& c, Index updates) {
  const sr::Dataset data = sr::families::make_data(c);
  return sr::families::with_run_types(c, data, {0, 1}, [&](auto, auto& model, const auto&, const auto&, auto& est,
                                                           auto& opt) {
    using Scalar = sr::ScalarOf<std::remove_cvref_t<decltype(est)>>;
    sr::DataTermOf<Scalar> data_term(data, c.batch, static_cast<std::uint64_t>(c.seed), 0, 1);
    sr::LocalReducer team;
    sr::TrainPlan plan;
    plan.updates = updates;
    REQUIRE(sr::train(model, data_term, est, opt, team, plan, sr::TrainObserver{}).status ==
            sr::RunStatus::completed);
    return Vector(model.params());
  });
}

}  // namespace

TEST_CASE("the gaussian model trains with the configured optimizer, momentum and l2", "[families][optim]") {
  // Exact moments make one update deterministic. SGD with lr = 1 gives the gradient g itself.
  RunConfig c = gaussian_config();
  const sr::Dataset data = sr::families::make_data(c);
  const Vector theta0 = sr::families::with_model_types(c, data, nullptr, [](auto, const auto& model, const auto&,
                                                                            const auto&) { return Vector(model.params()); });
  c.lr = 1.0;
  const Vector g = theta0 - train_through_composition(c, 1);
  REQUIRE(g.cwiseAbs().maxCoeff() > 1e-3);

  SECTION("adam: the first step moves every coordinate by lr g / (|g| + eps)") {
    c.optimizer = sr::OptimizerType::adam;
    c.lr = 0.01;
    const Vector step = train_through_composition(c, 1) - theta0;
    const Vector expected = -c.lr * g.array() / (g.array().abs() + 1e-8);
    CHECK((step - expected).cwiseAbs().maxCoeff() < 1e-12);
  }
  SECTION("sgd with l2: theta <- theta - lr (g + l2 theta)") {
    c.lr = 0.05;
    c.l2 = 0.3;
    const Vector step = train_through_composition(c, 1) - theta0;
    CHECK((step + c.lr * (g + c.l2 * theta0)).cwiseAbs().maxCoeff() < 1e-12);
  }
  SECTION("sgd with momentum: the second step carries mu times the first") {
    c.lr = 0.05;
    const Vector one = train_through_composition(c, 1);
    c.lr = 0.05;
    c.momentum = 0.5;
    const Vector two = train_through_composition(c, 2);
    // Plain SGD's second step from `one` is -lr g1; with momentum it is -lr (g1 + mu g0), so the two
    // runs differ by exactly -lr mu g0 after two updates (the first steps are equal).
    c.momentum = 0;
    const Vector two_sgd = train_through_composition(c, 2);
    CHECK((one - (theta0 - c.lr * g)).cwiseAbs().maxCoeff() < 1e-12);
    CHECK(((two - two_sgd) + c.lr * 0.5 * g).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("every family builds its model through the composition, and only gaussian and spins have theory",
          "[families]") {
  for (const auto& [type, name] : sr::EnumNames<sr::ModelType>::kTable) {
    INFO(name);
    RunConfig c;
    c.run_name = "x";
    c.model_type = type;
    c.n_hidden = 3;
    c.n_visible = type == sr::ModelType::convnet ? 100 : 0;
    c.spectrum = {1.0, 2.0};
    c.magnetization = {0.1, -0.2, 0.3};
    c.n_samples = 20;
    if (type == sr::ModelType::convnet) c.data_source = sr::DataSource::blobs;
    sr::families::resolve_and_validate(c);
    const sr::Dataset data = sr::families::make_data(c);
    const sr::Layout layout = sr::families::model_layout(c, data);
    CHECK(layout.size() > 0);
    const bool solvable = type == sr::ModelType::gaussian || type == sr::ModelType::spins;
    CHECK(sr::families::theory_tables(c, data, nullptr).has_value() == solvable);
    CHECK(sr::families::theory_table(c, data).empty() == !solvable);
    // Parameters go in and come back through with_model_types unchanged.
    Vector params = Vector::LinSpaced(layout.size(), -0.01, 0.01);
    const Vector back = sr::families::with_model_types(
        c, data, &params, [](auto, const auto& model, const auto&, const auto&) { return Vector(model.params()); });
    CHECK(back == params);
    params.resize(layout.size() + 1);
    CHECK_THROWS_AS(sr::families::with_model_types(c, data, &params, [](auto, const auto&, const auto&, const auto&) {}),
                    sr::BadInput);
  }
}

TEST_CASE("optimizer and estimator state round-trips: a restored copy continues bit for bit", "[families][state]") {
  Vector theta = Vector::LinSpaced(5, -1, 1);
  const Vector g1 = Vector::LinSpaced(5, 0.3, -0.2), g2 = Vector::LinSpaced(5, -0.1, 0.4);
  sr::Adam adam(0.01);
  adam.step(theta, g1);
  sr::Adam copy(0.01);
  copy.restore(adam.state());
  Vector a = theta, b = theta;
  adam.step(a, g2);
  copy.step(b, g2);
  CHECK(a == b);
  sr::Sgd sgd(0.1, 0.9);
  sgd.step(theta, g1);
  sr::Sgd sgd_copy(0.1, 0.9);
  sgd_copy.restore(sgd.state());
  a = theta;
  b = theta;
  sgd.step(a, g2);
  sgd_copy.step(b, g2);
  CHECK(a == b);
}

// model.precision = float32: training through the composition in float32 lands on the same rdm
// fixed point as float64, and its state (float chains) round-trips bit for bit.
#include <catch2/catch.hpp>

#include <cmath>

#include "shortrun/core/reducer.hpp"
#include "shortrun/families/composition.hpp"
#include "shortrun/measure/exact_dynamics.hpp"
#include "shortrun/observables/chain_statistics.hpp"
#include "shortrun/training/trainer.hpp"

namespace sr = shortrun;
using sr::Index;
using sr::RunConfig;
using sr::Vector;
using sr::families::Rbm;

namespace {

RunConfig small_rbm(sr::Precision precision, sr::Scheme scheme) {
  RunConfig c;
  c.run_name = "r";
  c.model_type = sr::ModelType::rbm;
  c.n_hidden = 3;
  c.data_source = sr::DataSource::spins;
  c.magnetization = {-0.6, -0.2, 0.1, 0.4, 0.7, 0.2};  // 6 visible units, pm1 terms
  c.n_samples = 4000;
  c.precision = precision;
  c.scheme = scheme;
  c.k = 2;
  c.lr = 0.1;
  c.chains = 2000;
  c.seed = 11;
  sr::families::resolve_and_validate(c);
  return c;
}

/// Trains `updates` updates one at a time through the composition; returns the final parameters
/// and their average over the last `averaged` updates (Polyak averaging damps the chains' noise).
std::pair<Vector, Vector> train(const RunConfig& c, const sr::Dataset& data, Index updates, Index averaged) {
  return sr::families::with_family_run_types<Rbm>(c, data, {0, 1}, [&](auto, auto& model, const auto&, const auto&,
                                                                       auto& est, auto& opt) {
    using Scalar = sr::ScalarOf<std::remove_cvref_t<decltype(est)>>;
    sr::DataTermOf<Scalar> data_term(data, c.batch, static_cast<std::uint64_t>(c.seed), 0, 1);
    sr::LocalReducer team;
    Vector mean = Vector::Zero(model.params().size());
    for (Index u = 1; u <= updates; ++u) {
      sr::TrainPlan plan;
      plan.first_step = u;
      plan.updates = u;
      REQUIRE(sr::train(model, data_term, est, opt, team, plan, sr::TrainObserver{}).status ==
              sr::RunStatus::completed);
      if (u > updates - averaged) mean += model.params() / static_cast<double>(averaged);
    }
    return std::pair{Vector(model.params()), mean};
  });
}

}  // namespace

TEST_CASE("float32 rdm training of a small rbm meets the data at t = k as float64 does", "[families][precision]") {
  // Oracle: the exact law p_k (propagated over the 2^6 visible states) of the trained parameters has
  // the data's <v>, <h> and <v h> (the rdm fixed point (G), docs/theory.md section 1). float32
  // chains draw other random numbers (two float uniforms per Philox word), so the two precisions
  // are different samples of the same training: each must meet (G) within the chains' noise. The
  // noise of one update's statistics is about 0.5 / sqrt(2000) = 0.011 per unit; averaging the
  // parameters over the last 300 updates leaves a few thousandths; 0.02 is over 5 of those, while
  // float32 rounding (2^-24 relative in the probabilities) is far below any of it.
  for (const auto precision : {sr::Precision::float64, sr::Precision::float32}) {
    INFO(sr::name_of(precision));
    const RunConfig c = small_rbm(precision, sr::Scheme::rdm);
    const sr::Dataset data = sr::families::make_data(c);
    const auto [last, averaged] = train(c, data, 900, 300);
    sr::BernoulliRbm rbm(data.dim(), c.n_hidden);
    rbm.params() = averaged;
    const sr::DataReference ref = sr::make_reference(rbm, data);
    const sr::DynamicsResult law = sr::rbm_exact_dynamics(rbm, sr::families::binary::p0(c, data), {0, c.k}, ref);
    REQUIRE(law.t.back() == c.k);
    const sr::ChainStatistics& at_k = law.stats.back();
    CHECK(at_k.mean_err < 0.02);
    CHECK(at_k.h_err < 0.02);
    CHECK(at_k.vh_err < 0.02);
    // ... and at t = 0 (p0 uniform) the error is large: the check can fail.
    CHECK(law.stats.front().mean_err > 0.1);
  }
}

TEST_CASE("float32 pcd state (float chains, Adam moments) restores bit for bit", "[families][precision][state]") {
  RunConfig c = small_rbm(sr::Precision::float32, sr::Scheme::pcd);
  c.optimizer = sr::OptimizerType::adam;
  c.lr = 0.01;
  c.chains = 64;
  const sr::Dataset data = sr::families::make_data(c);
  const Vector straight = train(c, data, 20, 1).first;
  // One family's types only (with_run_types would instantiate both nested lambdas for every family's).
  const Vector resumed = sr::families::with_family_run_types<Rbm>(c, data, {0, 1}, [&](auto, auto& model, const auto&,
                                                                                      const auto&, auto& est, auto& opt) {
    using Scalar = sr::ScalarOf<std::remove_cvref_t<decltype(est)>>;
    REQUIRE(std::is_same_v<Scalar, float>);
    sr::DataTermOf<Scalar> data_term(data, c.batch, static_cast<std::uint64_t>(c.seed), 0, 1);
    sr::LocalReducer team;
    sr::TrainPlan first;
    first.updates = 10;
    REQUIRE(sr::train(model, data_term, est, opt, team, first, sr::TrainObserver{}).status == sr::RunStatus::completed);
    const sr::State est_state = est.state(), opt_state = opt.state();
    const Vector params = model.params();
    // A fresh set of components from the composition, given the saved state.
    return sr::families::with_family_run_types<Rbm>(c, data, {0, 1}, [&](auto, auto& model2, const auto&, const auto&,
                                                             auto& est2, auto& opt2) {
      model2.params() = params;
      est2.restore(est_state);
      opt2.restore(opt_state);
      using Scalar2 = sr::ScalarOf<std::remove_cvref_t<decltype(est2)>>;
      sr::DataTermOf<Scalar2> data_term2(data, c.batch, static_cast<std::uint64_t>(c.seed), 0, 1);
      sr::TrainPlan rest;
      rest.first_step = 11;
      rest.updates = 20;
      REQUIRE(sr::train(model2, data_term2, est2, opt2, team, rest, sr::TrainObserver{}).status ==
              sr::RunStatus::completed);
      return Vector(model2.params());
    });
  });
  CHECK(resumed == straight);
  // Not trivially equal: the chains persist, so restoring fresh p0 chains instead would differ.
  CHECK((resumed - train(c, data, 10, 1).first).cwiseAbs().maxCoeff() > 0);
}

TEST_CASE("model.precision = float32 is refused where the family has no float32 working copy", "[families][precision]") {
  RunConfig c;
  c.run_name = "g";
  c.model_type = sr::ModelType::gaussian;
  c.spectrum = {1.0};
  c.precision = sr::Precision::float32;
  CHECK_THROWS_WITH(sr::families::resolve_and_validate(c), Catch::StartsWith("model.precision: expected float64"));
  RunConfig r = small_rbm(sr::Precision::float64, sr::Scheme::exact);
  r.precision = sr::Precision::float32;
  CHECK_THROWS_WITH(sr::families::resolve_and_validate(r), Catch::StartsWith("model.precision:"));
}

// A team of 2 ranks trains the same configuration as 1 rank: chains and minibatch entries are
// addressed by global index, so parameters agree to summation order (1e-10 relative).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "../support/gaussian_fixtures.hpp"
#include "shortrun/families/composition.hpp"
#include "shortrun/parallel/mpi.hpp"

using namespace shortrun;

TEST_CASE("a 2-rank team equals 1 rank for rdm and pcd and cd with minibatches", "[mpi]") {
  mpi::Communicator world = mpi::Communicator::world();
  REQUIRE(world.size() == 2);
  const auto d = test::population_data({0.5, 1.0, 2.0}, {0.2, 0.0, -0.3}, /*n_samples=*/500);
  for (Scheme scheme : {Scheme::rdm, Scheme::pcd, Scheme::cd}) {
    test::TrainSpec s;
    s.scheme = scheme;
    s.k = 5;
    s.lr = 0.1;
    s.updates = 20;
    s.chains = 101;  // odd: the ranks hold different numbers of chains
    s.batch = 37;
    const Vector team = test::train_sampled(d.data, s, world).params();
    const Vector alone = test::train_sampled(d.data, s, LocalReducer{}).params();
    INFO("scheme " << static_cast<int>(scheme) << " rank " << world.rank());
    CHECK((team - alone).norm() <= 1e-10 * alone.norm());
    // Same rank count, same seed: bitwise identical.
    const Vector again = test::train_sampled(d.data, s, world).params();
    CHECK(again == team);
  }
}

namespace {

/// An rbm configuration trained through the composition by a team at `team` (rank, size).
template <Reducer R>
Vector train_rbm(const RunConfig& c, const Dataset& data, R& reducer, int rank, int size) {
  return families::with_run_types(c, data, {rank, size}, [&](auto, auto& model, const auto&, const auto&, auto& est,
                                                             auto& opt) {
    using Scalar = ScalarOf<std::remove_cvref_t<decltype(est)>>;
    DataTermOf<Scalar> data_term(data, c.batch, static_cast<std::uint64_t>(c.seed), rank, size);
    TrainPlan plan;
    plan.updates = 20;
    REQUIRE(train(model, data_term, est, opt, reducer, plan, TrainObserver{}).status == RunStatus::completed);
    return Vector(model.params());
  });
}

}  // namespace

TEST_CASE("float32 training: a 2-rank team equals 1 rank to float summation order", "[mpi][precision]") {
  // The chains' float32 statistics are summed per rank, then over the team: the parameters differ by
  // float rounding only (~1e-7 relative per update), as long as no unit's uniform falls within that
  // distance of its probability (about 1e-7 odds per draw: a few 1e5 draws here).
  mpi::Communicator world = mpi::Communicator::world();
  for (Scheme scheme : {Scheme::rdm, Scheme::pcd, Scheme::cd}) {
    RunConfig c;
    c.run_name = "r";
    c.model_type = ModelType::rbm;
    c.n_hidden = 5;
    c.data_source = DataSource::spins;
    c.magnetization = {-0.6, -0.2, 0.1, 0.4, 0.7, 0.2, 0.0, 0.5};
    c.n_samples = 300;
    c.precision = Precision::float32;
    c.scheme = scheme;
    c.k = 3;
    c.lr = 0.05;
    c.chains = 101;  // odd: the ranks hold different numbers of chains
    c.batch = 37;
    families::resolve_and_validate(c);
    const Dataset data = families::make_data(c);
    LocalReducer local;
    const Vector team = train_rbm(c, data, world, world.rank(), world.size());
    const Vector alone = train_rbm(c, data, local, 0, 1);
    INFO("scheme " << name_of(scheme) << " rank " << world.rank());
    CHECK((team - alone).norm() <= 1e-5 * alone.norm());
    CHECK((team - alone).norm() > 0);  // float sums in another order: not bitwise (the check is not vacuous)
    CHECK(train_rbm(c, data, world, world.rank(), world.size()) == team);  // same team: bitwise
  }
}

int main(int argc, char** argv) {
  mpi::Environment env(argc, argv);
  // Every rank runs the tests; the job passes only if every rank passed.
  Catch::Session session;
  const int failures = session.run(argc, argv);
  const bool ok = mpi::Communicator::world().all(failures == 0);
  return ok ? 0 : 1;
}

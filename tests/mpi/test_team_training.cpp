// A team of 2 ranks trains the same configuration as 1 rank: chains and minibatch entries are
// addressed by global index, so parameters agree to summation order (1e-10 relative).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "../support/gaussian_fixtures.hpp"
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

int main(int argc, char** argv) {
  mpi::Environment env(argc, argv);
  // Every rank runs the tests; the job passes only if every rank passed.
  Catch::Session session;
  const int failures = session.run(argc, argv);
  const bool ok = mpi::Communicator::world().all(failures == 0);
  return ok ? 0 : 1;
}

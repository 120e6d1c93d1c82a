// The sweep's work queue hands every item out exactly once, whatever the number of ranks.
#include <vector>

#include <catch2/catch.hpp>

#include "shortrun/parallel/teams.hpp"

using namespace shortrun;

TEST_CASE("every item is taken exactly once across ranks and teams", "[mpi][sweep]") {
  mpi::Communicator world = mpi::Communicator::world();
  for (int ranks_per_team : {1, 2}) {
    if (world.size() % ranks_per_team != 0) continue;
    mpi::Teams teams(world, ranks_per_team);
    const std::int64_t n_items = 37;
    mpi::WorkQueue queue(world, n_items);
    std::vector<double> taken(static_cast<std::size_t>(n_items), 0.0);
    while (true) {
      std::int64_t item = teams.leader() ? queue.take() : 0;
      teams.team.broadcast(item, 0);
      if (item >= n_items) break;
      if (teams.leader()) {
        taken[static_cast<std::size_t>(item)] += 1.0;
        queue.report(item, {mpi::WorkQueue::kFirstFinal, static_cast<double>(teams.team_index), 0, 0});
      }
    }
    world.sum_inplace(taken);
    for (std::int64_t i = 0; i < n_items; ++i) CHECK(taken[static_cast<std::size_t>(i)] == 1.0);
    world.barrier();
    if (world.rank() == 0) {
      const auto records = queue.snapshot();
      for (const auto& r : records) {
        CHECK(r.state == mpi::WorkQueue::kFirstFinal);
        CHECK(r.team >= 0);
        CHECK(r.team < teams.n_teams);
      }
    }
  }
}

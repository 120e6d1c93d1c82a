#pragma once
/// Teams and dynamic scheduling for sweeps (docs/design.md section 9).
///
/// The world is split into teams of P consecutive ranks (MPI_Comm_split). Work items are handed out
/// by an atomic counter in an MPI window on world rank 0 (MPI_Fetch_and_op): a team leader takes
/// the next item when its team is free, so teams never wait for each other and no rank is spent on
/// scheduling. The same window holds one status record per item, written by the team that ran it
/// (MPI_Put under a lock) and read by world rank 0 for progress lines and the manifest.
#include <cstdint>
#include <vector>

#include <mpi.h>

#include "shortrun/parallel/mpi.hpp"

namespace shortrun::mpi {

/// Splits `world` into teams of `ranks_per_team` consecutive ranks; ranks_per_team must divide
/// world.size() (checked by the caller).
struct Teams {
  Teams(const Communicator& world, int ranks_per_team);
  ~Teams();
  Teams(const Teams&) = delete;
  Teams& operator=(const Teams&) = delete;

  Communicator team;  ///< this rank's team
  int team_index = 0;
  int n_teams = 1;
  bool leader() const { return team.rank() == 0; }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
};

/// One work item's record in the shared status table.
struct ItemStatus {
  double state = 0;   ///< kPending, kRunning, or a final state >= kFirstFinal chosen by the caller
  double team = -1;
  double wall_s = 0;
  double value = 0;   ///< a number of the caller's (e.g. an error against theory)
  double err_k = 0, err_min = 0, err_eq = 0;  ///< measurement errors of the caller's (sweeps)
  double err_k_se = 0, err_min_se = 0, err_eq_se = 0;  ///< their standard errors
  double run_s = 0;   ///< the caller's whole time on the item (wall_s may count part of it)
};

class WorkQueue {
 public:
  static constexpr double kPending = 0, kRunning = 1, kFirstFinal = 2;

  /// Collective over `world`. n_items items, numbered 0..n_items-1.
  WorkQueue(const Communicator& world, std::int64_t n_items);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  /// Atomically takes the next item number; >= n_items when none is left. Team leaders call this.
  std::int64_t take();
  /// Writes item i's record (any rank, usually a team leader).
  void report(std::int64_t item, const ItemStatus& status);
  /// World rank 0 only: a consistent copy of every record, and (if asked) how many items have
  /// been taken so far (at most size()).
  std::vector<ItemStatus> snapshot(std::int64_t* taken = nullptr);
  std::int64_t size() const { return n_items_; }

 private:
  MPI_Win win_ = MPI_WIN_NULL;
  void* base_ = nullptr;
  std::int64_t n_items_;
  int rank_;
};

}  // namespace shortrun::mpi

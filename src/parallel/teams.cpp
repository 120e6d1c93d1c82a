#include "shortrun/parallel/teams.hpp"

#include <algorithm>
#include <cstring>

namespace shortrun::mpi {

Teams::Teams(const Communicator& world, int ranks_per_team) : team(MPI_COMM_NULL) {
  team_index = world.rank() / ranks_per_team;
  n_teams = world.size() / ranks_per_team;
  MPI_Comm_split(world.get(), team_index, world.rank(), &comm_);
  team = Communicator(comm_);
}

Teams::~Teams() {
  if (comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

namespace {
// Window layout on world rank 0 (displacement unit 1 byte): the counter (int64) at 0, then one
// ItemStatus (11 doubles) per item.
constexpr MPI_Aint kRecordsOffset = sizeof(std::int64_t);
constexpr int kDoublesPerRecord = 11;
static_assert(sizeof(ItemStatus) == kDoublesPerRecord * sizeof(double));
}  // namespace

WorkQueue::WorkQueue(const Communicator& world, std::int64_t n_items)
    : n_items_(n_items), rank_(world.rank()) {
  const MPI_Aint bytes =
      rank_ == 0 ? kRecordsOffset + static_cast<MPI_Aint>(n_items) * static_cast<MPI_Aint>(sizeof(ItemStatus)) : 0;
  MPI_Win_allocate(bytes, 1, MPI_INFO_NULL, world.get(), &base_, &win_);
  if (rank_ == 0) {
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win_);
    std::memset(base_, 0, static_cast<std::size_t>(bytes));
    MPI_Win_unlock(0, win_);
  }
  MPI_Barrier(world.get());  // nobody takes work before the counter is zero
}

WorkQueue::~WorkQueue() {
  if (win_ != MPI_WIN_NULL) MPI_Win_free(&win_);
}

std::int64_t WorkQueue::take() {
  const std::int64_t one = 1;
  std::int64_t previous = 0;
  MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win_);
  MPI_Fetch_and_op(&one, &previous, MPI_INT64_T, 0, 0, MPI_SUM, win_);
  MPI_Win_unlock(0, win_);
  return previous;
}

void WorkQueue::report(std::int64_t item, const ItemStatus& status) {
  MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win_);
  MPI_Put(&status, kDoublesPerRecord, MPI_DOUBLE, 0,
          kRecordsOffset + static_cast<MPI_Aint>(item) * static_cast<MPI_Aint>(sizeof(ItemStatus)),
          kDoublesPerRecord, MPI_DOUBLE, win_);
  MPI_Win_unlock(0, win_);
}

std::vector<ItemStatus> WorkQueue::snapshot(std::int64_t* taken) {
  std::vector<ItemStatus> out(static_cast<std::size_t>(n_items_));
  if (rank_ != 0) return out;
  std::int64_t counter = 0;
  MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win_);
  std::memcpy(&counter, base_, sizeof counter);
  std::memcpy(out.data(), static_cast<char*>(base_) + kRecordsOffset, out.size() * sizeof(ItemStatus));
  MPI_Win_unlock(0, win_);
  if (taken != nullptr) *taken = std::min(counter, n_items_);
  return out;
}

}  // namespace shortrun::mpi

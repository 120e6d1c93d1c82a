#pragma once
/// The reduction a team of ranks needs, as a concept, so the trainer never sees MPI.
/// LocalReducer serves serial runs and tests; shortrun::mpi::Communicator serves the app.
#include <concepts>
#include <span>

namespace shortrun {

template <class R>
concept Reducer = requires(R r, const R cr, std::span<double> x, bool flag) {
  { r.sum_inplace(x) };            ///< x <- sum of x over the team's ranks
  { cr.all(flag) } -> std::same_as<bool>;  ///< true iff flag is true on every rank
  { cr.rank() } -> std::convertible_to<int>;
  { cr.size() } -> std::convertible_to<int>;
};

/// A team of one rank.
struct LocalReducer {
  void sum_inplace(std::span<double>) {}
  bool all(bool flag) const { return flag; }
  int rank() const { return 0; }
  int size() const { return 1; }
};

}  // namespace shortrun

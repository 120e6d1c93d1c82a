#pragma once
/// MPI behind two small classes. Environment initialises and finalises MPI, and calls MPI_Abort
/// when destroyed during stack unwinding (ALPSCore's habit): an exception on one rank ends the job
/// instead of leaving the others waiting in a collective. Communicator is a Reducer.
#include <cstdint>
#include <span>
#include <string>

#include <mpi.h>

namespace shortrun::mpi {

/// MPI_Get_library_version's text (first line), e.g. "Open MPI v4.1.4, package: ...".
std::string library_version();

class Environment {
 public:
  Environment(int& argc, char**& argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

 private:
  int uncaught_at_start_;
};

class Communicator {
 public:
  static Communicator world() { return Communicator(MPI_COMM_WORLD); }
  explicit Communicator(MPI_Comm comm) : comm_(comm) {}

  int rank() const;
  int size() const;
  /// x <- elementwise sum of x over the ranks (one MPI_Allreduce).
  void sum_inplace(std::span<double> x);
  /// True iff flag is true on every rank.
  bool all(bool flag) const;
  /// The smallest value of v over the ranks.
  int min(int v) const;
  /// s on every rank becomes root's s.
  void broadcast(std::string& s, int root) const;
  void broadcast(std::int64_t& v, int root) const;
  void broadcast(std::span<double> x, int root) const;
  void barrier() const;
  MPI_Comm get() const { return comm_; }

 private:
  MPI_Comm comm_;
};

}  // namespace shortrun::mpi

#include "shortrun/parallel/mpi.hpp"

#include <cstdio>
#include <exception>

namespace shortrun::mpi {

Environment::Environment(int& argc, char**& argv) : uncaught_at_start_(std::uncaught_exceptions()) {
  MPI_Init(&argc, &argv);
  // Return error codes rather than aborting inside the library, so failures carry a message.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

Environment::~Environment() {
  if (std::uncaught_exceptions() > uncaught_at_start_) {
    // The commands end their errors through cli::fail_job; this is the last resort, still one line.
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    std::fprintf(stderr, "shortrun: internal error on rank %d: an exception escaped the command\n", rank);
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Finalize();
}

int Communicator::rank() const {
  int r = 0;
  MPI_Comm_rank(comm_, &r);
  return r;
}

int Communicator::size() const {
  int s = 1;
  MPI_Comm_size(comm_, &s);
  return s;
}

void Communicator::sum_inplace(std::span<double> x) {
  MPI_Allreduce(MPI_IN_PLACE, x.data(), static_cast<int>(x.size()), MPI_DOUBLE, MPI_SUM, comm_);
}

bool Communicator::all(bool flag) const {
  int local = flag ? 1 : 0, global = 0;
  MPI_Allreduce(&local, &global, 1, MPI_INT, MPI_LAND, comm_);
  return global != 0;
}

int Communicator::min(int v) const {
  int out = v;
  MPI_Allreduce(&v, &out, 1, MPI_INT, MPI_MIN, comm_);
  return out;
}

void Communicator::broadcast(std::string& s, int root) const {
  int n = static_cast<int>(s.size());
  MPI_Bcast(&n, 1, MPI_INT, root, comm_);
  s.resize(static_cast<std::size_t>(n));
  MPI_Bcast(s.data(), n, MPI_CHAR, root, comm_);
}

void Communicator::broadcast(std::int64_t& v, int root) const {
  MPI_Bcast(&v, 1, MPI_INT64_T, root, comm_);
}

void Communicator::broadcast(std::span<double> x, int root) const {
  MPI_Bcast(x.data(), static_cast<int>(x.size()), MPI_DOUBLE, root, comm_);
}

void Communicator::barrier() const { MPI_Barrier(comm_); }

std::string library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(text, &length);
  std::string v(text, static_cast<std::size_t>(length));
  return v.substr(0, v.find_first_of("\r\n"));
}

}  // namespace shortrun::mpi

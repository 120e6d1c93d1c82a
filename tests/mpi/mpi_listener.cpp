// MPI for the MPI test programs, which link Catch2's prebuilt main (Catch2::Catch2WithMain): a
// listener starts MPI before the first test case and ends it after the last. A main of their own
// (CATCH_CONFIG_RUNNER) compiled Catch2's whole implementation into each program, about 30 s of
// -O3 build apiece. Every rank runs every test; mpirun's exit status is nonzero if any rank's is.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <memory>

#include <catch2/catch.hpp>

#include "shortrun/parallel/mpi.hpp"

namespace {

class MpiListener : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;

  void testRunStarting(const Catch::TestRunInfo&) override {
    int argc = 0;
    char** argv = nullptr;
    env_ = std::make_unique<shortrun::mpi::Environment>(argc, argv);
  }
  void testRunEnded(const Catch::TestRunStats&) override { env_.reset(); }

 private:
  std::unique_ptr<shortrun::mpi::Environment> env_;
};

}  // namespace

CATCH_REGISTER_LISTENER(MpiListener)

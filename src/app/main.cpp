// shortrun: train energy-based models with short-run MCMC and measure dynamics vs equilibrium.
#include <sched.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "shortrun/app/commands.hpp"
#include "shortrun/app/stop_control.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/core/matrix_backend.hpp"
#include "shortrun/core/threads.hpp"
#include "shortrun/app/provenance.hpp"
#include "shortrun/version.hpp"

namespace {

constexpr const char* kHelp = R"(usage: shortrun COMMAND [ARGS]   (shortrun COMMAND --help for details)

commands:
  train   CONFIG.ini [--set SECTION.KEY=VALUE]... [--out DIR]   train one configuration
                                                                (all MPI ranks form one team)
  sweep   CONFIG.ini [--set ...]... [--out DIR] [--ranks-per-run P]
                                       a grid of configurations over teams of P ranks
  measure RUN.h5 [--checkpoint last|all|STEP] [--set measure.KEY=VALUE]...
                                       re-measure dynamics and equilibrium of a trained run
  theory  CONFIG.ini [--out FILE.h5]   closed-form predictions of a solvable model, as a table
  info    FILE.h5 [--json]             summary of a run file or sweep manifest (--json: typed)
  bench   [--what rbm|pt|bm|gaussian|convnet|gemm|all] [--json] [--repeats N] [--quick] [--threads N]
                                       time the training kernels against this machine's GEMM
  --version                            version, git commit and matrix-product library

Exit codes: 0 success, 2 bad input, 3 some run diverged, 1 internal error.
Docs: README.md, docs/hdf5-schema.md; science: docs/theory.md; design: docs/design.md.
)";

/// An OpenMP build whose threads outnumber the CPUs this process may run on: mpirun binds each
/// rank to one core by default, and the threads then share it (measured: no speed-up at all).
/// Said once per job (the first rank, as the launcher numbers them), before any work starts.
void warn_if_threads_share_cpus() {
  const int threads = shortrun::max_threads();
  if (threads <= 1) return;
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof mask, &mask) != 0) return;
  const int cpus = CPU_COUNT(&mask);
  if (cpus >= threads) return;
  for (const char* rank_var : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_PROCID"})
    if (const char* r = std::getenv(rank_var); r && std::strcmp(r, "0") != 0) return;
  std::fprintf(stderr,
               "shortrun: warning: %d OpenMP threads but this process may run on %d CPU%s (its affinity, set by the "
               "launcher): the threads will share %s; give each rank its cores (mpirun --map-by slot:PE=%d or "
               "--bind-to none; srun --cpus-per-task=%d) or set OMP_NUM_THREADS=%d\n",
               threads, cpus, cpus == 1 ? "" : "s", cpus == 1 ? "it" : "them", threads, threads, cpus);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace shortrun::cli;
  set_command_line(argc, argv);
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kHelp, argc < 2 ? stderr : stdout);
    return argc < 2 ? kExitBadInput : kExitOk;
  }
  const std::string command = argv[1];
  // One thread per matrix product: in an OpenMP build the core splits its products over chains
  // itself (core/threads.hpp); Eigen's or OpenBLAS's own threading would round differently with
  // the thread count.
  shortrun::set_product_threads(1);
  if (command == "--version") {
    std::printf("shortrun %s (git %s%s, matrix products: %s)\nbuild: %s, %s\n", shortrun::kVersion, shortrun::kGitSha,
                shortrun::kGitDirty == 1 ? ", with uncommitted changes" : "", shortrun::matrix_backend().c_str(),
                shortrun::kBuildFlags, shortrun::kCompiler);
    return kExitOk;
  }
  // Stop signals are caught from the start, so one that arrives while MPI starts up still ends
  // in a checkpoint and exit code 75 rather than the default termination.
  if (command == "train" || command == "sweep") install_stop_signals();
  if (command == "train" || command == "sweep" || command == "measure") warn_if_threads_share_cpus();
  try {
    if (command == "train") return cmd_train(argc - 1, argv + 1);
    if (command == "sweep") return cmd_sweep(argc - 1, argv + 1);
    if (command == "theory") return cmd_theory(argc - 1, argv + 1);
    if (command == "info") return cmd_info(argc - 1, argv + 1);
    if (command == "measure") return cmd_measure(argc - 1, argv + 1);
    if (command == "bench") return cmd_bench(argc - 1, argv + 1);
    std::fprintf(stderr, "shortrun: error: unknown command '%s'; expected train, sweep, measure, theory, info or bench (shortrun --help)\n",
                 command.c_str());
    return kExitBadInput;
  } catch (const shortrun::BadInput& e) {
    std::fprintf(stderr, "shortrun: error: %s\n", e.what());
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "shortrun: internal error: %s\n", shortrun::BadInput::one_line(e.what()).c_str());
    return kExitInternal;
  }
}

#pragma once
/// OpenMP threads inside a rank (CMake option SHORTRUN_OPENMP, off by default): the per-chain
/// loops of the samplers (uniform and Bernoulli draws, single-site sweeps) and the matrix products
/// inside them run on OMP_NUM_THREADS threads, split over fixed chunks of chains. Every chain draws
/// from its own stream and writes only its own columns, and a chunk's products do not depend on
/// which thread runs them, so results are bitwise the same for any thread count (and the same as
/// a build without OpenMP, whose loops are plain serial loops).
#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>

#include "shortrun/core/types.hpp"

namespace shortrun {

/// Chains per chunk of the per-chain loops and of the matrix products split over chains. Fixed,
/// so that how chains are grouped never depends on the thread count: Eigen's own threaded GEMM
/// blocks the inner dimension differently from its serial one (measured: the results differ in
/// the last bits), so the core never lets Eigen thread (call Eigen::setNbThreads(1) in an OpenMP
/// build) and runs serial products on fixed chunks instead. 128 columns: as fast as one product
/// over all 1000 chains of the benchmark (64 costs about 5 % more in repacking the weights).
inline constexpr Index kChainChunk = 128;

/// Number of chunks of `chunk` columns (default kChainChunk) covering n columns.
inline Index chain_chunks(Index n, Index chunk = kChainChunk) { return (n + chunk - 1) / chunk; }

/// Threads a parallel loop of the core uses (1 without OpenMP).
inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/// The most threads this build can run: omp_get_num_procs() with OpenMP (oversubscribing is the
/// user's choice through OMP_NUM_THREADS, not checked here), 1 without.
inline int max_thread_count() {
#ifdef _OPENMP
  return std::max(omp_get_num_procs(), omp_get_max_threads());
#else
  return 1;
#endif
}

/// Sets the threads of the following parallel loops (no-op without OpenMP).
inline void set_thread_count([[maybe_unused]] int n) {
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}

/// This thread's number inside a parallel loop, 0 .. max_threads() - 1 (0 without OpenMP).
inline int thread_index() {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

}  // namespace shortrun

/// `SHORTRUN_PARALLEL_FOR for (...)`: an OpenMP static-schedule parallel loop, or a plain loop.
/// Iterations are dealt round-robin (chunk 1): the loops run over fixed chunks whose last one is
/// often short (784 rows in blocks of 128: 6 x 128 + 16), and contiguous shares would give one of
/// two threads 512 rows and the other 272. Which thread runs a chunk never changes a result.
#ifdef _OPENMP
#define SHORTRUN_PARALLEL_FOR _Pragma("omp parallel for schedule(static, 1)")
#else
#define SHORTRUN_PARALLEL_FOR
#endif

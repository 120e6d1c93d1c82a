#pragma once
/// Which library computes the matrix products, fixed at build time by the CMake option
/// SHORTRUN_BLAS: AUTO (default) or ON, Eigen hands its float and double products to OpenBLAS
/// (EIGEN_USE_BLAS; AUTO only when CMake finds it); OFF, Eigen's own GEMM. OpenBLAS is faster on
/// recent AVX-512 cores (measured in docs/performance.md) but its results differ from Eigen's in
/// the last bits and depend on the kernel OpenBLAS picks for the CPU (OPENBLAS_CORETYPE), so run
/// files and bench output record matrix_backend() beside the git commit.
#include <string>

namespace shortrun {

/// "Eigen <version>" or "OpenBLAS <version> <core kernel>", e.g. "OpenBLAS 0.3.21 SkylakeX".
std::string matrix_backend();

/// Threads inside one matrix product (Eigen's and OpenBLAS's). Training keeps 1 in every build
/// (main() sets it at start-up): a rank's threads are its MPI ranks and, with SHORTRUN_OPENMP,
/// the core's own fixed chunks of chains (core/threads.hpp), which keeps results independent of
/// the thread count; OpenBLAS's pthread variant would otherwise start one thread per core in
/// every rank. `shortrun bench --threads N` sets N for its reference GEMM row only.
void set_product_threads(int n);

}  // namespace shortrun

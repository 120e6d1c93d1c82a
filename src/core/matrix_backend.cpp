#include "shortrun/core/matrix_backend.hpp"

#include <Eigen/Core>

#ifdef EIGEN_USE_BLAS
// OpenBLAS's own entry points (cblas.h declares them too; these three are all the core needs).
extern "C" {
void openblas_set_num_threads(int num_threads);
char* openblas_get_corename(void);
char* openblas_get_config(void);
}
#endif

namespace shortrun {

std::string matrix_backend() {
#ifdef EIGEN_USE_BLAS
  // openblas_get_config(): "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64".
  std::string config = openblas_get_config();
  const std::string version = config.substr(0, config.find(' ', config.find(' ') + 1));
  return version + " " + openblas_get_corename();
#else
  return "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
         std::to_string(EIGEN_MINOR_VERSION);
#endif
}

void set_product_threads(int n) {
  Eigen::setNbThreads(n);
#ifdef EIGEN_USE_BLAS
  openblas_set_num_threads(n);
#endif
}

}  // namespace shortrun

#pragma once
/// Unadjusted Langevin (ULA), one step = one sweep of all coordinates of every chain:
///   x <- x - eta dE/dx(x) + sqrt(2 eta T) xi,  xi ~ N(0, I).
/// Biased by O(eta): its stationary law is not exp(-E/T) (THEORY.md section 2). x is (N x chains).
#include <cmath>

#include "shortrun/core/random.hpp"
#include "shortrun/core/types.hpp"

namespace shortrun {

class Langevin {
 public:
  Langevin(double step, double temperature) : step_(step), temperature_(temperature) {}
  double step_size() const { return step_; }
  double temperature() const { return temperature_; }

  /// One step for every chain. `rng` addresses the noise by global chain index and time, so the
  /// result does not depend on how chains are split over ranks. `work` is scratch space.
  template <class Model>
  void step(const Model& model, Matrix& x, const ChainStreams& rng, Matrix& work) const {
    model.grad_x(x, work);
    const double noise = std::sqrt(2.0 * step_ * temperature_);
    for (Index j = 0; j < x.cols(); ++j) {
      Stream s = rng.chain(j);
      auto col = x.col(j);
      auto g = work.col(j);
      for (Index i = 0; i < x.rows(); ++i) col[i] += -step_ * g[i] + noise * s.normal();
    }
  }

 private:
  double step_;
  double temperature_;
};

}  // namespace shortrun

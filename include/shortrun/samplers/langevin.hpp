#pragma once
/// Unadjusted Langevin (ULA), one step = one sweep of all coordinates of every chain:
///   x <- x - eta dE/dx(x) + sqrt(2 eta T) xi,  xi ~ N(0, I).
/// Biased by O(eta): its stationary law is not exp(-E/T) (docs/theory.md section 2). x is (N x chains).
///
/// The noise of chain j comes from its own stream (global chain index, time, sub), in the
/// precision the model names with `using LangevinNoise = float;` (the ConvNet, which computes in
/// float32 anyway), else in double:
///   double: xi_i = Stream::normal(), one at a time (2 words per 2 coordinates, Box-Muller in double)
///   float:  xi = Stream::fill_float_normal() of the N coordinates (ceil(N / 2) words, vectorised
///           Box-Muller in float), widened to double.
#include <cmath>
#include <type_traits>
#include <vector>

#include "shortrun/core/random.hpp"
#include "shortrun/core/threads.hpp"
#include "shortrun/core/types.hpp"

namespace shortrun {

namespace detail {
template <class Model>
struct LangevinNoiseOf {
  using type = double;
};
template <class Model>
  requires requires { typename Model::LangevinNoise; }
struct LangevinNoiseOf<Model> {
  using type = typename Model::LangevinNoise;
};
}  // namespace detail

/// The precision of a model's Langevin noise: Model::LangevinNoise where declared, else double.
template <class Model>
using LangevinNoiseOf = typename detail::LangevinNoiseOf<Model>::type;

class Langevin {
 public:
  Langevin(double step, double temperature) : step_(step), temperature_(temperature) {}
  double step_size() const { return step_; }
  double temperature() const { return temperature_; }

  /// One step for every chain. `rng` addresses the noise by global chain index and time, so the
  /// result does not depend on how chains are split over ranks. `work` is scratch space.
  /// Chains in float (model.precision = float32, a model with float noise): the same float
  /// noise, the update x += -eta g + noise xi computed in float.
  template <class Model, class Scalar>
  void step(const Model& model, MatrixOf<Scalar>& x, const ChainStreams& rng, MatrixOf<Scalar>& work) const {
    model.grad_x(x, work);
    const double noise = std::sqrt(2.0 * step_ * temperature_);
    // Every chain draws from its own stream into its own column: the chains split over OpenMP
    // threads (SHORTRUN_OPENMP) with bitwise the same result for any thread count.
    if constexpr (std::is_same_v<Scalar, float>) {
      static_assert(std::is_same_v<LangevinNoiseOf<Model>, float>, "float chains: a model with float noise");
      if (noise_.size() < static_cast<std::size_t>(max_threads())) noise_.resize(static_cast<std::size_t>(max_threads()));
      const auto eta = static_cast<float>(step_), scale = static_cast<float>(noise);
      SHORTRUN_PARALLEL_FOR
      for (Index j = 0; j < x.cols(); ++j) {
        VectorOf<float>& buffer = noise_[static_cast<std::size_t>(thread_index())];
        buffer.resize(x.rows());
        rng.chain(j).fill_float_normal(buffer.data(), x.rows());
        x.col(j).array() += -eta * work.col(j).array() + scale * buffer.array();
      }
    } else if constexpr (std::is_same_v<LangevinNoiseOf<Model>, float>) {
      if (noise_.size() < static_cast<std::size_t>(max_threads())) noise_.resize(static_cast<std::size_t>(max_threads()));
      SHORTRUN_PARALLEL_FOR
      for (Index j = 0; j < x.cols(); ++j) {
        VectorOf<float>& buffer = noise_[static_cast<std::size_t>(thread_index())];
        buffer.resize(x.rows());
        rng.chain(j).fill_float_normal(buffer.data(), x.rows());
        x.col(j).array() += -step_ * work.col(j).array() + noise * buffer.array().template cast<double>();
      }
    } else {
      SHORTRUN_PARALLEL_FOR
      for (Index j = 0; j < x.cols(); ++j) {
        Stream s = rng.chain(j);
        auto col = x.col(j);
        auto g = work.col(j);
        for (Index i = 0; i < x.rows(); ++i) col[i] += -step_ * g[i] + noise * s.normal();
      }
    }
  }

 private:
  double step_;
  double temperature_;
  // One chain's float noise per thread (a sampler is used by one loop at a time).
  mutable std::vector<VectorOf<float>> noise_;
};

}  // namespace shortrun

#pragma once
/// The working precision of training (model.precision): the optimizer keeps the parameters in
/// double (the model's master copy), and every update the hot kernels (samplers, gradient
/// statistics) run on a working copy of them in precision Scalar:
///   working_precision<double>(model) is the model itself: nothing is copied;
///   working_precision<float>(model) is the model's float32 copy where it has one
///   (BernoulliRbm: RbmParametersOf<float>; a model that already computes in float32, the ConvNet,
///   is its own working copy), made fresh at every call.
/// A working model provides dim(), the sampler interface its sampler needs, and
///   accumulate_grad_energy(const MatrixOf<Scalar>& x, double weight, Vector& grad)
/// adding weight * sum_j dE/dtheta(x_j) to the double gradient.
#include <type_traits>

namespace shortrun {

/// Models that handle MatrixOf<Scalar> chains themselves say so with
///   template <class Scalar> static constexpr bool kComputesIn = ...;
template <class Model, class Scalar>
concept ComputesIn = requires { Model::template kComputesIn<Scalar>; } && Model::template kComputesIn<Scalar>;

/// Customisation point: a free function working_copy(const Model&, Tag<Scalar>) returning the
/// working copy (found by argument-dependent lookup next to the model).
template <class Scalar>
struct PrecisionTag {};

/// Whether a Model has a working copy in precision Scalar (float64: every model).
template <class Model, class Scalar>
concept HasWorkingPrecision = std::is_same_v<Scalar, double> || ComputesIn<Model, Scalar> ||
                              requires(const Model& m) { working_copy(m, PrecisionTag<Scalar>{}); };

template <class Scalar, class Model>
decltype(auto) working_precision(const Model& model) {
  if constexpr (std::is_same_v<Scalar, double> || ComputesIn<Model, Scalar>) return (model);
  else return working_copy(model, PrecisionTag<Scalar>{});
}

}  // namespace shortrun

#pragma once
/// model.activation: the ConvNet's pointwise nonlinearity between layers.
///   silu:       phi(z) = z sigmoid(z)           (smooth: the Langevin drift is continuous)
///   leaky-relu: phi(z) = z (z > 0), 0.2 z (z <= 0)
namespace shortrun::conv {

enum class Activation { silu, leaky_relu };

}  // namespace shortrun::conv

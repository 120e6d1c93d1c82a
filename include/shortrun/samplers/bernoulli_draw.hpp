#pragma once
/// The vectorised Bernoulli draw of the binary samplers (block Gibbs of the RBM, the blocked
/// sequential Gibbs sweep of the Boltzmann machine): unit up iff its uniform u <= sigmoid(x).
#include <limits>
#include <type_traits>

#include "shortrun/core/types.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun {

/// Bernoulli draws from sigmoid probabilities, one column of units:
///   out[i] = 1 if u[i] <= sigmoid(x[i] + bias[i]) else 0   (bias may be null: 0),
/// decided exactly as the scalar sigmoid() of models/spin.hpp decides it (so float64 results are
/// those of the plain loop, bit for bit), but vectorised: p = 1 / (1 + exp(-x)) with Eigen's
/// packet exp (measured within 5e-16 relative of sigmoid() in float64, 3.2e-7 in float32) settles
/// every unit whose uniform lies outside a relative margin around p (1e-10 in float64, 3e-5 in
/// float32: far wider than p's error), and only the rare units inside it call sigmoid(). Uniforms
/// are in (0, 1]: Stream::uniform()'s in [2^-65, 1] (float64), Stream::fill_float_uniform()'s in
/// [2^-24, 1] (float32). Where exp under- or overflows, p and sigmoid() are both far below the
/// smallest uniform or both 1. NaN inputs fall to sigmoid() and give 0, as before.
/// x + bias is rounded once, as the earlier `in.colwise() += b` then sigmoid(in) did.
/// `out` may alias `x`; `p` is scratch.
template <class Scalar>
void bernoulli_of_sigmoid(const Scalar* x, const Scalar* bias, const Scalar* u, Scalar* out, Index rows,
                          VectorOf<Scalar>& p) {
  constexpr Scalar margin = std::is_same_v<Scalar, float> ? Scalar(3e-5) : Scalar(1e-10);
  constexpr Scalar below = Scalar(1) - margin, above = Scalar(1) + margin;
  const Eigen::Map<const VectorOf<Scalar>> xs(x, rows);
  if (bias != nullptr) {
    const Eigen::Map<const VectorOf<Scalar>> bs(bias, rows);
    p = (Scalar(1) + (-(xs + bs).array()).exp()).inverse().matrix();
  } else {
    p = (Scalar(1) + (-xs.array()).exp()).inverse().matrix();
  }
  Scalar* pp = p.data();
  int unsure = 0;  // branch-free, so that the loop vectorises
  for (Index i = 0; i < rows; ++i) unsure |= int(!(u[i] < pp[i] * below)) & int(!(u[i] > pp[i] * above));
  if (unsure != 0)
    for (Index i = 0; i < rows; ++i)
      if (!(u[i] < pp[i] * below) && !(u[i] > pp[i] * above)) {
        const Scalar xi = bias != nullptr ? Scalar(x[i] + bias[i]) : x[i];
        pp[i] = u[i] <= sigmoid(xi) ? std::numeric_limits<Scalar>::infinity() : Scalar(0);  // settled below
      }
  for (Index i = 0; i < rows; ++i) out[i] = u[i] < pp[i] * below ? Scalar(1) : Scalar(0);
}

/// The same without a bias: out[i] = 1 if u[i] <= sigmoid(x[i]) else 0.
template <class Scalar>
void bernoulli_of_sigmoid(const Scalar* x, const Scalar* u, Scalar* out, Index rows, VectorOf<Scalar>& p) {
  bernoulli_of_sigmoid(x, static_cast<const Scalar*>(nullptr), u, out, rows, p);
}

}  // namespace shortrun

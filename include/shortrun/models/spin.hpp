#pragma once
/// Binary unit conventions and the scalar functions every binary model and sampler shares.
///   pm1:      s in {-1, +1}  (low = -1, up = +1, gap = up - low = 2)
///   zero_one: s in { 0, 1}   (low =  0, up = +1, gap = 1), spelled "01" in configs
/// With E(s) = -f_i s_i + (terms without s_i), f_i the local field of unit i:
///   P(s_i = up | rest) = sigmoid(gap * f_i),   dE(flip low -> up) = -gap * f_i.
#include <cmath>
#include <stdexcept>
#include <string>

#include "shortrun/core/types.hpp"

namespace shortrun {

enum class Spin { pm1, zero_one };

inline const char* spin_name(Spin s) { return s == Spin::pm1 ? "pm1" : "01"; }

/// The low value of a unit: -1 (pm1) or 0 (01).
inline double spin_low(Spin s) { return s == Spin::pm1 ? -1.0 : 0.0; }
/// up - low: 2 (pm1) or 1 (01).
inline double spin_gap(Spin s) { return s == Spin::pm1 ? 2.0 : 1.0; }

/// 1 / (1 + exp(-x)), without overflow for any finite x.
inline double sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}
/// The same in float32 (the float instantiation of the RBM kernels; training uses the double one).
inline float sigmoid(float x) {
  if (x >= 0) return 1.0f / (1.0f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.0f + e);
}
/// log(1 + exp(x)), without overflow.
inline double softplus(double x) { return (x > 0 ? x : 0.0) + std::log1p(std::exp(-std::abs(x))); }

/// P(s_i = up | rest) = sigmoid(gap * f) for local field f.
inline double prob_up(Spin s, double field) { return sigmoid(spin_gap(s) * field); }

/// A binary model's parameter beyond this magnitude makes conditional probabilities equal 0 or 1
/// in double precision (sigmoid(40) = 1 - 4e-18): the law is frozen and training has run away
/// (e.g. rdm with data means that k sweeps cannot reach, docs/theory.md section 3). The trainer reports
/// such a run as diverged.
inline constexpr double kSaturatedParam = 40.0;

}  // namespace shortrun

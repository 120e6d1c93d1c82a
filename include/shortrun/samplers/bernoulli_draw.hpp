#pragma once
/// The vectorised Bernoulli draws of the binary samplers, unit up iff its uniform u <= sigmoid(x):
/// bernoulli_of_sigmoid from given uniforms (float64 block Gibbs of the RBM, the blocked
/// sequential Gibbs sweep of the Boltzmann machine), bernoulli_of_sigmoid_bytes from a byte of
/// the uniform first and the rest only where needed (float32 block Gibbs of the RBM).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "shortrun/core/random.hpp"
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

// ---- The float32 block-Gibbs draw: a uniform byte first, more bits only where it is needed ----
//
// A unit's uniform is U = (B + V) / 256: B a uniform byte (Stream::fill_bytes, 8 per Philox
// word), V = fine.uniform() in (0, 1) from a second stream, drawn only for the units that B alone
// does not decide. With s = sigmoid(z) in float (the scalar sigmoid() of models/spin.hpp) and
// 256 s exact (a power-of-two scaling), the unit is up iff U <= s, decided as
//   B + 1 <= 256 s:  up (every U in (B/256, (B+1)/256] is <= s), no V drawn;
//   B >= 256 s:      down (every such U is > s), no V drawn;
//   otherwise:       V drawn (the next value of `fine`, units in order), up iff
//                    (B + V) / 256 <= s in double.
// So P(up) is s to within 2^-53 (B + V is rounded to double: 45 or more bits of V after B's 8),
// against 2^-24 for the float uniforms above; 1 unit in 256 (those whose s falls inside their byte's interval)
// draws V, and the Philox work per unit is 1/4 of a float uniform's.

/// One unit by the rule above, in scalar code: the definition the vectorised loops agree with.
inline float bernoulli_of_sigmoid_byte(float z, std::uint8_t byte, Stream& fine) {
  const float s = sigmoid(z);
  const float b = static_cast<float>(byte);
  if (b + 1.0f <= 256.0f * s) return 1.0f;
  if (b >= 256.0f * s) return 0.0f;
  return (static_cast<double>(b) + fine.uniform()) / 256.0 <= static_cast<double>(s) ? 1.0f : 0.0f;
}

namespace detail {
// The vectorised loop settles a unit without calling sigmoid() when an approximation
// d ~ 1 + exp(-z) (relative error below 1e-4: the polynomial below) puts it far from both
// thresholds: (B + 1) d < 256 (1 - m) means (B + 1) / 256 < sigmoid(z) (1 - m + 1e-4), so
// B + 1 <= 256 s with s within 1e-4 of sigmoid(z); B d > 256 (1 + m) means B >= 256 s likewise.
// m = 3e-4 leaves a factor 3 over the approximation's error and s's own roundings (sigmoid() in
// float is within a few 1e-7 of the true value); the units inside the margin (and NaN, infinite
// or overflowing inputs) go to bernoulli_of_sigmoid_byte_near. Only these settled decisions
// differ in how they are computed, not in what they decide. The portable loop uses Eigen's exp
// (within a few float ulp) with the same margin.
constexpr float kByteMargin = 3e-4f;
constexpr float kByteMarginBelow = 256.0f * (1.0f - kByteMargin);
constexpr float kByteMarginAbove = 256.0f * (1.0f + kByteMargin);
}  // namespace detail

/// One unit the vectorised loop did not settle, by the rule above, given its approximation
/// d ~ 1 + exp(-z) (relative error below 1e-4). Most such units are those whose s lies inside
/// their byte's interval, which draw V whatever else: for them s is approximated by 1 / d, and
/// sigmoid() is computed only when (B + V) / 256 falls within the margin of it (a fraction
/// 2 m 256 s of them: 8 % at s = 1/2). Every other unit (near a threshold, or d not finite)
/// takes bernoulli_of_sigmoid_byte. The decision and the V drawn are those of
/// bernoulli_of_sigmoid_byte(z, byte, fine).
inline float bernoulli_of_sigmoid_byte_near(float z, float d, std::uint8_t byte, Stream& fine) {
  constexpr double m = detail::kByteMargin;
  const double sa = 1.0 / static_cast<double>(d), b = byte;
  // s in (B / 256, (B + 1) / 256) for sure: the rule draws V.
  if (256.0 * sa * (1.0 + m) < b + 1.0 && 256.0 * sa * (1.0 - m) > b) {
    const double u = (b + fine.uniform()) / 256.0;
    if (u < sa * (1.0 - m)) return 1.0f;
    if (u > sa * (1.0 + m)) return 0.0f;
    return u <= static_cast<double>(sigmoid(z)) ? 1.0f : 0.0f;
  }
  return bernoulli_of_sigmoid_byte(z, byte, fine);
}

/// Units out[0..rows) by the rule above, z = x + bias (bias may be null), from rows bytes and,
/// for the undecided units in order, `fine`. Portable: Eigen's vectorised exp over the column,
/// then the two threshold tests. `out` may alias `x`; `d` is scratch.
inline void bernoulli_of_sigmoid_bytes_portable(const float* x, const float* bias, const std::uint8_t* bytes, float* out,
                                                Index rows, Stream& fine, VectorOf<float>& d) {
  const Eigen::Map<const VectorOf<float>> xs(x, rows);
  if (bias != nullptr) {
    d = (1.0f + (-(xs + Eigen::Map<const VectorOf<float>>(bias, rows)).array()).exp()).matrix();
  } else {
    d = (1.0f + (-xs.array()).exp()).matrix();
  }
  for (Index i = 0; i < rows; ++i) {
    const float b = static_cast<float>(bytes[i]);
    const float z = bias != nullptr ? x[i] + bias[i] : x[i];
    if ((b + 1.0f) * d[i] < detail::kByteMarginBelow) out[i] = 1.0f;
    else if (b * d[i] > detail::kByteMarginAbove) out[i] = 0.0f;
    else out[i] = bernoulli_of_sigmoid_byte(z, bytes[i], fine);
  }
}

#if defined(__AVX512F__)
namespace detail {
/// exp(-z) on 16 floats: 2^t with t = -z log2(e) = n + f, n = round(t), |f| <= 1/2; 2^f = e^g,
/// g = f ln 2, |g| <= 0.347, by its degree-4 Taylor polynomial in f (remainder below
/// 0.347^5 / 5! e^0.347 = 5.9e-5 relative) and a scalef by n, which gives inf or 0 past the
/// float range. Relative error below 1e-4 with the float roundings
/// (tests/unit/test_rbm_kernels.cpp checks it on a dense grid).
inline __m512 exp_neg_ps(__m512 z) {
  constexpr float l = 0.693147180559945309f;  // ln 2: the coefficients are (ln 2)^k / k!
  const __m512 t = _mm512_mul_ps(z, _mm512_set1_ps(-1.44269504088896341f));
  const __m512 n = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 f = _mm512_sub_ps(t, n);
  __m512 p = _mm512_set1_ps(l * l * l * l / 24);
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(l * l * l / 6));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(l * l / 2));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(l));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}
}  // namespace detail
#endif

/// The same draws, 16 units per AVX-512 vector where the build has it (one pass: the bias, the
/// approximate exp, the two tests; a short last vector under a mask), else the portable loop.
inline void bernoulli_of_sigmoid_bytes(const float* x, const float* bias, const std::uint8_t* bytes, float* out,
                                       Index rows, Stream& fine, VectorOf<float>& d) {
#if defined(__AVX512F__)
  (void)d;
  const __m512 one = _mm512_set1_ps(1.0f), below = _mm512_set1_ps(detail::kByteMarginBelow),
               above = _mm512_set1_ps(detail::kByteMarginAbove);
  for (Index i = 0; i < rows; i += 16) {
    const Index n = std::min<Index>(16, rows - i);
    const auto lanes = static_cast<__mmask16>(n == 16 ? 0xFFFFu : (1u << n) - 1u);
    alignas(16) std::uint8_t tail[16] = {};
    const std::uint8_t* bp = bytes + i;
    if (n < 16) bp = static_cast<const std::uint8_t*>(std::memcpy(tail, bytes + i, static_cast<std::size_t>(n)));
    __m512 z = _mm512_maskz_loadu_ps(lanes, x + i);
    if (bias != nullptr) z = _mm512_add_ps(z, _mm512_maskz_loadu_ps(lanes, bias + i));
    const __m512 b = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bp))));
    const __m512 dd = _mm512_add_ps(one, detail::exp_neg_ps(z));
    const __mmask16 up = _mm512_cmp_ps_mask(_mm512_fmadd_ps(b, dd, dd), below, _CMP_LT_OQ);
    const __mmask16 down = _mm512_cmp_ps_mask(_mm512_mul_ps(b, dd), above, _CMP_GT_OQ);
    auto unsure = static_cast<__mmask16>(lanes & ~(up | down));
    // Keep every input of the unsure units before the store (out may alias x).
    float z_unsure[16], d_unsure[16];
    if (unsure != 0) {
      _mm512_storeu_ps(z_unsure, z);
      _mm512_storeu_ps(d_unsure, dd);
    }
    _mm512_mask_storeu_ps(out + i, lanes, _mm512_maskz_mov_ps(up, one));
    while (unsure != 0) {
      const int k = __builtin_ctz(unsure);
      unsure = static_cast<__mmask16>(unsure & (unsure - 1));
      out[i + k] = bernoulli_of_sigmoid_byte_near(z_unsure[k], d_unsure[k], bytes[i + k], fine);
    }
  }
#else
  bernoulli_of_sigmoid_bytes_portable(x, bias, bytes, out, rows, fine, d);
#endif
}

}  // namespace shortrun

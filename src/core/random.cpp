#include "shortrun/core/random.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numbers>

#include <Random123/boxmuller.hpp>
#include <Random123/uniform.hpp>

namespace shortrun {

Stream::Stream(std::uint64_t seed, Purpose purpose, std::uint64_t index, std::uint64_t time,
               std::uint64_t sub) {
  key_ = {{seed, static_cast<std::uint64_t>(purpose)}};
  ctr_ = {{index, time, sub, 0}};
}

std::uint64_t Stream::next_word() {
  if (used_ == 4) {
    out_ = Philox()(ctr_, key_);
    ++ctr_[3];
    used_ = 0;
  }
  return out_[static_cast<std::size_t>(used_++)];
}

double Stream::uniform() { return r123::u01<double>(next_word()); }

double Stream::normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  const std::uint64_t a = next_word();
  const std::uint64_t b = next_word();
  const r123::double2 z = r123::boxmuller(a, b);
  spare_normal_ = z.y;
  has_spare_normal_ = true;
  return z.x;
}

Index Stream::below(Index n) {
  __extension__ using u128 = unsigned __int128;
  const auto word = static_cast<u128>(next_word());
  return static_cast<Index>((word * static_cast<u128>(n)) >> 64);
}

template <class Scalar>
void Stream::fill_uniform(Scalar* out, Index n) {
  // Whole Philox blocks inline, four words at a time: the CPU overlaps consecutive blocks' multiply
  // chains by itself (measured: as fast as hand-interleaving three blocks, and faster than eight
  // interleaved lanes, which spill), and the call and branch per word of uniform() are gone.
  Index i = 0;
  while (i < n && used_ < 4) out[i++] = static_cast<Scalar>(r123::u01<double>(out_[static_cast<std::size_t>(used_++)]));
  const Philox philox;
  for (; n - i >= 4; i += 4) {
    const Philox::ctr_type w = philox(ctr_, key_);
    ++ctr_[3];
    for (int k = 0; k < 4; ++k) out[i + k] = static_cast<Scalar>(r123::u01<double>(w[static_cast<std::size_t>(k)]));
  }
  while (i < n) out[i++] = static_cast<Scalar>(uniform());
}
template void Stream::fill_uniform<float>(float*, Index);
template void Stream::fill_uniform<double>(double*, Index);

void Stream::skip(Index n) {
  while (n > 0 && used_ < 4) {
    ++used_;
    --n;
  }
  ctr_[3] += static_cast<std::uint64_t>(n / 4);
  if (n % 4 != 0) {
    out_ = Philox()(ctr_, key_);
    ++ctr_[3];
    used_ = static_cast<int>(n % 4);
  }
}

void Stream::fill_words(void* out, Index n) {
  // memcpy: the float fills receive the words in their output buffer (any object's bytes may be
  // written so), and the loop stays free of aliasing questions.
  auto* bytes = static_cast<unsigned char*>(out);
  constexpr std::size_t kWord = sizeof(std::uint64_t);
  Index i = 0;
  for (; i < n && used_ < 4; ++i) std::memcpy(bytes + static_cast<std::size_t>(i) * kWord, &out_[static_cast<std::size_t>(used_++)], kWord);
  const Philox philox;
  for (; n - i >= 4; i += 4) {
    const Philox::ctr_type w = philox(ctr_, key_);
    ++ctr_[3];
    std::memcpy(bytes + static_cast<std::size_t>(i) * kWord, w.v, 4 * kWord);
  }
  for (; i < n; ++i) {
    const std::uint64_t w = next_word();
    std::memcpy(bytes + static_cast<std::size_t>(i) * kWord, &w, kWord);
  }
}

namespace {

constexpr float kTwoPow24Inv = 0x1p-24f;

/// 24 high bits of a 32-bit half, plus one: an integer in [1, 2^24], exact in float.
inline float float_uniform_numerator(std::uint32_t half) {
  return static_cast<float>(static_cast<std::int32_t>((half >> 8) + 1U));
}

}  // namespace

void Stream::fill_float_uniform(float* out, Index n) {
  // The words go straight into `out` (ceil(n/2) words fill n floats' bytes); on a little-endian
  // machine word k's low half then sits in out[2k] and its high half in out[2k + 1], so the
  // mapping is one vectorised pass over 32-bit halves, in place.
  static_assert(std::endian::native == std::endian::little, "fill_float_uniform assumes little-endian words");
  const Index pairs = n / 2;
  fill_words(out, pairs);
  if (n % 2 != 0) {
    const auto low = static_cast<std::uint32_t>(next_word());
    std::memcpy(out + (n - 1), &low, sizeof low);
  }
  for (Index i = 0; i < n; ++i) {
    std::uint32_t half;
    std::memcpy(&half, out + i, sizeof half);
    out[i] = float_uniform_numerator(half) * kTwoPow24Inv;
  }
}

void Stream::fill_float_normal(float* out, Index n) {
  // One pass per kFloatNormalWords words: the uniforms into fixed-size arrays, then Box-Muller on
  // whole packets (a short last pass is padded with word 0, whose results are dropped), so a value
  // never comes from Eigen's scalar remainder path and depends on its word only.
  using Pack = Eigen::Array<float, kFloatNormalWords, 1>;
  constexpr float kPiOver2Pow24 = std::numbers::pi_v<float> * kTwoPow24Inv;
  std::uint64_t w[kFloatNormalWords];
  Pack log_u, theta;
  for (Index first = 0; first < n; first += 2 * kFloatNormalWords) {
    const Index words = std::min(kFloatNormalWords, float_words(n - first));
    fill_words(w, words);
    std::fill(w + words, w + kFloatNormalWords, std::uint64_t{0});
    for (Index k = 0; k < kFloatNormalWords; ++k) {
      const auto word = w[k];
      log_u[k] = float_uniform_numerator(static_cast<std::uint32_t>(word)) * kTwoPow24Inv;
      // pi (2 v - 1) with v = j 2^-24: pi (2 j - 2^24) 2^-24, the integer exact in float.
      const auto j = static_cast<std::int32_t>((static_cast<std::uint32_t>(word >> 32) >> 8) + 1U);
      theta[k] = static_cast<float>(2 * j - (std::int32_t{1} << 24)) * kPiOver2Pow24;
    }
    log_u = log_u.log();
    const Pack r = (-2.0f * log_u).sqrt();
    const Pack c = r * theta.cos(), s = r * theta.sin();
    const Index count = std::min(2 * kFloatNormalWords, n - first);
    float* o = out + first;
    for (Index k = 0; 2 * k < count; ++k) {
      o[2 * k] = c[k];
      if (2 * k + 1 < count) o[2 * k + 1] = s[k];
    }
  }
}

void Stream::fill_normal(Eigen::Ref<Vector> x) {
  for (Index i = 0; i < x.size(); ++i) x[i] = normal();
}

}  // namespace shortrun

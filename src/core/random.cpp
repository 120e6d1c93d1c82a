#include "shortrun/core/random.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numbers>

#include <Random123/boxmuller.hpp>
#include <Random123/uniform.hpp>

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#define SHORTRUN_PHILOX_AVX512 1
#endif

namespace shortrun {

#ifdef SHORTRUN_PHILOX_AVX512
namespace {

// Philox4x64-10 on 8 consecutive blocks per vector: lane j of x0..x3 holds word 0..3 of the
// counter (c0, c1, c2, c3 + j), c3 + j wrapping mod 2^64 on its own as Stream's ++ctr_[3] does (no
// carry into c2). The rounds are Random123's philox.h exactly: with (lo0, hi0) = M0 x0 and
// (lo1, hi1) = M1 x2 (128-bit products), x <- (hi1 ^ x1 ^ k0, lo1, hi0 ^ x3 ^ k1, lo0), and the key
// bumped by the Weyl constants W0, W1 before every round after the first.
inline __m512i philox_simd_set1(std::uint64_t v) { return _mm512_set1_epi64(static_cast<long long>(v)); }

// The 128-bit product a M per 64-bit lane from 32-bit partial products (AVX-512 has no 64 x 64 ->
// 128 multiply): with a = ah 2^32 + al and M = mh 2^32 + ml,
//   t = al mh + floor(al ml / 2^32)   <= (2^32 - 1)^2 + 2^32 - 1 < 2^64, no overflow,
//   u = ah ml + (t mod 2^32)           < 2^64 likewise,
//   hi = ah mh + floor(t / 2^32) + floor(u / 2^32),   lo = (u mod 2^32) 2^32 + (al ml mod 2^32).
template <std::uint64_t M>
inline void philox_simd_mulhilo(__m512i a, __m512i& lo, __m512i& hi) {
  const __m512i ml = philox_simd_set1(M & 0xffffffffULL);
  const __m512i mh = philox_simd_set1(M >> 32);
  const __m512i ah = _mm512_srli_epi64(a, 32);
  const __m512i ll = _mm512_mul_epu32(a, ml);  // vpmuludq: low 32 bits of each lane
  const __m512i t = _mm512_add_epi64(_mm512_mul_epu32(a, mh), _mm512_srli_epi64(ll, 32));
  const __m512i u = _mm512_add_epi64(_mm512_mul_epu32(ah, ml), _mm512_and_si512(t, philox_simd_set1(0xffffffffULL)));
  hi = _mm512_add_epi64(_mm512_add_epi64(_mm512_mul_epu32(ah, mh), _mm512_srli_epi64(t, 32)), _mm512_srli_epi64(u, 32));
  lo = _mm512_mask_blend_epi32(0xAAAA, ll, _mm512_slli_epi64(u, 32));  // odd 32-bit halves from u
}

// 8 G consecutive blocks from counter ctr (ctr[3], ctr[3] + 1, ...) into out[0 .. 32 G), in the
// scalar loop's order: out[4 b + w] = word w of block b. G independent groups of 8 lanes overlap
// their multiply latencies (measured on this project's AMD EPYC core: 8 blocks 1.2x, 16 1.9x, 32 2.4x the scalar
// words per second).
template <int G>
void philox_simd_blocks(const r123::Philox4x64::ctr_type& ctr, const r123::Philox4x64::key_type& key,
                        std::uint64_t* out) {
  __m512i x0[G], x1[G], x2[G], x3[G];
  for (int g = 0; g < G; ++g) {
    x0[g] = philox_simd_set1(ctr[0]);
    x1[g] = philox_simd_set1(ctr[1]);
    x2[g] = philox_simd_set1(ctr[2]);
    x3[g] = _mm512_add_epi64(philox_simd_set1(ctr[3] + 8U * static_cast<std::uint64_t>(g)),
                             _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
  }
  std::uint64_t k0 = key[0], k1 = key[1];
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += PHILOX_W64_0;
      k1 += PHILOX_W64_1;
    }
    const __m512i kv0 = philox_simd_set1(k0), kv1 = philox_simd_set1(k1);
    for (int g = 0; g < G; ++g) {
      __m512i lo0, hi0, lo1, hi1;
      philox_simd_mulhilo<PHILOX_M4x64_0>(x0[g], lo0, hi0);
      philox_simd_mulhilo<PHILOX_M4x64_1>(x2[g], lo1, hi1);
      x0[g] = _mm512_ternarylogic_epi64(hi1, x1[g], kv0, 0x96);  // 0x96: a ^ b ^ c
      x2[g] = _mm512_ternarylogic_epi64(hi0, x3[g], kv1, 0x96);
      x1[g] = lo1;
      x3[g] = lo0;
    }
  }
  // Transpose (word, block) -> (block, word): unpack pairs words 0, 1 and 2, 3 of even / odd
  // blocks, the two-source permutes gather blocks (0 | 2), (1 | 3), (4 | 6), (5 | 7) as 128-bit
  // halves, and the 128-bit shuffles put each pair of blocks in order.
  const __m512i first_half = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
  const __m512i second_half = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
  for (int g = 0; g < G; ++g) {
    const __m512i t0 = _mm512_unpacklo_epi64(x0[g], x1[g]);  // words 0, 1 of blocks 0, 2, 4, 6
    const __m512i t1 = _mm512_unpackhi_epi64(x0[g], x1[g]);  // words 0, 1 of blocks 1, 3, 5, 7
    const __m512i t2 = _mm512_unpacklo_epi64(x2[g], x3[g]);  // words 2, 3 of blocks 0, 2, 4, 6
    const __m512i t3 = _mm512_unpackhi_epi64(x2[g], x3[g]);  // words 2, 3 of blocks 1, 3, 5, 7
    const __m512i b02 = _mm512_permutex2var_epi64(t0, first_half, t2);
    const __m512i b13 = _mm512_permutex2var_epi64(t1, first_half, t3);
    const __m512i b46 = _mm512_permutex2var_epi64(t0, second_half, t2);
    const __m512i b57 = _mm512_permutex2var_epi64(t1, second_half, t3);
    std::uint64_t* o = out + 32 * g;
    _mm512_storeu_si512(o, _mm512_shuffle_i64x2(b02, b13, 0x44));       // blocks 0, 1
    _mm512_storeu_si512(o + 8, _mm512_shuffle_i64x2(b02, b13, 0xEE));   // blocks 2, 3
    _mm512_storeu_si512(o + 16, _mm512_shuffle_i64x2(b46, b57, 0x44));  // blocks 4, 5
    _mm512_storeu_si512(o + 24, _mm512_shuffle_i64x2(b46, b57, 0xEE));  // blocks 6, 7
  }
}

}  // namespace
#endif

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
  // The words of fill_words (whole Philox blocks, 8 per vector where AVX-512 is built in) through a
  // small buffer, then u01: the values of n uniform() calls without a call and a branch per word.
  constexpr Index kChunk = 128;
  std::uint64_t w[kChunk];
  for (Index first = 0; first < n; first += kChunk) {
    const Index m = std::min(kChunk, n - first);
    fill_words(w, m);
    for (Index k = 0; k < m; ++k) out[first + k] = static_cast<Scalar>(r123::u01<double>(w[k]));
  }
}
template void Stream::fill_uniform<float>(float*, Index);
template void Stream::fill_uniform<double>(double*, Index);

void Stream::fill_site_draws(Index n, Index m, Index* sites, double* uniforms) {
  __extension__ using u128 = unsigned __int128;
  constexpr Index kChunk = 128;  // words: 64 pairs, whole Philox blocks for fill_words
  std::uint64_t w[kChunk];
  for (Index first = 0; first < m; first += kChunk / 2) {
    const Index pairs = std::min(kChunk / 2, m - first);
    fill_words(w, 2 * pairs);
    for (Index k = 0; k < pairs; ++k) {
      sites[first + k] = static_cast<Index>((static_cast<u128>(w[2 * k]) * static_cast<u128>(n)) >> 64);
      uniforms[first + k] = r123::u01<double>(w[2 * k + 1]);
    }
  }
}

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
#ifdef SHORTRUN_PHILOX_AVX512
  // Runs of 8 to 32 whole blocks (32 to 128 words) 8 blocks per vector, bit-identical to the
  // scalar loop below (which finishes the last 0..7 whole blocks).
  std::uint64_t simd[128];
  for (Index blocks = (n - i) / 4; blocks >= 8; blocks = (n - i) / 4) {
    const Index run = std::min<Index>(blocks / 8, 4);  // groups of 8 blocks
    switch (run) {
      case 4: philox_simd_blocks<4>(ctr_, key_, simd); break;
      case 3: philox_simd_blocks<3>(ctr_, key_, simd); break;
      case 2: philox_simd_blocks<2>(ctr_, key_, simd); break;
      default: philox_simd_blocks<1>(ctr_, key_, simd); break;
    }
    ctr_[3] += static_cast<std::uint64_t>(8 * run);
    std::memcpy(bytes + static_cast<std::size_t>(i) * kWord, simd, static_cast<std::size_t>(32 * run) * kWord);
    i += 32 * run;
  }
#endif
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

void Stream::fill_bytes(std::uint8_t* out, Index n) {
  // The words go straight into `out`; on a little-endian machine byte b of word k is out[8k + b].
  static_assert(std::endian::native == std::endian::little, "fill_bytes assumes little-endian words");
  const Index whole = n / 8;
  fill_words(out, whole);
  if (n % 8 != 0) {
    const std::uint64_t w = next_word();
    std::memcpy(out + 8 * whole, &w, static_cast<std::size_t>(n % 8));
  }
}

Stream Stream::second_sequence() const {
  Stream s = *this;
  s.ctr_[3] = std::uint64_t(1) << 63;
  s.used_ = 4;
  s.has_spare_normal_ = false;
  return s;
}

void Stream::fill_float_normal(float* out, Index n) {
  // One pass per kFloatNormalWords words: the uniforms into fixed-size arrays, then Box-Muller on
  // whole packets (a short last pass is padded with word 0, whose results are dropped), so a value
  // never comes from Eigen's scalar remainder path and depends on its word only. The words come
  // kChunkWords at a time, so that fill_words' vectorised Philox sees runs of whole blocks.
  using Pack = Eigen::Array<float, kFloatNormalWords, 1>;
  constexpr float kPiOver2Pow24 = std::numbers::pi_v<float> * kTwoPow24Inv;
  constexpr Index kChunkWords = 8 * kFloatNormalWords;
  std::uint64_t chunk[kChunkWords];
  Index chunk_words = 0, chunk_at = 0;  // words in chunk, words of it used
  std::uint64_t w[kFloatNormalWords];
  Pack log_u, theta;
  for (Index first = 0; first < n; first += 2 * kFloatNormalWords) {
    const Index words = std::min(kFloatNormalWords, float_words(n - first));
    if (chunk_at == chunk_words) {
      chunk_words = std::min(kChunkWords, float_words(n - first));
      chunk_at = 0;
      fill_words(chunk, chunk_words);
    }
    std::copy(chunk + chunk_at, chunk + chunk_at + words, w);
    chunk_at += words;
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

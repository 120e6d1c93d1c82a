#pragma once
/// Counter-based random streams (Random123 Philox4x64-10, Salmon et al. 2011).
///
/// A stream is addressed by what it is for, never by which rank draws it:
///   key     = (seed, purpose)
///   counter = (index, time, sub, block)   index: chain or sample; time: update or step; sub: a
///             second time word (e.g. the sampler step inside an update); block: consumed by draws.
/// So chain 17 at update 3, step 2 draws the same numbers whichever rank or team runs it, and a
/// resumed run continues every stream exactly.
#include <array>
#include <cstdint>

#include <Random123/philox.h>

#include "shortrun/core/types.hpp"

namespace shortrun {

/// What a stream is for. Values are part of the file format's reproducibility: never renumber.
enum class Purpose : std::uint64_t {
  data = 1,       ///< synthetic data samples
  basis = 2,      ///< random orthonormal basis of synthetic data
  p0 = 3,         ///< chain starts drawn from p0
  sampler = 4,    ///< sampler noise (Langevin noise, site choice, acceptance)
  minibatch = 5,  ///< minibatch selection
  measure_p0 = 6,        ///< chain starts of a dynamics measurement (docs/theory.md section 5)
  measure_sampler = 7,   ///< sampler noise of a dynamics measurement
  equilibrium_p0 = 8,    ///< chain starts of long-run equilibrium chains
  equilibrium_sampler = 9,  ///< sampler noise of long-run equilibrium chains
  teacher = 10,   ///< couplings of synthetic teacher models (SK)
  ais = 11,       ///< annealed importance sampling runs
  model_init = 12,  ///< random initial parameters (ConvNet)
  data_noise = 13,  ///< Gaussian noise added to data images per update (data.noise)
  equilibrium_swap = 14,  ///< replica-exchange decisions of parallel-tempering equilibrium ladders
  log_z_bridge = 15,      ///< base-rung (beta = 0) draws of the bridge log Z along a tempering ladder
};

class Stream {
 public:
  Stream(std::uint64_t seed, Purpose purpose, std::uint64_t index, std::uint64_t time = 0,
         std::uint64_t sub = 0);

  /// Uniform in (0, 1], never 0.
  double uniform();
  /// Standard normal (Box-Muller on two 64-bit words).
  double normal();
  /// Uniform integer in [0, n), n > 0 (multiply-shift on 64 bits; bias < n / 2^64).
  Index below(Index n);
  /// Fills x with independent standard normals.
  void fill_normal(Eigen::Ref<Vector> x);
  /// The next n uniforms of this stream, out[0..n): exactly the values of n calls of uniform(),
  /// rounded to Scalar (float or double), computed a whole Philox block at a time without a call
  /// and a branch per word. The stream continues after them as after the n calls.
  template <class Scalar>
  void fill_uniform(Scalar* out, Index n);
  /// The next m (site, uniform) pairs of a random-order sweep: sites[k], uniforms[k] are exactly
  /// the values of the k-th pair of calls below(n), uniform(), computed a whole Philox block at a
  /// time (fill_words); the stream continues after them as after the 2 m calls.
  void fill_site_draws(Index n, Index m, Index* sites, double* uniforms);
  /// Skips the next n 64-bit words (n uniforms) without computing them: O(1).
  void skip(Index n);

  /// Float uniforms, two from each 64-bit word w of the stream (the float32 samplers' draws: half
  /// the Philox work of fill_uniform<float>, whose values are the float64 ones rounded):
  ///   out[2k]     = (floor(lo / 2^8) + 1) 2^-24,   lo = w mod 2^32  (24 high bits of the low half)
  ///   out[2k + 1] = (floor(w / 2^40) + 1) 2^-24                   (24 high bits of the high half)
  /// with w the k-th word from the stream's position. Every value is one of the 2^24 floats
  /// j 2^-24, j = 1 .. 2^24, in (0, 1], never 0, each with probability 2^-24; for p in [0, 1],
  /// P(u <= p) = floor(p 2^24) / 2^24 (within 6e-8 of p). Consumes float_words(n) = ceil(n / 2)
  /// words: an odd n drops the high half of its last word. The stream continues after them as
  /// after that many uniform() calls, so skip(float_words(n)) passes over the same draws.
  void fill_float_uniform(float* out, Index n);
  /// Float standard normals by Box-Muller (Box and Muller 1958), two from each 64-bit word: with
  /// u, v the word's two uniforms as fill_float_uniform defines them (u from the low half),
  ///   r = sqrt(-2 ln u),  theta = pi (2 v - 1),  out[2k] = r cos(theta),  out[2k + 1] = r sin(theta),
  /// in float with Eigen's vectorised log, sqrt, sin and cos, always on whole packets of
  /// kFloatNormalWords words, so each value is a function of its word alone (not of n, nor of
  /// where a fill starts). u >= 2^-24 bounds |z| by sqrt(48 ln 2) = 5.77: the N(0, 1) mass cut
  /// off is P(|z| > 5.77) = 8e-9. Consumes float_words(n) words, as fill_float_uniform.
  void fill_float_normal(float* out, Index n);

  /// Uniform bytes, eight from each 64-bit word w of the stream: out[8k + b] = floor(w / 2^(8 b))
  /// mod 256, b = 0..7, with w the k-th word from the stream's position (the float32 block-Gibbs
  /// sampler's first 8 bits of each unit's uniform, samplers/bernoulli_draw.hpp). Consumes
  /// byte_words(n) = ceil(n / 8) words: the unused bytes of the last word are dropped.
  void fill_bytes(std::uint8_t* out, Index n);
  /// The second sequence of this stream: the same key and counter but the block counter started
  /// at 2^63, so its words never meet the first sequence's (which would need 2^63 blocks). A
  /// sampler that draws a fixed number of words per step from the first sequence takes its
  /// occasional, data-dependent extra draws from here, so the first sequence's layout stays fixed.
  Stream second_sequence() const;

  /// Words consumed by n float draws (fill_float_uniform, fill_float_normal): ceil(n / 2).
  static constexpr Index float_words(Index n) { return (n + 1) / 2; }
  /// Words consumed by n bytes (fill_bytes): ceil(n / 8).
  static constexpr Index byte_words(Index n) { return (n + 7) / 8; }
  /// Words per vectorised Box-Muller pass of fill_float_normal (one AVX-512 packet of floats).
  static constexpr Index kFloatNormalWords = 16;

 private:
  std::uint64_t next_word();
  /// The next n words, as n next_word() calls, whole Philox blocks at a time, into the 8 n bytes
  /// at out (native byte order). Built with AVX-512 F and DQ (-march=native on such a CPU), runs
  /// of 8 to 32 whole blocks are computed 8 blocks per vector (src/core/random.cpp): the same
  /// words bit for bit as Random123's scalar Philox4x64-10 (tests/unit/test_random.cpp checks).
  void fill_words(void* out, Index n);

  using Philox = r123::Philox4x64;
  Philox::key_type key_{};
  Philox::ctr_type ctr_{};
  Philox::ctr_type out_{};
  int used_ = 4;  // words of out_ already consumed
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

/// A family of streams, one per chain, for one use at one time. Samplers take this, not a
/// Stream, so that a chain's numbers depend on its global index, not on the rank holding it.
struct ChainStreams {
  std::uint64_t seed = 1;
  Purpose purpose = Purpose::sampler;
  std::uint64_t first_chain = 0;  ///< global index of this rank's first local chain
  std::uint64_t time = 0;
  std::uint64_t sub = 0;

  /// Stream of local chain j.
  Stream chain(Index j) const {
    return Stream(seed, purpose, first_chain + static_cast<std::uint64_t>(j), time, sub);
  }
  ChainStreams with_time(std::uint64_t t, std::uint64_t s = 0) const {
    ChainStreams c = *this;
    c.time = t;
    c.sub = s;
    return c;
  }
  ChainStreams with_purpose(Purpose p) const {
    ChainStreams c = *this;
    c.purpose = p;
    return c;
  }
};

}  // namespace shortrun

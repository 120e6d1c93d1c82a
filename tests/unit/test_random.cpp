#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <Random123/philox.h>
#include <Random123/uniform.hpp>
#include <catch2/catch.hpp>

#include "shortrun/core/random.hpp"

using shortrun::Purpose;
using shortrun::Stream;

TEST_CASE("streams are addressed by seed and purpose and index and time - not by who draws", "[random]") {
  Stream a(7, Purpose::sampler, 3, 11, 2), b(7, Purpose::sampler, 3, 11, 2);
  for (int i = 0; i < 100; ++i) REQUIRE(a.normal() == b.normal());
  const double first = Stream(7, Purpose::sampler, 3, 11, 2).uniform();
  CHECK(Stream(8, Purpose::sampler, 3, 11, 2).uniform() != first);
  CHECK(Stream(7, Purpose::p0, 3, 11, 2).uniform() != first);
  CHECK(Stream(7, Purpose::sampler, 4, 11, 2).uniform() != first);
  CHECK(Stream(7, Purpose::sampler, 3, 12, 2).uniform() != first);
  CHECK(Stream(7, Purpose::sampler, 3, 11, 3).uniform() != first);
}

TEST_CASE("ChainStreams gives a chain the same stream whatever the rank's first chain", "[random]") {
  shortrun::ChainStreams whole{5, Purpose::sampler, 0, 9, 1};
  shortrun::ChainStreams second_half = whole;
  second_half.first_chain = 50;
  CHECK(whole.chain(57).normal() == second_half.chain(7).normal());
}

TEST_CASE("uniform and normal draws have the right moments", "[random]") {
  // n = 1e6 draws: the standard error of a mean is 1/sqrt(12 n) (uniform) or 1/sqrt(n) (normal);
  // every check allows 5 standard errors, with a fixed seed.
  const int n = 1000000;
  Stream s(2026, Purpose::data, 0);
  double su = 0, su2 = 0, sz = 0, sz2 = 0, sz4 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = s.uniform();
    REQUIRE(u > 0.0);
    REQUIRE(u <= 1.0);
    su += u;
    su2 += u * u;
    const double z = s.normal();
    sz += z;
    sz2 += z * z;
    sz4 += z * z * z * z;
  }
  const double dn = n;
  CHECK(std::abs(su / dn - 0.5) < 5.0 / std::sqrt(12.0 * dn));
  CHECK(std::abs(su2 / dn - 1.0 / 3.0) < 5.0 * std::sqrt(4.0 / 45.0 / dn));  // var(u^2) = 4/45
  CHECK(std::abs(sz / dn) < 5.0 / std::sqrt(dn));
  CHECK(std::abs(sz2 / dn - 1.0) < 5.0 * std::sqrt(2.0 / dn));     // var(z^2) = 2
  CHECK(std::abs(sz4 / dn - 3.0) < 5.0 * std::sqrt(96.0 / dn));    // var(z^4) = 105 - 9
}

TEST_CASE("below(n) is uniform over 0 to n-1", "[random]") {
  // Chi-square with 9 degrees of freedom: P(chi2 > 27.9) = 0.001.
  const int n = 10, draws = 200000;
  std::vector<int> counts(n, 0);
  Stream s(3, Purpose::minibatch, 0);
  for (int i = 0; i < draws; ++i) {
    const auto v = s.below(n);
    REQUIRE(v >= 0);
    REQUIRE(v < n);
    ++counts[static_cast<std::size_t>(v)];
  }
  double chi2 = 0;
  const double expected = static_cast<double>(draws) / n;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  CHECK(chi2 < 27.9);
}

TEST_CASE("fill_uniform and skip give exactly the numbers of one-at-a-time draws", "[random]") {
  // Every split of 0..300 draws into uniform() calls, fills and skips: the batched Philox path
  // (32 words at a time), its remainders and the stream position after it must all agree.
  for (int head : {0, 1, 3, 4, 5}) {
    for (int n : {0, 1, 7, 31, 32, 33, 64, 100, 257}) {
      Stream ref(9, Purpose::sampler, 4, 2, 1), fill(9, Purpose::sampler, 4, 2, 1), fill32(9, Purpose::sampler, 4, 2, 1),
          skipped(9, Purpose::sampler, 4, 2, 1);
      std::vector<double> expected;
      for (int i = 0; i < head + n + 5; ++i) expected.push_back(ref.uniform());
      for (int i = 0; i < head; ++i) {
        REQUIRE(fill.uniform() == expected[static_cast<std::size_t>(i)]);
        fill32.uniform();
        skipped.uniform();
      }
      std::vector<double> got(static_cast<std::size_t>(n));
      std::vector<float> got32(static_cast<std::size_t>(n));
      fill.fill_uniform(got.data(), n);
      fill32.fill_uniform(got32.data(), n);
      skipped.skip(n);
      for (int i = 0; i < n; ++i) {
        const auto k = static_cast<std::size_t>(i);
        REQUIRE(got[k] == expected[static_cast<std::size_t>(head + i)]);
        REQUIRE(got32[k] == static_cast<float>(expected[static_cast<std::size_t>(head + i)]));
      }
      for (int i = head + n; i < head + n + 5; ++i) {
        const double e = expected[static_cast<std::size_t>(i)];
        REQUIRE(fill.uniform() == e);
        REQUIRE(fill32.uniform() == e);
        REQUIRE(skipped.uniform() == e);
      }
    }
  }
}

TEST_CASE("fill_site_draws gives exactly the pairs of one-at-a-time below(n) and uniform() calls", "[random]") {
  // The random-order single-site sweeps draw a sweep's (site, uniform) pairs at once: every split
  // (a head of single draws, a fill of m pairs across the 64-pair chunks, single draws after) must
  // give the same sites, uniforms and stream position as the calls one at a time.
  for (int head : {0, 1, 3}) {
    for (int m : {0, 1, 63, 64, 65, 200}) {
      for (shortrun::Index n : {shortrun::Index{1}, shortrun::Index{7}, shortrun::Index{784}}) {
        Stream ref(9, Purpose::sampler, 4, 2, 1), fill(9, Purpose::sampler, 4, 2, 1);
        for (int i = 0; i < head; ++i) REQUIRE(fill.uniform() == ref.uniform());
        std::vector<shortrun::Index> sites(static_cast<std::size_t>(m));
        std::vector<double> uniforms(static_cast<std::size_t>(m));
        fill.fill_site_draws(n, m, sites.data(), uniforms.data());
        for (std::size_t k = 0; k < sites.size(); ++k) {
          REQUIRE(sites[k] == ref.below(n));
          REQUIRE(uniforms[k] == ref.uniform());
          REQUIRE(sites[k] < n);
        }
        for (int i = 0; i < 5; ++i) REQUIRE(fill.uniform() == ref.uniform());
      }
    }
  }
}

// ---- float draws (Stream::fill_float_uniform, fill_float_normal) ----

namespace random_float_test {

/// The k-th 64-bit word of Stream(seed, purpose, index, time, sub), straight from Random123: the
/// counter-based addressing the streams document, (seed, purpose) key, (index, time, sub, block).
std::uint64_t philox_word(std::uint64_t seed, Purpose purpose, std::uint64_t index, std::uint64_t time,
                          std::uint64_t sub, std::uint64_t k) {
  const r123::Philox4x64::key_type key = {{seed, static_cast<std::uint64_t>(purpose)}};
  const r123::Philox4x64::ctr_type ctr = {{index, time, sub, k / 4}};
  return r123::Philox4x64()(ctr, key)[static_cast<std::size_t>(k % 4)];
}

/// The documented mapping: the j-th float uniform of a word, j = 0 (low half) or 1 (high half).
double documented_uniform(std::uint64_t word, int j) {
  const auto half = static_cast<std::uint32_t>(j == 0 ? word : word >> 32);
  return std::ldexp(static_cast<double>((half >> 8) + 1U), -24);
}

}  // namespace random_float_test

TEST_CASE("fill_float_uniform gives two documented 24-bit uniforms per Philox word", "[random]") {
  using random_float_test::documented_uniform;
  using random_float_test::philox_word;
  // Every start inside a Philox block (head uniform() calls), odd and even counts across blocks.
  for (int head : {0, 1, 3, 4, 5}) {
    for (int n : {0, 1, 2, 7, 8, 9, 16, 31, 64, 257}) {
      INFO("head " << head << " n " << n);
      Stream fill(9, Purpose::sampler, 4, 2, 1), skipped(9, Purpose::sampler, 4, 2, 1);
      for (int i = 0; i < head; ++i) {
        fill.uniform();
        skipped.uniform();
      }
      std::vector<float> got(static_cast<std::size_t>(n));
      fill.fill_float_uniform(got.data(), n);
      skipped.skip(Stream::float_words(n));
      for (int i = 0; i < n; ++i) {
        const std::uint64_t word = philox_word(9, Purpose::sampler, 4, 2, 1, static_cast<std::uint64_t>(head + i / 2));
        REQUIRE(static_cast<double>(got[static_cast<std::size_t>(i)]) == documented_uniform(word, i % 2));
      }
      // The stream continues after ceil(n / 2) words, as skip() does.
      for (int i = 0; i < 5; ++i) REQUIRE(fill.uniform() == skipped.uniform());
    }
  }
  // The extremes of the mapping: a low half of 0 gives 2^-24 (never 0), all ones gives 1.
  CHECK(documented_uniform(0, 0) == std::ldexp(1.0, -24));
  CHECK(documented_uniform(~std::uint64_t{0}, 1) == 1.0);
}

TEST_CASE("fill_bytes gives the eight bytes of each Philox word, second_sequence starts at block 2^63", "[random]") {
  using random_float_test::philox_word;
  for (int head : {0, 1, 3, 4, 5}) {
    for (int n : {0, 1, 7, 8, 9, 16, 63, 64, 65, 500, 784}) {
      INFO("head " << head << " n " << n);
      Stream fill(9, Purpose::sampler, 4, 2, 1), skipped(9, Purpose::sampler, 4, 2, 1);
      for (int i = 0; i < head; ++i) {
        fill.uniform();
        skipped.uniform();
      }
      std::vector<std::uint8_t> got(static_cast<std::size_t>(n));
      fill.fill_bytes(got.data(), n);
      skipped.skip(Stream::byte_words(n));
      for (int i = 0; i < n; ++i) {
        const std::uint64_t word = philox_word(9, Purpose::sampler, 4, 2, 1, static_cast<std::uint64_t>(head + i / 8));
        REQUIRE(got[static_cast<std::size_t>(i)] == static_cast<std::uint8_t>(word >> (8 * (i % 8))));
      }
      // The stream continues after ceil(n / 8) words, as skip() does.
      for (int i = 0; i < 5; ++i) REQUIRE(fill.uniform() == skipped.uniform());
      // The second sequence does not depend on where the stream stands: blocks 2^63, 2^63 + 1, ...
      Stream second = fill.second_sequence();
      const r123::Philox4x64::key_type key = {{9, static_cast<std::uint64_t>(Purpose::sampler)}};
      for (std::uint64_t k = 0; k < 9; ++k) {
        const r123::Philox4x64::ctr_type ctr = {{4, 2, 1, (std::uint64_t(1) << 63) + k / 4}};
        REQUIRE(second.uniform() == r123::u01<double>(r123::Philox4x64()(ctr, key)[static_cast<std::size_t>(k % 4)]));
      }
    }
  }
}

TEST_CASE("float uniforms have the moments of the uniform law on 0 to 1", "[random]") {
  // 2e6 draws in fills of 1000; 5 standard errors (var(u) = 1/12, var(u^2) = 4/45); the mean of
  // the 2^24-point grid is 1/2 + 2^-25, far inside the tolerance.
  const int fills = 2000, per_fill = 1000;
  const double n = static_cast<double>(fills) * per_fill;
  Stream s(2027, Purpose::data, 0);
  std::vector<float> u(per_fill);
  double su = 0, su2 = 0, pair = 0;
  float lo = 1, hi = 0;
  for (int f = 0; f < fills; ++f) {
    s.fill_float_uniform(u.data(), per_fill);
    for (int i = 0; i < per_fill; ++i) {
      const double x = u[static_cast<std::size_t>(i)];
      su += x;
      su2 += x * x;
      if (i % 2 == 1) pair += (x - 0.5) * (u[static_cast<std::size_t>(i - 1)] - 0.5);
      lo = std::min(lo, u[static_cast<std::size_t>(i)]);
      hi = std::max(hi, u[static_cast<std::size_t>(i)]);
    }
  }
  CHECK(lo > 0.0f);
  CHECK(hi <= 1.0f);
  CHECK(std::abs(su / n - 0.5) < 5.0 / std::sqrt(12.0 * n));
  CHECK(std::abs(su2 / n - 1.0 / 3.0) < 5.0 * std::sqrt(4.0 / 45.0 / n));
  // The two halves of a word are uncorrelated: cov = 0, sd of each product 1/12.
  CHECK(std::abs(pair / (n / 2)) < 5.0 * (1.0 / 12.0) / std::sqrt(n / 2));
}

TEST_CASE("fill_float_normal is Box-Muller on the documented float uniforms of each word", "[random]") {
  using random_float_test::documented_uniform;
  using random_float_test::philox_word;
  const double pi = 3.14159265358979323846;
  for (int head : {0, 1, 3}) {
    for (int n : {1, 2, 31, 32, 33, 100, 785}) {
      INFO("head " << head << " n " << n);
      Stream fill(5, Purpose::sampler, 8, 3, 0), skipped(5, Purpose::sampler, 8, 3, 0);
      for (int i = 0; i < head; ++i) {
        fill.uniform();
        skipped.uniform();
      }
      std::vector<float> z(static_cast<std::size_t>(n));
      fill.fill_float_normal(z.data(), n);
      skipped.skip(Stream::float_words(n));
      for (int i = 0; i < n; ++i) {
        const std::uint64_t word = philox_word(5, Purpose::sampler, 8, 3, 0, static_cast<std::uint64_t>(head + i / 2));
        const double r = std::sqrt(-2.0 * std::log(documented_uniform(word, 0)));
        const double theta = pi * (2.0 * documented_uniform(word, 1) - 1.0);
        const double expected = i % 2 == 0 ? r * std::cos(theta) : r * std::sin(theta);
        // Float log, sqrt, sin and cos: a few float ulps of r (<= 5.8).
        REQUIRE(std::abs(static_cast<double>(z[static_cast<std::size_t>(i)]) - expected) < 4e-6 * (1.0 + r));
      }
      for (int i = 0; i < 5; ++i) REQUIRE(fill.uniform() == skipped.uniform());
    }
  }
}

TEST_CASE("fill_float_normal gives each word the same normals however the fills are split", "[random]") {
  const int n = 1000;
  std::vector<float> whole(n), parts(n);
  Stream(6, Purpose::sampler, 2, 7, 1).fill_float_normal(whole.data(), n);
  // Even pieces (an odd one would drop the second normal of its last word), crossing the
  // vectorised passes and Philox blocks at other places.
  Stream s(6, Purpose::sampler, 2, 7, 1);
  int at = 0;
  for (int piece : {2, 6, 30, 34, 64, 200, 664}) {
    s.fill_float_normal(parts.data() + at, piece);
    at += piece;
  }
  REQUIRE(at == n);
  CHECK(whole == parts);
}

TEST_CASE("float normals have mean 0 and variance 1 and normal tails", "[random]") {
  // 4e6 draws in fills of 784 (a 28 x 28 image), fixed seed, 5 standard errors each:
  // mean sd 1/sqrt(n), z^2 sd sqrt(2/n), z^4 sd sqrt(96/n); the indicator of |z| > a has sd
  // sqrt(p(1-p)/n) with p = erfc(a/sqrt 2): 2.70e-3 at a = 3 (about 10800 draws), 6.33e-5 at
  // a = 4 (about 250). The two normals of a word are uncorrelated (sd of z1 z2 = 1).
  const int fills = 5102, per_fill = 784;
  const double n = static_cast<double>(fills) * per_fill;
  Stream s(2028, Purpose::sampler, 0);
  std::vector<float> z(per_fill);
  double sz = 0, sz2 = 0, sz4 = 0, pair = 0, beyond3 = 0, beyond4 = 0;
  float largest = 0;
  for (int f = 0; f < fills; ++f) {
    s.fill_float_normal(z.data(), per_fill);
    for (int i = 0; i < per_fill; ++i) {
      const double x = z[static_cast<std::size_t>(i)];
      sz += x;
      sz2 += x * x;
      sz4 += x * x * x * x;
      if (i % 2 == 1) pair += x * z[static_cast<std::size_t>(i - 1)];
      beyond3 += std::abs(x) > 3.0 ? 1.0 : 0.0;
      beyond4 += std::abs(x) > 4.0 ? 1.0 : 0.0;
      largest = std::max(largest, std::abs(z[static_cast<std::size_t>(i)]));
    }
  }
  CHECK(std::abs(sz / n) < 5.0 / std::sqrt(n));
  CHECK(std::abs(sz2 / n - 1.0) < 5.0 * std::sqrt(2.0 / n));
  CHECK(std::abs(sz4 / n - 3.0) < 5.0 * std::sqrt(96.0 / n));
  CHECK(std::abs(pair / (n / 2)) < 5.0 / std::sqrt(n / 2));
  const double p3 = std::erfc(3.0 / std::sqrt(2.0)), p4 = std::erfc(4.0 / std::sqrt(2.0));
  INFO("beyond 3: " << beyond3 << " (expected " << p3 * n << "), beyond 4: " << beyond4 << " (expected " << p4 * n
                    << "), largest " << largest);
  CHECK(std::abs(beyond3 / n - p3) < 5.0 * std::sqrt(p3 * (1 - p3) / n));
  CHECK(std::abs(beyond4 / n - p4) < 5.0 * std::sqrt(p4 * (1 - p4) / n));
  CHECK(largest <= 5.77f);  // sqrt(-2 ln 2^-24) = 5.768: the documented cut-off
}

// ---- the vectorised Philox of fill_words (AVX-512 builds) against Random123's scalar Philox ----

namespace random_simd_test {

/// Word w of block `block` of Stream(seed, purpose, index, time, sub), from Random123's scalar
/// Philox4x64-10: the oracle every fill is held to, bit for bit.
std::uint64_t oracle_word(std::uint64_t seed, Purpose purpose, const std::uint64_t (&ctr)[3], std::uint64_t block,
                          int w) {
  const r123::Philox4x64::key_type key = {{seed, static_cast<std::uint64_t>(purpose)}};
  const r123::Philox4x64::ctr_type c = {{ctr[0], ctr[1], ctr[2], block}};
  return r123::Philox4x64()(c, key)[static_cast<std::size_t>(w)];
}

}  // namespace random_simd_test

TEST_CASE("every fill equals Random123's scalar Philox word for word at any offset, counter and key", "[random]") {
  // Built with AVX-512, fill_words computes runs of 8 to 32 blocks 8 per vector (one block per
  // 64-bit lane, then a transpose): a wrong lane, round, product or transpose changes some word of
  // some block, and every n from 0 to 300 (0 to 75 blocks: each run length and remainder) at
  // every offset inside a block is compared with the scalar oracle. The counters include all-ones
  // words and a block counter crossing 2^64 (wrapping on its own, without carry, as ++ctr[3] does);
  // a key of all ones and one of small words. Without AVX-512 the same test checks the scalar loop.
  using random_simd_test::oracle_word;
  struct Case {
    std::uint64_t seed;
    Purpose purpose;
    std::uint64_t ctr[3];
    std::uint64_t start_block;  // block counter after the skips below
  };
  const std::uint64_t ones = ~std::uint64_t{0};
  const Case cases[] = {
      {9, Purpose::sampler, {4, 2, 1}, 0},
      {ones, Purpose::log_z_bridge, {ones, ones, ones}, ones - 40},  // crosses the wrap of ctr[3]
      {0x0123456789abcdefULL, Purpose::data, {0xfedcba9876543210ULL, 0, ones}, (std::uint64_t{1} << 32) - 3},
  };
  for (const Case& c : cases) {
    for (int head = 0; head < 4; ++head) {
      for (int n = 0; n <= 300; ++n) {
        INFO("seed " << c.seed << " block " << c.start_block << " head " << head << " n " << n);
        // Five streams at the same place: block start_block (reached by skips of whole blocks,
        // 2^60 blocks = 2^62 words at most each, as Index is signed), then head words in.
        auto at_start = [&c, head] {
          Stream s(c.seed, c.purpose, c.ctr[0], c.ctr[1], c.ctr[2]);
          std::uint64_t left = c.start_block;
          const std::uint64_t most = std::uint64_t{1} << 60;
          while (left > 0) {
            const std::uint64_t step = std::min(left, most);
            s.skip(static_cast<shortrun::Index>(4 * step));
            left -= step;
          }
          for (int i = 0; i < head; ++i) s.uniform();
          return s;
        };
        auto word = [&](int k) {  // the k-th word from the start (head words already drawn)
          const auto pos = static_cast<std::uint64_t>(head + k);
          return oracle_word(c.seed, c.purpose, c.ctr, c.start_block + pos / 4, static_cast<int>(pos % 4));
        };
        const auto size = static_cast<std::size_t>(n);
        const int float_words = static_cast<int>(Stream::float_words(n));

        Stream su = at_start(), sd = at_start(), sf = at_start(), sn = at_start(), sp = at_start();
        std::vector<float> fu(size), ff(size), fn(size), pairs(size);
        std::vector<double> fd(size);
        su.fill_float_uniform(fu.data(), n);
        sd.fill_uniform(fd.data(), n);
        sf.fill_uniform(ff.data(), n);
        sn.fill_float_normal(fn.data(), n);
        // The normals of each word, one word per fill: the scalar path (fill_words of one word).
        for (int i = 0; i < n; i += 2) sp.fill_float_normal(pairs.data() + i, std::min(2, n - i));
        bool uniform_ok = true, double_ok = true, float_ok = true, normal_ok = true;
        for (int i = 0; i < n; ++i) {
          const auto k = static_cast<std::size_t>(i);
          const std::uint64_t w2 = word(i / 2);
          const auto half = static_cast<std::uint32_t>(i % 2 == 0 ? w2 : w2 >> 32);
          uniform_ok = uniform_ok && fu[k] == std::ldexp(static_cast<float>((half >> 8) + 1U), -24);
          const double u = r123::u01<double>(word(i));
          double_ok = double_ok && fd[k] == u;
          float_ok = float_ok && ff[k] == static_cast<float>(u);
          normal_ok = normal_ok && fn[k] == pairs[k];
        }
        REQUIRE(uniform_ok);
        REQUIRE(double_ok);
        REQUIRE(float_ok);
        REQUIRE(normal_ok);
        // Each stream continues where n one-at-a-time draws would leave it.
        REQUIRE(su.uniform() == r123::u01<double>(word(float_words)));
        REQUIRE(sd.uniform() == r123::u01<double>(word(n)));
        REQUIRE(sf.uniform() == r123::u01<double>(word(n)));
        REQUIRE(sn.uniform() == r123::u01<double>(word(float_words)));
      }
    }
  }
}

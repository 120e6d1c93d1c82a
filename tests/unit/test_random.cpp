#include <cmath>
#include <vector>

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

#pragma once
// Small helpers shared by the binary-model tests: random tiny models drawn from a fixed seed,
// chain sampling to a state histogram, and the chi-square statistic against an exact law.
#include <cstdint>
#include <cstring>

#include "shortrun/core/random.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/models/boltzmann_machine.hpp"
#include "shortrun/models/independent_spins.hpp"
#include "shortrun/samplers/single_site.hpp"
#include "shortrun/theory/binary_enumeration.hpp"

namespace shortrun::test {

/// The four single-site samplers as (rule, order).
inline constexpr SiteDynamics kAllDynamics[] = {{SiteRule::gibbs, SiteOrder::sequential},
                                                {SiteRule::gibbs, SiteOrder::random},
                                                {SiteRule::metropolis, SiteOrder::sequential},
                                                {SiteRule::metropolis, SiteOrder::random}};

/// Same shape and the same bits in every entry (NaNs included).
inline bool bitwise_equal(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(double)) == 0;
}

/// h_i ~ N(0, scale_h^2), J_ij = J_ji ~ N(0, scale_j^2) (i < j), zero diagonal.
inline BoltzmannMachine tiny_bm(Index n, Spin spin, std::uint64_t seed, double scale_h = 0.5,
                                double scale_j = 0.5) {
  BoltzmannMachine m(n, spin);
  Stream s(seed, Purpose::data, 0);
  for (Index i = 0; i < n; ++i) m.h()(i, 0) = scale_h * s.normal();
  for (Index i = 0; i < n; ++i)
    for (Index j = i + 1; j < n; ++j) m.J()(i, j) = m.J()(j, i) = scale_j * s.normal();
  return m;
}

/// W, a, b entries ~ N(0, scale^2).
inline BernoulliRbm tiny_rbm(Index n_visible, Index n_hidden, std::uint64_t seed, double scale = 0.7) {
  BernoulliRbm m(n_visible, n_hidden);
  Stream s(seed, Purpose::data, 0);
  for (Index i = 0; i < m.params().size(); ++i) m.params()[i] = scale * s.normal();
  return m;
}

/// Fraction of the columns of x in each of the 2^N states.
inline Vector state_histogram(const Matrix& x, Spin spin) { return exact::empirical_law(x, spin); }

/// Pearson chi-square of R independent draws with frequencies `observed` against the law p.
inline double chi_square(const Vector& observed, const Vector& p, Index draws) {
  const double r = static_cast<double>(draws);
  return (r * (observed - p).array().square() / p.array()).sum();
}

/// Upper 1e-4 quantile of chi-square with 15 degrees of freedom (16 states): computed from the
/// regularised incomplete gamma function.
inline constexpr double kChiSquare15At1e4 = 44.26;

}  // namespace shortrun::test

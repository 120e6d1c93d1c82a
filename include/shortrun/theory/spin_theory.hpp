#pragma once
/// Closed forms for independent binary units E = -sum_i h_i s_i (docs/theory.md section 3), for either
/// convention (pm1: <s> = tanh h at equilibrium; 01: <s> = sigmoid(h)), time t in sweeps.
/// Every single-site sampler moves a unit's mean linearly towards equilibrium:
///   m(t) = m_eq + (m0 - m_eq) r^t,
/// with the per-sweep factor r (gap = 2 for pm1, 1 for 01; q = (1 - 1/N)^N):
///   gibbs              0 (exact after one sweep; r^0 = 1 keeps m(0) = m0)
///   gibbs-random       q
///   metropolis         -exp(-gap |h|)
///   metropolis-random  (1 - (1 + exp(-gap |h|)) / N)^N
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "shortrun/core/types.hpp"
#include "shortrun/models/spin.hpp"
#include "shortrun/samplers/single_site.hpp"

namespace shortrun::spin_theory {

/// <s> at equilibrium: tanh h (pm1) or sigmoid h (01).
inline double equilibrium_mean(Spin spin, double h) { return spin == Spin::pm1 ? std::tanh(h) : sigmoid(h); }

/// q = (1 - 1/N)^N: probability that a given site is never picked in a random sweep.
inline double q_random_sweep(Index n) {
  const double nn = static_cast<double>(n);
  return std::pow(1.0 - 1.0 / nn, nn);
}

/// r: the per-sweep contraction of m(t) - m_eq.
inline double relaxation_factor(Spin spin, SiteDynamics d, double h, Index n) {
  const double nn = static_cast<double>(n);
  const double stay = std::exp(-spin_gap(spin) * std::abs(h));  // Metropolis: uphill acceptance
  if (d.rule == SiteRule::gibbs) return d.order == SiteOrder::sequential ? 0.0 : q_random_sweep(n);
  return d.order == SiteOrder::sequential ? -stay : std::pow(1.0 - (1.0 + stay) / nn, nn);
}

/// m(t) = m_eq + (m0 - m_eq) r^t for a unit with field h in a system of N units.
inline double mean_at(Spin spin, SiteDynamics d, double h, double m0, Index n, double t) {
  const double eq = equilibrium_mean(spin, h);
  return eq + (m0 - eq) * std::pow(relaxation_factor(spin, d, h, n), t);
}

/// The target of the rdm-k fixed point for gibbs-random: m_eq(h*) = (m_D - q^k m0) / (1 - q^k).
inline double gibbs_random_target(double data_mean, double m0, Index n, Index k) {
  const double qk = std::pow(q_random_sweep(n), static_cast<double>(k));
  return (data_mean - qk * m0) / (1.0 - qk);
}

/// True iff the rdm-k fixed point exists: the target lies strictly inside (low, 1)
/// (pm1 with m0 = 0: |m_D| < 1 - q^k).
inline bool gibbs_random_fixed_point_exists(Spin spin, double data_mean, double m0, Index n, Index k) {
  const double target = gibbs_random_target(data_mean, m0, n, k);
  return target > spin_low(spin) && target < 1.0;
}

/// h*(k) for gibbs-random: atanh(target) (pm1) or logit(target) (01). Throws std::domain_error
/// when no fixed point exists (training then diverges).
inline double h_star_gibbs_random(Spin spin, double data_mean, double m0, Index n, Index k) {
  if (!gibbs_random_fixed_point_exists(spin, data_mean, m0, n, k))
    throw std::domain_error("no rdm fixed point: data mean beyond what k random sweeps reach");
  const double target = gibbs_random_target(data_mean, m0, n, k);
  return spin == Spin::pm1 ? std::atanh(target) : std::log(target / (1.0 - target));
}

/// Maximum-likelihood field (cd, pcd, exact): atanh(m_D) or logit(mu_D).
inline double h_ml(Spin spin, double data_mean) {
  return spin == Spin::pm1 ? std::atanh(data_mean) : std::log(data_mean / (1.0 - data_mean));
}

/// h*(k) for any single-site sampler: the field whose mean after k sweeps from m0 equals the data
/// mean, mean_at(h*, k) = m_D, i.e. the fixed point of rdm-k training (docs/theory.md section 3).
///   gibbs:        one sweep equilibrates every unit, so h* = h_ml for every k >= 1 (closed form)
///   gibbs-random: the closed form of h_star_gibbs_random
///   metropolis, metropolis-random: no closed form; the root of mean_at(h, k) - m_D, bracketed and
///                 bisected to adjacent doubles. Training moves h from its start, 0, in the
///                 direction of m_D - mean_at(0, k) and stops at the first root it meets, so that
///                 root is the one returned (the functions are monotone in h for m0 = 0, so it is
///                 the only one there; with another p0 metropolis can have several).
/// NaN where no fixed point exists with |h| <= kSaturatedParam: the data mean lies beyond what k
/// sweeps reach (then training drives the field to the bound and the run reports divergence).
inline double h_star(Spin spin, SiteDynamics d, double data_mean, double m0, Index n, Index k) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (!(data_mean > spin_low(spin) && data_mean < 1.0)) return kNaN;
  if (d.rule == SiteRule::gibbs) {
    if (d.order == SiteOrder::sequential) return h_ml(spin, data_mean);
    return gibbs_random_fixed_point_exists(spin, data_mean, m0, n, k) ? h_star_gibbs_random(spin, data_mean, m0, n, k)
                                                                      : kNaN;
  }
  const double t = static_cast<double>(k);
  auto gap = [&](double h) { return mean_at(spin, d, h, m0, n, t) - data_mean; };
  const double at_zero = gap(0.0);
  if (at_zero == 0.0) return 0.0;
  const double direction = at_zero < 0 ? 1.0 : -1.0;
  const bool below = at_zero < 0;  // the sign of gap() before the root
  // Outwards from 0 on a log grid (100 points a decade from 1e-9 to the bound): fine enough for
  // the relaxation factors' scales (|h| ~ 1/k for metropolis at large k) and cheap.
  double inner = 0.0;
  for (int j = 0;; ++j) {
    const double g = std::min(1e-9 * std::pow(10.0, j / 100.0), kSaturatedParam);
    const double outer = direction * g;
    const double f = gap(outer);
    if (f == 0.0) return outer;
    if ((f < 0) != below) {
      // Bisect [inner, outer] (gap has the sign of `below` at inner) until adjacent doubles.
      double lo = inner, hi = outer;
      for (;;) {
        const double mid = 0.5 * (lo + hi);
        if (mid == lo || mid == hi) break;
        const double fm = gap(mid);
        if (fm == 0.0) return mid;
        ((fm < 0) == below ? lo : hi) = mid;
      }
      return std::abs(gap(lo)) <= std::abs(gap(hi)) ? lo : hi;
    }
    if (g >= kSaturatedParam) return kNaN;
    inner = outer;
  }
}

}  // namespace shortrun::spin_theory

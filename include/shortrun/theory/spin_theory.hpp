#pragma once
/// Closed forms for independent binary units E = -sum_i h_i s_i (THEORY.md section 3), for either
/// convention (pm1: <s> = tanh h at equilibrium; 01: <s> = sigmoid(h)), time t in sweeps.
/// Every single-site sampler moves a unit's mean linearly towards equilibrium:
///   m(t) = m_eq + (m0 - m_eq) r^t,
/// with the per-sweep factor r (gap = 2 for pm1, 1 for 01; q = (1 - 1/N)^N):
///   gibbs              0 (exact after one sweep; r^0 = 1 keeps m(0) = m0)
///   gibbs-random       q
///   metropolis         -exp(-gap |h|)
///   metropolis-random  (1 - (1 + exp(-gap |h|)) / N)^N
#include <cmath>
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

}  // namespace shortrun::spin_theory

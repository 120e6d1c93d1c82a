#pragma once
/// The exact measurement path (docs/theory.md section 5, item 5): the same DynamicsResult as
/// measure_dynamics, from the exact law p_t instead of chains (n_chains = 0).
///   Gaussian + ULA: p_t = N(mu_t, Sigma_t) from gaussian_theory::propagate, any N, any t; the
///     energy E = 1/2 x^T J x - h^T x has <E> = 1/2 tr(J Sigma) + 1/2 mu^T J mu - h^T mu and
///     Var E = 1/2 tr((J Sigma)^2) + (J mu - h)^T Sigma (J mu - h).
///   Pairwise binary (spins, bm; N <= 12) + single-site sampler: p_t = p0 P^t through the exact
///     SweepKernel, moments and energies summed over the 2^N states.
///   RBM + block Gibbs (Nv, Nh <= 12): p_t(v) through the dense visible kernel.
/// As for chains, recording stops at the first time with a non-finite statistic (overflow).
#include <vector>

#include "shortrun/measure/dynamics.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/models/gaussian_energy.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/p0.hpp"
#include "shortrun/samplers/single_site.hpp"
#include "shortrun/theory/binary_enumeration.hpp"
#include "shortrun/theory/gaussian_theory.hpp"

namespace shortrun {

/// Exact moments of p_t for the Gaussian model under ULA from p0 = N(0, sigma0^2 I) (zeros: 0).
DynamicsResult gaussian_exact_dynamics(const GaussianEnergy& model, const gaussian_theory::Ula& ula,
                                       const P0& p0, const std::vector<Index>& times,
                                       const DataReference& ref);

/// Exact p_t of a pairwise binary model (IndependentSpins or BoltzmannMachine through
/// exact::pairwise) under a single-site sampler from a product p0. Throws std::invalid_argument
/// when N > exact::kMaxPropagatedUnits.
DynamicsResult binary_exact_dynamics(const exact::PairwiseModel& model, SiteDynamics dynamics,
                                     const BinaryP0& p0, const std::vector<Index>& times,
                                     const DataReference& ref);

/// Exact p_t(v) of an RBM under block Gibbs from a product p0 over the visible units. Throws
/// std::invalid_argument when Nv or Nh > 12.
DynamicsResult rbm_exact_dynamics(const BernoulliRbm& rbm, const BinaryP0& p0,
                                  const std::vector<Index>& times, const DataReference& ref);

/// Statistics of a law p over the 2^Nv visible states of an RBM (used by the exact paths).
ChainStatistics rbm_law_statistics(const BernoulliRbm& rbm, const Vector& p, const DataReference& ref);

/// Statistics of a law p over the 2^N states of a pairwise model (used by the exact paths).
ChainStatistics pairwise_law_statistics(const exact::PairwiseModel& model, const Vector& p,
                                        const DataReference& ref);

/// Statistics of N(mu, Sigma) under the Gaussian energy (J, h) (used by the exact paths).
ChainStatistics gaussian_law_statistics(const GaussianEnergy& model, const gaussian_theory::Moments& m,
                                        const DataReference& ref);

}  // namespace shortrun

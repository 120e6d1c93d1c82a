#pragma once
/// Ising teacher data: samples of a pairwise pm1 model at inverse temperature beta,
///   E(s) = -beta sum_{i<j} K_ij s_i s_j - h sum_i s_i,   s in {-1, +1}^N,
/// i.e. a BoltzmannMachine with J = beta K and uniform field h, on one of three graphs:
///   curie-weiss  K_ij = 1/N for every pair (mean field; critical at beta = 1)
///   2d           N = L^2 sites on a periodic L x L square lattice (L >= 3), K_ij = 1 for nearest
///                neighbours (critical at beta = log(1 + sqrt 2)/2 = 0.4407)
///   sk           Sherrington-Kirkpatrick: K_ij = g_ij / sqrt(N), g_ij ~ N(0, 1) independent,
///                drawn from Stream(seed, Purpose::teacher, i) (spin glass below T = 1, beta > 1)
/// How samples are drawn (IsingData::method):
///   exact-magnetization  curie-weiss, any N: E depends on s only through M = sum_i s_i, so
///                        k = #up is drawn exactly from P(k) ∝ C(N, k) exp(beta (M^2 - N)/(2N) + h M),
///                        M = 2k - N, and the k up sites uniformly (partial Fisher-Yates)
///   exact-enumeration    2d and sk with N <= 20 (exact::kMaxEnumerableUnits): inverse-CDF draws
///                        from the Boltzmann law over all 2^N states
///   swendsen-wang        2d with N > 20 and no field: `chains` independent chains of
///                        Swendsen-Wang cluster updates from uniform spins (each bond between aligned
///                        units is active with probability 1 - exp(-2 J_ij); every cluster of active
///                        bonds flips with probability 1/2); one update counts as one sweep.
///                        burn_in_sweeps updates, then one sample per chain every thin_sweeps
///                        updates (sample r C + j is chain j's r-th). Cluster updates flip the
///                        whole lattice between the two ordered states, so the data follow the
///                        Boltzmann law below the critical point too, where single-site chains stay
///                        in the state they fell into.
///   mcmc                 sk with N > 20 (and 2d with a field, or with mcmc.cluster = false): the
///                        same, with sequential Gibbs (heat-bath) sweeps. Defaults 5000 / 10 / 64
///                        equilibrate the paramagnetic phase and the 2d lattice up to L ~ 32 at
///                        beta_c (heat-bath tau ~ L^2.2 sweeps); deep in an ordered or glassy phase
///                        single-site chains do not mix between states and the data then follow
///                        the chains' start, not the Boltzmann law.
/// With spin = 01 the samples are written as v = (1 + s)/2 (the same law); the teacher is then
/// the equivalent 01 machine: J01 = 4 J, h01 = 2 h - 2 J 1 (E differs by a constant).
/// Randomness: sample s of the exact methods uses Stream(seed, Purpose::data, s); mcmc chain j
/// uses Stream(seed, Purpose::data, j, t) at sweep t (t = 0: its start), for either kernel.
#include <cstdint>
#include <string>

#include "shortrun/data/dataset.hpp"
#include "shortrun/data/ising_graph.hpp"
#include "shortrun/models/boltzmann_machine.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun {

const char* ising_graph_name(IsingGraph g);

/// Long-run MCMC settings for teachers too large to enumerate.
struct IsingMcmc {
  Index burn_in_sweeps = 5000;
  Index thin_sweeps = 10;
  Index chains = 64;  ///< at most n_samples are used
  bool cluster = true;  ///< 2d without a field: Swendsen-Wang updates; false: heat-bath sweeps
};

struct IsingDataSpec {
  IsingGraph graph = IsingGraph::curie_weiss;  ///< (config: data.graph)
  Index n_visible = 0;      ///< N (config: model.n_visible); 2d: a perfect square L^2, L >= 3
  double beta = 0.5;        ///< inverse temperature, finite (config: data.beta)
  double field = 0.0;       ///< uniform field h in pm1 terms, finite
  Spin spin = Spin::pm1;    ///< convention of the samples and the teacher (config: model.spin)
  Index n_samples = 0;      ///< 0: exact population moments (curie-weiss, or N <= 20), no samples
  std::uint64_t seed = 1;   ///< couplings (sk) and samples (config: run.seed)
  IsingMcmc mcmc;
  bool force_mcmc = false;  ///< use mcmc (or swendsen-wang) even where an exact method exists (tests)
};

struct IsingData {
  Dataset data;                 ///< samples (N x n) and their moments, or population moments
  BoltzmannMachine teacher{1, Spin::pm1};  ///< the model sampled, in the convention `spin`
  std::string method;           ///< exact-magnetization, exact-enumeration, swendsen-wang or mcmc
  IsingMcmc mcmc;               ///< the settings used (mcmc and swendsen-wang only)
};

/// beta K on `graph` with N units (pm1 couplings; symmetric, zero diagonal).
Matrix ising_couplings(IsingGraph graph, Index n_visible, double beta, std::uint64_t seed);

/// Throws BadInput naming the key (model.n_visible, data.beta, data.n_samples) when N < 2, the
/// 2d graph gets N that is not L^2 with L >= 3, beta or h is not finite, n_samples < 0, or
/// n_samples = 0 is asked of a teacher whose moments cannot be computed exactly.
IsingData make_ising_data(const IsingDataSpec& spec);

}  // namespace shortrun

#pragma once
/// Negative phase of a pairwise binary model (BoltzmannMachine, IndependentSpins) with exact
/// moments instead of chains (`train.moments = exact`, or `train.scheme = exact`), so training is
/// deterministic and a converged rdm run meets (G) of docs/theory.md section 1 to rounding:
///   rdm:   moments of p_k, k sweeps from the product law p0
///   cd:    moments after k sweeps from the empirical law of the whole data set
///   pcd:   a persistent law, moved k sweeps per update (starts at p0)
///   exact: Boltzmann moments
/// BoltzmannMachine: the law over all 2^N states is propagated through the sampler's exact sweep
/// kernel (theory/binary_transition.hpp; N <= 12, `exact` by enumeration N <= 20).
/// IndependentSpins: each unit's mean follows the closed form m_eq + (m_start - m_eq) r^k of
/// theory/spin_theory.hpp (any N; only means enter its gradient; equal to the propagated law to
/// rounding, see the tests).
#include <cstdint>
#include <stdexcept>

#include "shortrun/core/state.hpp"
#include "shortrun/estimators/data_term.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/models/boltzmann_machine.hpp"
#include "shortrun/models/independent_spins.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/single_site.hpp"
#include "shortrun/theory/binary_enumeration.hpp"
#include "shortrun/theory/binary_transition.hpp"
#include "shortrun/theory/spin_theory.hpp"

namespace shortrun {

class BinaryExactMoments {
 public:
  /// dynamics: the sampler (ignored by `exact`); p0: the start law of rdm and pcd.
  BinaryExactMoments(Scheme scheme, Index k, SiteDynamics dynamics, const BinaryP0& p0, int rank)
      : scheme_(scheme), k_(k), dynamics_(dynamics), spin_(p0.spin()), rank_(rank),
        p0_prob_up_(p0.prob_up()), p0_mean_(p0.mean()), persistent_mean_(p0_mean_) {}

  Index k() const { return k_; }

  /// pcd's persistent state, for resume checkpoints: "mean", the means (N) for IndependentSpins,
  /// and "law", the law over all states (2^N) for a BoltzmannMachine once it exists.
  State state() const {
    State s;
    s.add("mean", persistent_mean_);
    if (persistent_.size() > 0) s.add("law", persistent_);
    return s;
  }
  /// Puts back what state() returned.
  void restore(const State& state) {
    if (const auto mean = state.vector("mean")) persistent_mean_ = *mean;
    if (const auto law = state.vector("law")) {
      p0_law_ = exact::product_law(p0_prob_up_);
      persistent_ = *law;
    }
  }

  /// The law whose moments entered the last gradient, (2^N); empty for IndependentSpins.
  const Vector& last_law() const { return last_; }
  /// Its moments <s>, <s s^T>.
  const exact::SpinMoments& last_moments() const { return moments_; }

  void accumulate(const IndependentSpins& model, std::uint64_t /*update*/, DataTerm& data, Vector& grad) {
    check_spin(model.spin());
    const Index n = model.dim();
    const Vector h = model.h();
    Vector start;
    switch (scheme_) {
      case Scheme::rdm: start = p0_mean_; break;
      case Scheme::cd: start = data.data().mean; break;
      case Scheme::pcd: start = persistent_mean_; break;
      case Scheme::exact: break;
    }
    moments_.mean.resize(n);
    for (Index i = 0; i < n; ++i)
      moments_.mean[i] = scheme_ == Scheme::exact
                             ? spin_theory::equilibrium_mean(spin_, h[i])
                             : spin_theory::mean_at(spin_, dynamics_, h[i], start[i], n, static_cast<double>(k_));
    if (scheme_ == Scheme::pcd) persistent_mean_ = moments_.mean;
    // Only the means enter the gradient of independent spins. The second moment is filled as for
    // independent units (<s_i^2> = 1 for pm1, mu_i for 01): informative, not used.
    moments_.second = moments_.mean * moments_.mean.transpose();
    moments_.second.diagonal() = spin_ == Spin::pm1 ? Vector(Vector::Ones(n)) : moments_.mean;
    last_.resize(0);
    if (rank_ == 0) model.accumulate_grad_energy_moments(moments_.mean, moments_.second, -1.0, grad);
  }

  void accumulate(const BoltzmannMachine& model, std::uint64_t /*update*/, DataTerm& data, Vector& grad) {
    check_spin(model.spin());
    const exact::PairwiseModel pm = exact::pairwise(model);
    if (scheme_ != Scheme::exact && p0_law_.size() == 0) {
      p0_law_ = exact::product_law(p0_prob_up_);
      persistent_ = p0_law_;
    }
    // Every rank computes the same law; only the team's first rank adds its moments.
    if (scheme_ == Scheme::exact) {
      last_ = exact::boltzmann_law(pm);
    } else {
      const exact::SweepKernel kernel(pm, dynamics_);
      switch (scheme_) {
        case Scheme::rdm: last_ = kernel.propagate(p0_law_, k_); break;
        case Scheme::cd:
          if (data.population()) throw std::invalid_argument("cd with exact moments needs data samples");
          if (data_law_.size() == 0) data_law_ = exact::empirical_law(data.data().x, spin_);
          last_ = kernel.propagate(data_law_, k_);
          break;
        case Scheme::pcd:
          persistent_ = kernel.propagate(persistent_, k_);
          last_ = persistent_;
          break;
        case Scheme::exact: break;
      }
    }
    moments_ = exact::law_moments(last_, pm.dim(), spin_);
    if (rank_ != 0) return;
    model.accumulate_grad_energy_moments(moments_.mean, moments_.second, -1.0, grad);
  }

 private:
  void check_spin(Spin model_spin) const {
    if (model_spin != spin_) throw std::invalid_argument("BinaryExactMoments: p0 and model disagree on the spin convention");
  }

  Scheme scheme_;
  Index k_;
  SiteDynamics dynamics_;
  Spin spin_;
  int rank_;
  Vector p0_prob_up_;
  Vector p0_mean_;
  Vector persistent_mean_;
  Vector p0_law_;
  Vector data_law_;
  Vector persistent_;
  Vector last_;
  exact::SpinMoments moments_;
};

}  // namespace shortrun

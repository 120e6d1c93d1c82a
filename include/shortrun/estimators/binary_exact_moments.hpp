#pragma once
/// Negative phase of a small pairwise binary model (BoltzmannMachine, IndependentSpins; N <= 12)
/// with exact moments instead of chains (`train.moments = exact`, or `train.scheme = exact`):
/// the law over all 2^N states is propagated through the sampler's exact sweep kernel
/// (theory/binary_transition.hpp), so training is deterministic and a converged rdm run meets
/// (G) of THEORY.md section 1 to rounding:
///   rdm:   moments of p_k, k sweeps from the product law p0
///   cd:    moments after k sweeps from the empirical law of the whole data set
///   pcd:   a persistent law, moved k sweeps per update (starts at p0)
///   exact: Boltzmann moments by enumeration (N <= 20): maximum likelihood
#include <cstdint>
#include <stdexcept>

#include "shortrun/estimators/data_term.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/single_site.hpp"
#include "shortrun/theory/binary_enumeration.hpp"
#include "shortrun/theory/binary_transition.hpp"

namespace shortrun {

class BinaryExactMoments {
 public:
  /// dynamics: the sampler (ignored by `exact`); p0: the start law of rdm and pcd.
  BinaryExactMoments(Scheme scheme, Index k, SiteDynamics dynamics, const BinaryP0& p0, int rank)
      : scheme_(scheme), k_(k), dynamics_(dynamics), spin_(p0.spin()), rank_(rank) {
    const Index n = p0.prob_up().size();
    if (scheme != Scheme::exact && n > exact::kMaxPropagatedUnits)
      throw std::invalid_argument("exact moments of p_k need N <= 12 units");
    if (scheme != Scheme::exact) p0_law_ = exact::product_law(p0.prob_up());
    persistent_ = p0_law_;
  }

  Index k() const { return k_; }
  /// The law whose moments entered the last gradient, (2^N).
  const Vector& last_law() const { return last_; }
  /// Its moments <s>, <s s^T>.
  const exact::SpinMoments& last_moments() const { return moments_; }

  template <class Model>
  void accumulate(const Model& model, std::uint64_t /*update*/, DataTerm& data, Vector& grad) {
    const exact::PairwiseModel pm = exact::pairwise(model);
    if (pm.spin != spin_) throw std::invalid_argument("BinaryExactMoments: p0 and model disagree on the spin convention");
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
  Scheme scheme_;
  Index k_;
  SiteDynamics dynamics_;
  Spin spin_;
  int rank_;
  Vector p0_law_;
  Vector data_law_;
  Vector persistent_;
  Vector last_;
  exact::SpinMoments moments_;
};

}  // namespace shortrun

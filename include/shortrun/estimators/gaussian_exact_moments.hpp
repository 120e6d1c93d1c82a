#pragma once
/// Negative phase of the Gaussian model with exact moments instead of chains
/// (`train.moments = exact`, or `train.scheme = exact`): deterministic training whose fixed points
/// are the closed forms of docs/theory.md section 2.
///   rdm:   moments of p_k, k ULA steps from p0 = N(0, sigma0^2 I)
///   cd:    moments after k ULA steps from the data law N(mu_D, C)
///   pcd:   a persistent Gaussian law, moved k ULA steps per update (starts at p0)
///   exact: Boltzmann moments at temperature T (J^-1 h, T J^-1): maximum likelihood
#include <cstdint>
#include <stdexcept>

#include "shortrun/core/state.hpp"
#include "shortrun/estimators/data_term.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/models/gaussian_energy.hpp"
#include "shortrun/theory/gaussian_theory.hpp"

namespace shortrun {

class GaussianExactMoments {
 public:
  GaussianExactMoments(Scheme scheme, Index k, Index dim, double p0_sigma,
                       gaussian_theory::Ula ula, int rank)
      : scheme_(scheme), k_(k), ula_(ula), rank_(rank) {
    p0_.mean = Vector::Zero(dim);
    p0_.cov = p0_sigma * p0_sigma * Matrix::Identity(dim, dim);
    persistent_ = p0_;
  }

  Index k() const { return k_; }

  void accumulate(const GaussianEnergy& model, std::uint64_t /*update*/, DataTerm& data, Vector& grad) {
    namespace gt = gaussian_theory;
    // Every rank computes the same moments; only the team's first rank adds them to the sum.
    gt::Moments m;
    const Matrix J = model.J();
    const Vector h = model.h();
    switch (scheme_) {
      case Scheme::rdm: m = gt::propagate(J, h, p0_, static_cast<double>(k_), ula_); break;
      case Scheme::cd:
        m = gt::propagate(J, h, {data.data().mean, data.data().cov}, static_cast<double>(k_), ula_);
        break;
      case Scheme::pcd:
        persistent_ = gt::propagate(J, h, persistent_, static_cast<double>(k_), ula_);
        m = persistent_;
        break;
      case Scheme::exact: m = gt::boltzmann(J, h, ula_); break;
    }
    if (rank_ != 0) return;
    const Matrix second = m.cov + m.mean * m.mean.transpose();
    model.accumulate_grad_energy_moments(m.mean, second, -1.0, grad);
  }

  /// The persistent law of pcd (p0 until the first update), for resume checkpoints: "mean" (N) and
  /// "cov" (N x N).
  State state() const {
    State s;
    s.add("mean", persistent_.mean);
    s.add("cov", persistent_.cov);
    return s;
  }
  void restore(const State& state) {
    const StateBlock* mean = state.find("mean");
    const StateBlock* cov = state.find("cov");
    if (mean == nullptr || cov == nullptr || mean->value.rows() != persistent_.mean.size()) return;
    persistent_ = {Vector(mean->value.col(0)), cov->value};
  }

 private:
  Scheme scheme_;
  Index k_;
  gaussian_theory::Ula ula_;
  int rank_;
  gaussian_theory::Moments p0_;
  gaussian_theory::Moments persistent_;
};

}  // namespace shortrun

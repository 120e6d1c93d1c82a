#pragma once
/// Negative phase of the BernoulliRbm with exact equilibrium moments (`train.scheme = exact`,
/// docs/theory.md section 1): grad -= <dF/dtheta>_model = -(<v h^T>, <v>, <h>), the Boltzmann
/// averages computed by enumerating the smaller layer (theory/binary_enumeration.hpp, so
/// min(Nv, Nh) <= exact::kMaxEnumerableUnits). No chains and no randomness: with the data term
/// this is the exact gradient of the mean log-likelihood, and training climbs towards maximum
/// likelihood. The moments are added by the team's first rank only (each rank would compute the
/// same ones), like BinaryExactMoments.
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "shortrun/estimators/data_term.hpp"
#include "shortrun/core/state.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/theory/binary_enumeration.hpp"

namespace shortrun {

class RbmExactMoments {
 public:
  /// Throws std::invalid_argument when neither layer can be enumerated.
  RbmExactMoments(Index n_visible, Index n_hidden, int rank) : rank_(rank) {
    if (std::min(n_visible, n_hidden) > exact::kMaxEnumerableUnits)
      throw std::invalid_argument("exact RBM moments need min(Nv, Nh) <= " + std::to_string(exact::kMaxEnumerableUnits) +
                                  ", got Nv = " + std::to_string(n_visible) + ", Nh = " + std::to_string(n_hidden));
  }

  void accumulate(const BernoulliRbm& model, std::uint64_t /*update*/, DataTerm& /*data*/, Vector& grad) {
    if (rank_ != 0) return;
    moments_ = exact::rbm_moments(model);
    model.accumulate_grad_energy_moments(moments_, -1.0, grad);
  }

  /// Nothing persists between updates.
  State state() const { return {}; }
  void restore(const State&) {}

  /// The equilibrium moments that entered the last gradient (empty on other ranks than the first).
  const RbmMoments& last_moments() const { return moments_; }

 private:
  int rank_;
  RbmMoments moments_;
};

}  // namespace shortrun

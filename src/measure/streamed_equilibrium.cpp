// measure.equilibrium = exact beyond exact::kMaxEnumerableUnits: the streamed enumeration
// (theory/binary_enumeration.hpp). Its own file, with the pairwise dispatch: in equilibrium.cpp a
// branch to it changes GCC 12's code for Eigen's AVX-512 exp there, which then trips a
// -Wuninitialized false positive inside Eigen (pexp_double).
#include <algorithm>
#include <string>

#include "shortrun/measure/equilibrium.hpp"

namespace shortrun {

EquilibriumResult streamed_exact_equilibrium(const exact::PairwiseModel& model, const DataReference& ref) {
  const exact::StreamedPairwise s = exact::streamed_pairwise(model);
  EquilibriumResult out;
  out.method = EquilibriumMethod::exact;
  out.log_z = s.log_z;
  out.stats = from_moments(s.moments.mean, s.moments.cov(), s.energy_mean, s.energy_std, ref);
  out.note = "streamed enumeration of 2^" + std::to_string(model.dim()) + " states";
  return out;
}

EquilibriumResult exact_equilibrium(const exact::PairwiseModel& model, const DataReference& ref) {
  return model.dim() > exact::kMaxEnumerableUnits ? streamed_exact_equilibrium(model, ref)
                                                   : enumerated_exact_equilibrium(model, ref);
}

EquilibriumResult streamed_exact_equilibrium(const BernoulliRbm& rbm, const DataReference& ref) {
  // Over the smaller layer, with the moments of the law-vector paths of exact_equilibrium.
  const exact::StreamedRbm s = exact::streamed_rbm(rbm, exact::RbmStreamed::with_second);
  const Vector& mean = s.moments.v_mean;
  EquilibriumResult out;
  out.method = EquilibriumMethod::exact;
  out.log_z = s.log_z;
  out.stats = from_moments(mean, s.v_second - mean * mean.transpose(), s.free_energy_mean, s.free_energy_std, ref,
                           s.moments.h_mean, s.moments.vh);
  out.note = "streamed enumeration of 2^" + std::to_string(std::min(rbm.n_visible(), rbm.n_hidden())) +
             (s.over_visible ? " visible states" : " hidden states; mean free energy not computed (NaN)");
  return out;
}

}  // namespace shortrun

// The checks of the bm and rbm families that need the data's size.
#include <algorithm>
#include <array>

#include "shortrun/core/error.hpp"
#include "shortrun/families/bm.hpp"
#include "shortrun/families/rbm.hpp"
#include "shortrun/theory/binary_enumeration.hpp"

namespace shortrun::families {

Dataset Bm::make_data(const RunConfig& c) {
  Dataset data = binary::make_data(c);
  if (c.exact_training()) {
    const bool equilibrium = c.scheme == Scheme::exact;
    const Index limit = equilibrium ? 20 : 12;
    if (data.dim() > limit)
      throw BadInput(std::string(equilibrium ? "train.scheme" : "train.moments") + ": exact " +
                     std::string(equilibrium ? "equilibrium" : "p_k") +
                     " moments of a bm need N <= " + std::to_string(limit) + ", got N = " + std::to_string(data.dim()));
  }
  return data;
}

void Rbm::validate(const RunConfig& c) {
  expect(c.n_hidden >= 1, "model.n_hidden", "an integer >= 1 for the rbm");
  if (c.units() != Spin::zero_one) throw BadInput("model.spin: expected 01 for the rbm (Bernoulli units)");
  binary::validate(c);
  expect_one_of("sampler.type", c.sampler(), std::array{SamplerType::block_gibbs});
  if (c.precision == Precision::float32 && c.scheme == Scheme::exact)
    throw BadInput("model.precision: float32 is for sampled chains; train.scheme = exact computes its exact moments "
                   "in float64");
}

Dataset Rbm::make_data(const RunConfig& c) {
  Dataset data = binary::make_data(c);
  if (c.scheme == Scheme::exact) {
    // Equilibrium moments by enumerating the smaller layer.
    if (std::min(data.dim(), c.n_hidden) > exact::kMaxEnumerableUnits)
      throw BadInput("train.scheme: exact equilibrium moments of an rbm need min(n_visible, n_hidden) <= " +
                     std::to_string(exact::kMaxEnumerableUnits) + " (enumeration of the smaller layer), got n_visible = " +
                     std::to_string(data.dim()) + ", n_hidden = " + std::to_string(c.n_hidden) +
                     "; use a sampled scheme (rdm, cd, pcd)");
    if (data.population)
      throw BadInput("data.n_samples: 0 (population moments) cannot train an rbm, whose data term needs samples; give a sample size");
  } else if (c.moments == MomentsMode::exact) {
    throw BadInput("train.moments: exact p_k moments are not available for the rbm; use train.moments = sampled, or "
                   "train.scheme = exact for exact equilibrium moments (min(n_visible, n_hidden) <= 20)");
  }
  return data;
}

}  // namespace shortrun::families

#pragma once
/// What the three binary families (Spins, Bm, Rbm) share: their data sets (spins, ising,
/// bars-stripes, idx, hdf5, fashion-mnist, in the model's unit convention), their keys' checks,
/// p0 over binary units, and the single-site samplers of spins and bm.
#include <array>
#include <string>

#include "shortrun/config/run_config.hpp"
#include "shortrun/data/dataset.hpp"
#include "shortrun/families/family.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/single_site.hpp"

namespace shortrun::families::binary {

/// Defaults: data.source spins, p0 uniform, the given sampler and unit convention.
void resolve_defaults(RunConfig& c, SamplerType sampler, Spin spin);

/// The keys every binary family checks (data source and its keys, p0, unit convention).
void validate(const RunConfig& c);

/// The data set of a binary model's config (data.source), in the model's unit convention, with
/// model.n_visible checked against it. BadInput naming the key or file.
Dataset make_data(const RunConfig& c);

/// p0 over binary units (init.type; data-mean uses the data's means).
BinaryP0 p0(const RunConfig& c, const Dataset& data);

/// measure.* keys a binary model cannot honour: exact p_t beyond `max_propagated` units (the
/// larger layer for the rbm), exact enumeration beyond `enumerable` units.
void check_measurement(const RunConfig& c, Index propagated_units, Index enumerated_units, bool theory);

/// The single-site samplers.
inline constexpr std::array kSiteSamplers{SamplerType::gibbs, SamplerType::gibbs_random, SamplerType::metropolis,
                                          SamplerType::metropolis_random};

/// The (rule, order) of a single-site sampler.
SiteDynamics site_dynamics(SamplerType s);

/// Calls f(sampler) with the single-site sampler `s` (one instantiation per kernel).
template <class F>
decltype(auto) with_site_sampler(SamplerType s, F&& f) {
  switch (s) {
    case SamplerType::gibbs: return f(Gibbs{});
    case SamplerType::gibbs_random: return f(GibbsRandom{});
    case SamplerType::metropolis: return f(Metropolis{});
    default: return f(MetropolisRandom{});  // validated: metropolis-random
  }
}

}  // namespace shortrun::families::binary

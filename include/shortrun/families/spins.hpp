#pragma once
/// The independent-spins family (model.type = spins): E = -sum_i h_i s_i, single-site samplers
/// from a product p0; sampled chains or exact moments; the closed-form fixed points h*(k) and h_ml
/// and m_i(t) under /theory (docs/theory.md section 3). The family contract: families/family.hpp.
#include <optional>
#include <string>
#include <vector>

#include "shortrun/estimators/binary_exact_moments.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/families/binary.hpp"
#include "shortrun/measure/checkpoint_measurement.hpp"
#include "shortrun/measure/exact_dynamics.hpp"
#include "shortrun/models/independent_spins.hpp"
#include "shortrun/theory/binary_enumeration.hpp"

namespace shortrun::families {

/// The estimator of the pairwise binary families (spins, bm): exact moments of p_k (N <= 12) or of
/// the equilibrium (N <= 20) where the config asks, else sampled chains.
template <class Sampler, class F>
decltype(auto) with_pairwise_estimator(const RunConfig& c, Index dim, const Sampler& sampler, const BinaryP0& p0,
                                       TeamPosition team, F&& f) {
  if (c.exact_training()) {
    BinaryExactMoments est(c.scheme, c.k, Sampler::dynamics(), p0, team.rank);
    return f(est);
  }
  SampledChains<Sampler, BinaryP0> est(c.scheme, c.k, c.chains, dim, p0, sampler, static_cast<std::uint64_t>(c.seed),
                                       team.rank, team.size);
  return f(est);
}

struct Spins {
  static constexpr ModelType kModel = ModelType::spins;
  static constexpr Index kExampleImages = 0;
  static constexpr bool kLearnsCorrelations = false;  ///< independent units: the error is in the means

  static void resolve_defaults(RunConfig& c) { binary::resolve_defaults(c, SamplerType::gibbs, Spin::pm1); }
  static void validate(const RunConfig& c);
  static Dataset make_data(const RunConfig& c);
  static void check_measurement(const RunConfig& c, Index dim) { binary::check_measurement(c, dim, dim, true); }

  template <class F>
  static decltype(auto) with_model(const RunConfig& c, const Dataset& data, F&& f) {
    return binary::with_site_sampler(c.sampler(), [&](auto sampler) -> decltype(auto) {
      IndependentSpins model(data.dim(), c.units());
      return f(model, sampler, binary::p0(c, data));
    });
  }

  template <class Sampler, class F>
  static decltype(auto) with_estimator(const RunConfig& c, const IndependentSpins& model, const Sampler& sampler,
                                       const BinaryP0& p0, TeamPosition team, F&& f) {
    return with_pairwise_estimator(c, model.dim(), sampler, p0, team, std::forward<F>(f));
  }

  static std::optional<TheoryTables> theory(const RunConfig& c, const Dataset& data, const Vector* params);
  static std::string summary(const RunConfig& c, const Dataset& data, const Vector& params, double* gap);
  static std::string theory_table(const RunConfig& c, const Dataset& data);

  template <class Sampler>
  static DynamicsResult exact_dynamics(const RunConfig&, const IndependentSpins& model, const Sampler&,
                                       const BinaryP0& p0, const std::vector<Index>& times, const DataReference& ref) {
    return binary_exact_dynamics(exact::pairwise(model), Sampler::dynamics(), p0, times, ref);
  }

  /// m_i(t) of these fields from p0 (the closed form), at the recorded times.
  template <class Sampler, class R>
  static void measure_extras(const RunConfig& c, const Dataset&, const IndependentSpins& model, const Sampler&,
                             const BinaryP0& p0, const DataReference&, const std::vector<Index>& times,
                             CheckpointMeasurement& out, R&) {
    add_mean_theory(c, model, Sampler::dynamics(), p0, times, out);
  }
  static void add_mean_theory(const RunConfig& c, const IndependentSpins& model, SiteDynamics dynamics,
                              const BinaryP0& p0, const std::vector<Index>& times, CheckpointMeasurement& out);
};

}  // namespace shortrun::families

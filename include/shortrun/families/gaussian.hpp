#pragma once
/// The Gaussian family (model.type = gaussian): E(x) = 1/2 x^T J x - h^T x, unadjusted Langevin
/// from p0 = N(0, sigma0^2 I) (or zeros), synthetic data of a given covariance spectrum in a random
/// basis; sampled chains or exact moments of p_k; closed-form fixed points J*(k), J_eq, J_ml and
/// v_alpha(t) under /theory (docs/theory.md section 2). The family contract: families/family.hpp.
#include <optional>
#include <string>
#include <vector>

#include "shortrun/config/run_config.hpp"
#include "shortrun/data/dataset.hpp"
#include "shortrun/estimators/gaussian_exact_moments.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/families/family.hpp"
#include "shortrun/measure/checkpoint_measurement.hpp"
#include "shortrun/measure/exact_dynamics.hpp"
#include "shortrun/models/gaussian_energy.hpp"
#include "shortrun/observables/chain_statistics.hpp"
#include "shortrun/samplers/langevin.hpp"
#include "shortrun/samplers/p0.hpp"
#include "shortrun/theory/gaussian_theory.hpp"

namespace shortrun::families {

struct Gaussian {
  static constexpr ModelType kModel = ModelType::gaussian;
  static constexpr Index kExampleImages = 0;
  static constexpr bool kLearnsCorrelations = true;

  static void resolve_defaults(RunConfig& c);
  static void validate(const RunConfig& c);
  static Dataset make_data(const RunConfig& c);
  static void check_measurement(const RunConfig& c, Index dim);

  static gaussian_theory::Ula ula(const RunConfig& c) { return {c.step, c.temperature}; }
  static P0 p0(const RunConfig& c) {
    return c.p0() == P0Type::zeros ? P0(P0::Kind::zeros, 0.0) : P0(P0::Kind::gaussian, c.init_sigma);
  }

  template <class F>
  static decltype(auto) with_model(const RunConfig& c, const Dataset& data, F&& f) {
    const Index n = data.dim();
    GaussianEnergy model(n);
    model.J() = c.init_coupling * Matrix::Identity(n, n);
    return f(model, Langevin(c.step, c.temperature), p0(c));
  }

  template <class F>
  static decltype(auto) with_estimator(const RunConfig& c, const GaussianEnergy& model, const Langevin& sampler,
                                       const P0& start, TeamPosition team, F&& f) {
    if (c.exact_training()) {
      GaussianExactMoments est(c.scheme, c.k, model.dim(), c.p0_sigma(), ula(c), team.rank);
      return f(est);
    }
    SampledChains<Langevin> est(c.scheme, c.k, c.chains, model.dim(), start, sampler,
                                static_cast<std::uint64_t>(c.seed), team.rank, team.size);
    return f(est);
  }

  static std::optional<TheoryTables> theory(const RunConfig& c, const Dataset& data, const Vector* params);
  static std::string summary(const RunConfig& c, const Dataset& data, const Vector& params, double* gap);
  static std::string theory_table(const RunConfig& c, const Dataset& data);

  template <class Sampler>
  static DynamicsResult exact_dynamics(const RunConfig& c, const GaussianEnergy& model, const Sampler&,
                                       const P0& start, const std::vector<Index>& times, const DataReference& ref) {
    return gaussian_exact_dynamics(model, ula(c), start, times, ref);
  }

  /// The theory curves v_alpha(t) of these parameters, and the measured ones, in the data eigenbasis.
  template <class Sampler, class R>
  static void measure_extras(const RunConfig& c, const Dataset& data, const GaussianEnergy& model, const Sampler&,
                             const P0& start, const DataReference& ref, const std::vector<Index>& times,
                             CheckpointMeasurement& out, R&) {
    add_mode_variances(c, data, model, start, ref, times, out);
  }
  static void add_mode_variances(const RunConfig& c, const Dataset& data, const GaussianEnergy& model,
                                 const P0& start, const DataReference& ref, const std::vector<Index>& times,
                                 CheckpointMeasurement& out);
};

}  // namespace shortrun::families

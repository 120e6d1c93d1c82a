#pragma once
/// The fully visible Boltzmann machine family (model.type = bm): E = -sum_i h_i s_i -
/// sum_{i<j} J_ij s_i s_j, single-site samplers; sampled chains, or exact moments of p_k (N <= 12)
/// or of the equilibrium (N <= 20). No closed form: the measurement's equilibrium is exact
/// enumeration (N <= 20), parallel tempering or long runs; log Z beyond enumeration from forward and
/// reverse AIS and the PT bridge (families/log_z.hpp). The family contract: families/family.hpp.
#include <optional>
#include <string>
#include <vector>

#include "shortrun/families/log_z.hpp"
#include "shortrun/families/spins.hpp"
#include "shortrun/models/boltzmann_machine.hpp"

namespace shortrun::families {

struct Bm {
  static constexpr ModelType kModel = ModelType::bm;
  static constexpr Index kExampleImages = 0;
  static constexpr bool kLearnsCorrelations = true;

  static void resolve_defaults(RunConfig& c) { binary::resolve_defaults(c, SamplerType::gibbs, Spin::pm1); }
  static void validate(const RunConfig& c) {
    binary::validate(c);
    expect_one_of("sampler.type", c.sampler(), binary::kSiteSamplers);
    if (c.precision == Precision::float32 && c.exact_training())
      throw BadInput("model.precision: float32 is for sampled chains; exact moments (train.scheme = exact or "
                     "train.moments = exact) are computed in float64");
  }
  static Dataset make_data(const RunConfig& c);
  static void check_measurement(const RunConfig& c, Index dim) { binary::check_measurement(c, dim, dim, false); }

  template <class F>
  static decltype(auto) with_model(const RunConfig& c, const Dataset& data, F&& f) {
    return binary::with_site_sampler(c.sampler(), [&](auto sampler) -> decltype(auto) {
      BoltzmannMachine model(data.dim(), c.units());
      return f(model, sampler, binary::p0(c, data));
    });
  }

  template <class Sampler, class F>
  static decltype(auto) with_estimator(const RunConfig& c, const BoltzmannMachine& model, const Sampler& sampler,
                                       const BinaryP0& p0, TeamPosition team, F&& f) {
    // model.precision = float32: float chains on the machine's float working copy (BmParametersOf);
    // validate() keeps exact moments in float64.
    if (c.precision == Precision::float32) {
      SampledChains<Sampler, BinaryP0, float> est(c.scheme, c.k, c.chains, model.dim(), p0, sampler,
                                                  static_cast<std::uint64_t>(c.seed), team.rank, team.size);
      return f(est);
    }
    return with_pairwise_estimator(c, model.dim(), sampler, p0, team, std::forward<F>(f));
  }

  static std::optional<TheoryTables> theory(const RunConfig&, const Dataset&, const Vector*) { return std::nullopt; }
  static std::string summary(const RunConfig&, const Dataset&, const Vector&, double*) { return {}; }
  static std::string theory_table(const RunConfig&, const Dataset&) { return {}; }

  template <class Sampler>
  static DynamicsResult exact_dynamics(const RunConfig&, const BoltzmannMachine& model, const Sampler&,
                                       const BinaryP0& p0, const std::vector<Index>& times, const DataReference& ref) {
    return binary_exact_dynamics(exact::pairwise(model), Sampler::dynamics(), p0, times, ref);
  }

  /// log Z beyond enumeration: forward and reverse AIS from independent units with the data's
  /// means (J scaled by beta, the configured sampler) and the PT bridge (families/log_z.hpp).
  template <class Sampler, class R>
  static void measure_extras(const RunConfig& c, const Dataset& data, const BoltzmannMachine& model,
                             const Sampler& sampler, const BinaryP0&, const DataReference&, const std::vector<Index>&,
                             CheckpointMeasurement& out, R& team) {
    const Vector base = bm_ais_base_field(data.mean, model.spin());
    const Vector betas = ais_linear_schedule(c.ais_temperatures);
    const auto seed = static_cast<std::uint64_t>(c.seed);
    measure_log_z(
        c, bm_ais_base_log_partition(base, model.spin()),
        [&](Index first, Index count) { return bm_ais_log_weights(model, sampler, base, betas, first, count, seed); },
        [&](const Matrix& start, Index first, Index count) {
          return bm_reverse_ais_log_weights(model, sampler, base, betas, start, first, count, seed);
        },
        out, team);
  }
};

}  // namespace shortrun::families

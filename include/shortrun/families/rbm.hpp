#pragma once
/// The RBM family (model.type = rbm): Bernoulli visible and hidden units, E = -a^T v - b^T h -
/// v^T W h, block Gibbs; sampled chains, or exact equilibrium moments by enumerating the smaller
/// layer (train.scheme = exact, min(Nv, Nh) <= 20). Measurement: exact p_t (Nv, Nh <= 12), exact
/// equilibrium and log Z (smaller layer <= 20), or parallel tempering / long runs with log Z from
/// forward and reverse AIS and the PT bridge (families/log_z.hpp). The family contract:
/// families/family.hpp.
#include <optional>
#include <string>
#include <vector>

#include "shortrun/core/team_share.hpp"
#include "shortrun/estimators/rbm_exact_moments.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/families/binary.hpp"
#include "shortrun/families/log_z.hpp"
#include "shortrun/measure/checkpoint_measurement.hpp"
#include "shortrun/measure/exact_dynamics.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/samplers/block_gibbs.hpp"
#include "shortrun/theory/ais.hpp"

namespace shortrun::families {

struct Rbm {
  static constexpr ModelType kModel = ModelType::rbm;
  static constexpr Index kExampleImages = 0;
  static constexpr bool kLearnsCorrelations = true;

  static void resolve_defaults(RunConfig& c) { binary::resolve_defaults(c, SamplerType::block_gibbs, Spin::zero_one); }
  static void validate(const RunConfig& c);
  static Dataset make_data(const RunConfig& c);
  static void check_measurement(const RunConfig& c, Index dim) {
    binary::check_measurement(c, std::max<Index>(dim, c.n_hidden), std::min<Index>(dim, c.n_hidden), false);
  }

  template <class F>
  static decltype(auto) with_model(const RunConfig& c, const Dataset& data, F&& f) {
    BernoulliRbm model(data.dim(), c.n_hidden);
    return f(model, BlockGibbs{}, binary::p0(c, data));
  }

  template <class F>
  static decltype(auto) with_estimator(const RunConfig& c, const BernoulliRbm& model, const BlockGibbs& sampler,
                                       const BinaryP0& p0, TeamPosition team, F&& f) {
    if (c.scheme == Scheme::exact) {  // equilibrium moments by enumeration: nothing to resume
      RbmExactMoments est(model.n_visible(), model.n_hidden(), team.rank);
      return f(est);
    }
    const auto seed = static_cast<std::uint64_t>(c.seed);
    if (c.precision == Precision::float32) {
      SampledChains<BlockGibbs, BinaryP0, float> est(c.scheme, c.k, c.chains, model.dim(), p0, sampler, seed,
                                                     team.rank, team.size);
      return f(est);
    }
    SampledChains<BlockGibbs, BinaryP0> est(c.scheme, c.k, c.chains, model.dim(), p0, sampler, seed, team.rank,
                                            team.size);
    return f(est);
  }

  static std::optional<TheoryTables> theory(const RunConfig&, const Dataset&, const Vector*) { return std::nullopt; }
  static std::string summary(const RunConfig&, const Dataset&, const Vector&, double*) { return {}; }
  static std::string theory_table(const RunConfig&, const Dataset&) { return {}; }

  static DynamicsResult exact_dynamics(const RunConfig&, const BernoulliRbm& model, const BlockGibbs&,
                                       const BinaryP0& p0, const std::vector<Index>& times, const DataReference& ref) {
    return rbm_exact_dynamics(model, p0, times, ref);
  }

  /// log Z beyond enumeration: forward and reverse AIS (measure.ais_runs runs each, base = the
  /// data's visible means) and the PT bridge (families/log_z.hpp).
  template <class R>
  static void measure_extras(const RunConfig& c, const Dataset& data, const BernoulliRbm& model, const BlockGibbs&,
                             const BinaryP0&, const DataReference&, const std::vector<Index>&,
                             CheckpointMeasurement& out, R& team) {
    const Vector base = ais_base_bias(data.mean);
    const Vector betas = ais_linear_schedule(c.ais_temperatures);
    const auto seed = static_cast<std::uint64_t>(c.seed);
    measure_log_z(
        c, ais_base_log_partition(base, model.n_hidden()),
        [&](Index first, Index count) { return rbm_ais_log_weights(model, base, betas, first, count, seed); },
        [&](const Matrix& start, Index first, Index count) {
          return rbm_reverse_ais_log_weights(model, base, betas, start, first, count, seed);
        },
        out, team);
  }
};

}  // namespace shortrun::families

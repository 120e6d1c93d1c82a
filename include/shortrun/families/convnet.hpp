#pragma once
/// The ConvNet EBM family (model.type = convnet): E_theta(x) a small convolutional network with a
/// linear read-out (float32), on square images in [-1, 1], unadjusted Langevin from uniform noise
/// (or a Gaussian p0); rdm, cd or pcd with sampled chains; data images kept in the run file
/// (docs/theory.md section 4). No closed form. The family contract: families/family.hpp.
#include <optional>
#include <string>
#include <vector>

#include "shortrun/config/run_config.hpp"
#include "shortrun/data/images.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/families/family.hpp"
#include "shortrun/measure/checkpoint_measurement.hpp"
#include "shortrun/models/conv_net.hpp"
#include "shortrun/samplers/langevin.hpp"
#include "shortrun/samplers/p0.hpp"

namespace shortrun::families {

struct ConvNetFamily {
  static constexpr ModelType kModel = ModelType::convnet;
  /// The first data images are kept in the run file (/data/examples) to compare samples with.
  static constexpr Index kExampleImages = 64;
  static constexpr bool kLearnsCorrelations = true;

  static void resolve_defaults(RunConfig& c);
  static void validate(const RunConfig& c);
  /// Images of data.source (fashion-mnist, idx or blobs) with pixels mapped from [0, 1] to [-1, 1]
  /// (x -> 2 x - 1) and their moments; model.n_visible and model.channels checked against the image
  /// size. The images must be square (L x L; measurements and checkpoints infer L from N = L^2).
  static Dataset make_data(const RunConfig& c);
  static void check_measurement(const RunConfig& c, Index dim);

  /// The network of a config for square images of `dim` = L^2 pixels (BadInput naming
  /// model.channels when they are too small for the layers).
  static ConvNetShape shape(const RunConfig& c, Index dim);
  static P0 p0(const RunConfig& c) {
    return c.p0() == P0Type::gaussian ? P0(P0::Kind::gaussian, c.init_sigma) : P0(P0::Kind::uniform, 0.0);
  }

  /// Parameters start from ConvNet::init_params(run.seed).
  template <class F>
  static decltype(auto) with_model(const RunConfig& c, const Dataset& data, F&& f) {
    ConvNet<float> model(shape(c, data.dim()));
    model.init_params(static_cast<std::uint64_t>(c.seed));
    return f(model, Langevin(c.step, c.temperature), p0(c));
  }

  template <class F>
  static decltype(auto) with_estimator(const RunConfig& c, const ConvNet<float>& model, const Langevin& sampler,
                                       const P0& start, TeamPosition team, F&& f) {
    const auto seed = static_cast<std::uint64_t>(c.seed);
    if (c.precision == Precision::float32) {  // float chains: the network reads them without a conversion
      SampledChains<Langevin, P0, float> est(c.scheme, c.k, c.chains, model.dim(), start, sampler, seed, team.rank,
                                             team.size);
      return f(est);
    }
    SampledChains<Langevin> est(c.scheme, c.k, c.chains, model.dim(), start, sampler, seed, team.rank, team.size);
    return f(est);
  }

  static std::optional<TheoryTables> theory(const RunConfig&, const Dataset&, const Vector*) { return std::nullopt; }
  static std::string summary(const RunConfig&, const Dataset&, const Vector&, double*) { return {}; }
  static std::string theory_table(const RunConfig&, const Dataset&) { return {}; }

  /// Never called: check_measurement refuses measure.moments = exact for the convnet.
  static DynamicsResult exact_dynamics(const RunConfig&, const ConvNet<float>&, const Langevin&, const P0&,
                                       const std::vector<Index>&, const DataReference&);

  template <class R>
  static void measure_extras(const RunConfig&, const Dataset&, const ConvNet<float>&, const Langevin&, const P0&,
                             const DataReference&, const std::vector<Index>&, CheckpointMeasurement&, R&) {}
};

}  // namespace shortrun::families

#include "shortrun/families/binary.hpp"

#include <algorithm>
#include <cmath>

#include "shortrun/core/error.hpp"
#include "shortrun/data/bars_stripes.hpp"
#include "shortrun/data/images.hpp"
#include "shortrun/data/ising_data.hpp"
#include "shortrun/data/spins_data.hpp"
#include "shortrun/io/fashion_mnist.hpp"
#include "shortrun/io/hdf5_data.hpp"
#include "shortrun/io/idx.hpp"
#include "shortrun/theory/binary_enumeration.hpp"
#include "shortrun/theory/binary_transition.hpp"

namespace shortrun::families::binary {

void resolve_defaults(RunConfig& c, SamplerType sampler, Spin spin) {
  if (!c.data_source) c.data_source = DataSource::spins;
  if (!c.sampler_type) c.sampler_type = sampler;
  if (!c.init_type) c.init_type = P0Type::uniform;
  if (!c.spin) c.spin = spin;
}

void validate(const RunConfig& c) {
  const DataSource source = c.source();
  expect_one_of("data.source", source,
                std::array{DataSource::spins, DataSource::ising, DataSource::bars_stripes, DataSource::idx,
                           DataSource::hdf5, DataSource::fashion_mnist});
  if (source == DataSource::idx || source == DataSource::hdf5)
    expect(!c.data_path.empty(), "data.path", source == DataSource::idx ? "an IDX file" : "file.h5:/dataset");
  if (source == DataSource::idx || source == DataSource::fashion_mnist) {
    expect(c.binarize >= 0 && c.binarize < 1, "data.binarize", "a threshold in [0, 1): binary models need binary images");
    expect(c.downscale == 1 || c.downscale == 2 || c.downscale == 4, "data.downscale", "1, 2 or 4");
  }
  if (source == DataSource::ising) {
    expect(std::isfinite(c.beta), "data.beta", "a finite inverse temperature");
    expect(c.n_visible >= 2, "model.n_visible", "the number of spins of the ising teacher (>= 2)");
  }
  if (source == DataSource::bars_stripes)
    expect(c.n_visible >= 1, "model.n_visible", "L^2 pixels of the L x L bars-and-stripes images");
  expect_one_of("init.type", c.p0(), std::array{P0Type::uniform, P0Type::zeros, P0Type::data_mean});
  if (source == DataSource::spins) {
    expect(!c.magnetization.empty(), "data.magnetization", "one value or a list of magnetisations");
    const auto n = static_cast<std::int64_t>(c.magnetization.size());
    expect(n > 1 || c.n_visible > 0, "model.n_visible", "the number of units when data.magnetization is one value");
    expect(c.n_visible == 0 || n == 1 || n == c.n_visible, "model.n_visible",
           "the number of data.magnetization values (" + std::to_string(n) + ")");
    // In pm1 terms whatever model.spin says: unit i is up with probability (1 + m_i) / 2.
    for (double m : c.magnetization)
      expect(std::isfinite(m) && m > -1.0 && m < 1.0, "data.magnetization", "values in (-1, 1) (pm1 terms)");
  }
  if (c.data_noise > 0)
    throw BadInput(std::string("data.noise: only the convnet adds noise to its data; expected 0 for model.type = ") +
                   name_of(c.model()));
  if (c.moments == MomentsMode::sampled && c.scheme != Scheme::exact && c.n_samples == 0)
    throw BadInput("data.n_samples: 0 (population moments) needs train.moments = exact; give a sample size");
}

Dataset make_data(const RunConfig& c) {
  const Spin spin = c.units();
  Dataset data;
  const DataSource source = c.source();
  if (source == DataSource::spins) {
    const Index n = c.magnetization.size() == 1 ? c.n_visible : static_cast<Index>(c.magnetization.size());
    SpinsDataSpec spec;
    spec.magnetization = c.magnetization.size() == 1 ? Vector::Constant(n, c.magnetization[0])
                                                     : Eigen::Map<const Vector>(c.magnetization.data(), n).eval();
    spec.spin = spin;
    spec.n_samples = c.n_samples;
    spec.seed = static_cast<std::uint64_t>(c.data_seed);
    data = make_spins_data(spec);
  } else if (source == DataSource::ising) {
    IsingDataSpec spec;
    spec.graph = c.graph;
    spec.n_visible = c.n_visible;
    spec.beta = c.beta;
    spec.spin = spin;
    spec.n_samples = c.n_samples;
    spec.seed = static_cast<std::uint64_t>(c.data_seed);
    data = make_ising_data(spec).data;
  } else if (source == DataSource::bars_stripes) {
    BarsStripesSpec spec;
    spec.side = square_side(c.n_visible);
    spec.n_samples = c.n_samples;
    spec.spin = spin;
    spec.seed = static_cast<std::uint64_t>(c.data_seed);
    data = make_bars_stripes_data(spec);
  } else {
    // Image files: pixels in {0, 1} after binarize; pm1 models see 2x - 1.
    ImagePreprocess pre;
    pre.max_samples = c.n_samples;
    pre.downscale = c.downscale;
    if (c.binarize >= 0) pre.binarize = c.binarize;
    if (source == DataSource::idx) data = io::read_idx_images(c.data_path, pre).data;
    else if (source == DataSource::fashion_mnist) data = io::load_fashion_mnist(pre).data;
    else data = io::read_hdf5_samples(c.data_path, c.n_samples);
    if (!((data.x.array() == 0.0) || (data.x.array() == 1.0)).all())
      throw BadInput("data.path: " + (c.data_path.empty() ? std::string(name_of(source)) : c.data_path) +
                     " holds values other than 0 and 1; binary models need binary data (data.binarize for images)");
    if (spin == Spin::pm1) {
      data.x = 2.0 * data.x.array() - 1.0;
      compute_moments(data);
    }
  }
  if (c.n_visible > 0 && c.n_visible != data.dim())
    throw BadInput("model.n_visible: expected " + std::to_string(data.dim()) + " (the data's dimension), got " +
                   std::to_string(c.n_visible));
  if (data.population && c.moments == MomentsMode::sampled && c.scheme != Scheme::exact)
    throw BadInput("data.n_samples: 0 (population moments) needs train.moments = exact; give a sample size");
  return data;
}

BinaryP0 p0(const RunConfig& c, const Dataset& data) {
  switch (c.p0()) {
    case P0Type::zeros: return BinaryP0::zeros(c.units(), data.dim());
    case P0Type::data_mean: return BinaryP0::data_mean(c.units(), data.mean);
    default: return BinaryP0::uniform(c.units(), data.dim());  // validated: uniform
  }
}

void check_measurement(const RunConfig& c, Index propagated_units, Index enumerated_units, bool theory) {
  const char* model = name_of(c.model());
  if (c.measurement_path() == MomentsMode::exact && propagated_units > exact::kMaxPropagatedUnits) {
    const std::string why = c.model() == ModelType::rbm ? "the exact law p_t of an rbm needs Nv <= 12 and Nh <= 12"
                                                        : "the exact law p_t of spins and bm needs N <= 12";
    throw BadInput("measure.moments: " + why + " (N = " + std::to_string(propagated_units) +
                   "); use measure.moments = sampled" +
                   (c.measure_moments == MeasureMoments::automatic ? " (auto follows train.moments = exact)" : ""));
  }
  if (c.equilibrium == EquilibriumMethod::theory && !theory)
    throw BadInput(std::string("measure.equilibrium: theory exists for gaussian and spins only, not ") + model +
                   "; use auto, exact, pt, long-run or none");
  if (c.equilibrium == EquilibriumMethod::exact && enumerated_units > exact::kMaxStreamedUnits)
    throw BadInput("measure.equilibrium: exact enumeration needs at most " +
                   std::to_string(exact::kMaxStreamedUnits) + " units" +
                   (c.model() == ModelType::rbm ? " in the smaller layer" : "") + ", got " +
                   std::to_string(enumerated_units) + "; use pt or long-run");
}

SiteDynamics site_dynamics(SamplerType s) {
  switch (s) {
    case SamplerType::gibbs_random: return {SiteRule::gibbs, SiteOrder::random};
    case SamplerType::metropolis: return {SiteRule::metropolis, SiteOrder::sequential};
    case SamplerType::metropolis_random: return {SiteRule::metropolis, SiteOrder::random};
    default: return {SiteRule::gibbs, SiteOrder::sequential};
  }
}

}  // namespace shortrun::families::binary

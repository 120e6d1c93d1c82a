#include "shortrun/app/binary_run.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "shortrun/core/error.hpp"
#include "shortrun/data/bars_stripes.hpp"
#include "shortrun/data/images.hpp"
#include "shortrun/data/ising_data.hpp"
#include "shortrun/data/spins_data.hpp"
#include "shortrun/io/fashion_mnist.hpp"
#include "shortrun/io/hdf5_data.hpp"
#include "shortrun/io/idx.hpp"
#include "shortrun/estimators/binary_exact_moments.hpp"
#include "shortrun/estimators/rbm_exact_moments.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/models/boltzmann_machine.hpp"
#include "shortrun/models/independent_spins.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/block_gibbs.hpp"
#include "shortrun/samplers/single_site.hpp"
#include "shortrun/theory/spin_theory.hpp"

namespace shortrun::cli {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Calls f(optimizer) with the configured optimizer.
template <class F>
auto with_optimizer(const RunConfig& c, F&& f) {
  if (c.optimizer == "adam") {
    Adam adam(c.lr, 0.9, 0.999, 1e-8, c.l2);
    return f(adam);
  }
  Sgd sgd(c.lr, c.momentum, c.l2);
  return f(sgd);
}

/// Trains `model` with chains from `sampler` (or exact moments where the config asks for them).
template <class Model, class Sampler>
TrainRecord train_model(Model& model, const Sampler& sampler, const RunConfig& config, const Dataset& data,
                        mpi::Communicator& team, const TrainHooks& hooks) {
  const Index n = model.dim();
  const auto seed = static_cast<std::uint64_t>(config.seed);
  const Spin spin = spin_from_name(config.spin);
  const BinaryP0 p0 = BinaryP0::from_name(config.init_type, spin, n, data.mean);
  DataTerm data_term(data, config.batch, seed, team.rank(), team.size());
  const Scheme scheme = scheme_from_name(config.scheme);
  return with_optimizer(config, [&](auto& optimizer) {
    if constexpr (std::is_same_v<Model, BernoulliRbm>) {
      if (scheme == Scheme::exact) {  // equilibrium moments by enumeration: nothing to resume
        RbmExactMoments est(model.n_visible(), model.n_hidden(), team.rank());
        return train_with_hooks(
            model, data_term, est, optimizer, team, config, hooks, [](RbmExactMoments&, io::ResumeState&) {},
            [](RbmExactMoments&, const io::ResumeState&) {});
      }
    } else {
      if (config.moments == "exact" || scheme == Scheme::exact) {
        BinaryExactMoments est(scheme, config.k, Sampler::dynamics(), p0, team.rank());
        return train_with_hooks(
            model, data_term, est, optimizer, team, config, hooks,
            [](BinaryExactMoments& e, io::ResumeState& s) { s.moments_mean = e.persistent(); },
            [](BinaryExactMoments& e, const io::ResumeState& s) { e.restore(s.moments_mean); });
      }
    }
    using Chains = SampledChains<Sampler, BinaryP0>;
    Chains est(scheme, config.k, config.chains, n, p0, sampler, seed, team.rank(), team.size());
    return train_with_hooks(model, data_term, est, optimizer, team, config, hooks,
                            chains_saver<Chains>(team, n, config.chains),
                            chains_restorer<Chains>(team, config.chains));
  });
}

}  // namespace

Dataset make_binary_data(const RunConfig& config) {
  const Spin spin = spin_from_name(config.spin);
  Dataset data;
  if (config.data_source == "spins") {
    const Index n = config.magnetization.size() == 1 ? config.n_visible
                                                     : static_cast<Index>(config.magnetization.size());
    SpinsDataSpec spec;
    spec.magnetization = config.magnetization.size() == 1
                             ? Vector::Constant(n, config.magnetization[0])
                             : Eigen::Map<const Vector>(config.magnetization.data(), n).eval();
    spec.spin = spin;
    spec.n_samples = config.n_samples;
    spec.seed = static_cast<std::uint64_t>(config.data_seed);
    data = make_spins_data(spec);
  } else if (config.data_source == "ising") {
    IsingDataSpec spec;
    spec.graph = ising_graph_from_name(config.graph);
    spec.n_visible = config.n_visible;
    spec.beta = config.beta;
    spec.spin = spin;
    spec.n_samples = config.n_samples;
    spec.seed = static_cast<std::uint64_t>(config.data_seed);
    data = make_ising_data(spec).data;
  } else if (config.data_source == "bars-stripes") {
    BarsStripesSpec spec;
    spec.side = square_side(config.n_visible);
    spec.n_samples = config.n_samples;
    spec.spin = spin;
    spec.seed = static_cast<std::uint64_t>(config.data_seed);
    data = make_bars_stripes_data(spec);
  } else {
    // Image files: pixels in {0, 1} after binarize; pm1 models see 2x - 1.
    ImagePreprocess pre;
    pre.max_samples = config.n_samples;
    pre.downscale = config.downscale;
    if (config.binarize >= 0) pre.binarize = config.binarize;
    if (config.data_source == "idx") data = io::read_idx_images(config.data_path, pre).data;
    else if (config.data_source == "fashion-mnist") data = io::load_fashion_mnist(pre).data;
    else data = io::read_hdf5_samples(config.data_path, config.n_samples);
    if (!((data.x.array() == 0.0) || (data.x.array() == 1.0)).all())
      throw BadInput("data.path: " + (config.data_path.empty() ? config.data_source : config.data_path) +
                     " holds values other than 0 and 1; binary models need binary data (data.binarize for images)");
    if (spin == Spin::pm1) {
      data.x = 2.0 * data.x.array() - 1.0;
      compute_moments(data);
    }
  }
  if (config.n_visible > 0 && config.n_visible != data.dim())
    throw BadInput("model.n_visible: expected " + std::to_string(data.dim()) + " (the data's dimension), got " +
                   std::to_string(config.n_visible));
  const bool exact = config.moments == "exact" || config.scheme == "exact";
  if (config.model_type == "rbm" && config.scheme == "exact") {
    // Equilibrium moments by enumerating the smaller layer.
    if (std::min(data.dim(), config.n_hidden) > exact::kMaxEnumerableUnits)
      throw BadInput("train.scheme: exact equilibrium moments of an rbm need min(n_visible, n_hidden) <= " +
                     std::to_string(exact::kMaxEnumerableUnits) + " (enumeration of the smaller layer), got n_visible = " +
                     std::to_string(data.dim()) + ", n_hidden = " + std::to_string(config.n_hidden) +
                     "; use a sampled scheme (rdm, cd, pcd)");
    if (data.population)
      throw BadInput("data.n_samples: 0 (population moments) cannot train an rbm, whose data term needs samples; give a sample size");
  } else if (config.model_type == "rbm" && exact) {
    throw BadInput("train.moments: exact p_k moments are not available for the rbm; use train.moments = sampled, or "
                   "train.scheme = exact for exact equilibrium moments (min(n_visible, n_hidden) <= 20)");
  }
  if (config.model_type == "bm" && exact) {
    const Index limit = config.scheme == "exact" ? 20 : 12;
    if (data.dim() > limit)
      throw BadInput("train.moments: exact " + std::string(config.scheme == "exact" ? "equilibrium" : "p_k") +
                     " moments of a bm need N <= " + std::to_string(limit) + ", got N = " + std::to_string(data.dim()));
  }
  if (data.population && config.moments == "sampled" && config.scheme != "exact")
    throw BadInput("data.n_samples: 0 (population moments) needs train.moments = exact; give a sample size");
  return data;
}

ModelOutcome train_binary(const RunConfig& config, const Dataset& data, mpi::Communicator& team,
                          const TrainHooks& hooks) {
  const Index n = data.dim();
  const Spin spin = spin_from_name(config.spin);
  if (config.model_type == "rbm") {
    BernoulliRbm model(n, config.n_hidden);
    TrainRecord record = train_model(model, BlockGibbs{}, config, data, team, hooks);
    return {std::move(record), model.layout(), model.params()};
  }
  return with_site_sampler(config.sampler_type, [&](auto sampler) -> ModelOutcome {
    if (config.model_type == "spins") {
      IndependentSpins model(n, spin);
      TrainRecord record = train_model(model, sampler, config, data, team, hooks);
      return {std::move(record), model.layout(), model.params()};
    }
    BoltzmannMachine model(n, spin);
    TrainRecord record = train_model(model, sampler, config, data, team, hooks);
    return {std::move(record), model.layout(), model.params()};
  });
}

namespace {

struct SpinsTheory {
  Vector h_ml, h_star;
  double m0 = 0;
};

SpinsTheory spins_theory(const RunConfig& config, const Dataset& data) {
  const Spin spin = spin_from_name(config.spin);
  const BinaryP0 p0 = BinaryP0::from_name(config.init_type, spin, data.dim(), data.mean);
  const Index n = data.dim();
  const SiteDynamics dynamics = site_dynamics_from_name(config.sampler_type);
  SpinsTheory th;
  th.h_ml.resize(n);
  th.h_star.resize(n);
  for (Index i = 0; i < n; ++i) {
    const double m0 = p0.mean()[i];
    th.h_ml[i] = spin_theory::h_ml(spin, data.mean[i]);
    // NaN where no fixed point exists (the run then reports divergence).
    th.h_star[i] = spin_theory::h_star(spin, dynamics, data.mean[i], m0, n, config.k);
  }
  return th;
}

const Vector& expected_fields(const RunConfig& config, const SpinsTheory& th) {
  return config.scheme == "rdm" ? th.h_star : th.h_ml;
}

}  // namespace

void write_spins_theory(h5::Group& parent, const RunConfig& config, const Dataset& data,
                        const Vector* trained_h) {
  const Spin spin = spin_from_name(config.spin);
  const SpinsTheory th = spins_theory(config, data);
  h5::Group g = parent.create_group("theory");
  g.attr("model", "spins");
  g.attr("k", config.k);
  g.attr("sampler", config.sampler_type);
  g.attr("spin", config.spin);
  g.attr("expected", config.scheme == "rdm" ? "h_star" : "h_ml");
  g.write("m_data", data.mean);
  g.write("h_ml", th.h_ml);
  g.write("h_star", th.h_star);
  const auto t = log_grid(config.effective_t_max(), config.t_points, true, {config.k});
  g.write("t", std::vector<std::int64_t>(t.begin(), t.end()));
  if (trained_h == nullptr) return;
  g.write("h_trained", *trained_h);
  const BinaryP0 p0 = BinaryP0::from_name(config.init_type, spin, data.dim(), data.mean);
  const SiteDynamics dynamics = site_dynamics_from_name(config.sampler_type);
  Matrix m(static_cast<Index>(t.size()), data.dim());
  for (Index r = 0; r < m.rows(); ++r)
    for (Index i = 0; i < m.cols(); ++i)
      m(r, i) = spin_theory::mean_at(spin, dynamics, (*trained_h)[i], p0.mean()[i], data.dim(),
                                     static_cast<double>(t[static_cast<std::size_t>(r)]));
  g.write("m_theory", m);
}

std::string spins_summary_table(const RunConfig& config, const Dataset& data, const Vector& h, double* max_gap) {
  const SpinsTheory th = spins_theory(config, data);
  const Vector& target = expected_fields(config, th);
  std::string out;
  char line[200];
  std::snprintf(line, sizeof line, "  %4s %10s %12s %12s %12s   (expected: %s)\n", "site", "m_data", "h_trained",
                ("h*(k=" + std::to_string(config.k) + ")").c_str(), "h_ml", config.scheme == "rdm" ? "h_star" : "h_ml");
  out += line;
  double gap = 0;
  for (Index i = 0; i < data.dim(); ++i) {
    if (std::isfinite(target[i])) gap = std::max(gap, std::abs(h[i] - target[i]));
    if (i < 8) {
      std::snprintf(line, sizeof line, "  %4lld %10.4g %12.6g %12.6g %12.6g\n", static_cast<long long>(i + 1),
                    data.mean[i], h[i], th.h_star[i], th.h_ml[i]);
      out += line;
    }
  }
  if (data.dim() > 8) out += "  ... (" + std::to_string(data.dim() - 8) + " more sites in /theory)\n";
  if (max_gap != nullptr) *max_gap = std::isfinite(target.maxCoeff()) || gap > 0 ? gap : kNaN;
  return out;
}

}  // namespace shortrun::cli

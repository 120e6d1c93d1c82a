#include "shortrun/app/measure_run.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "shortrun/app/binary_run.hpp"
#include "shortrun/app/convnet_run.hpp"
#include "shortrun/app/gaussian_run.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/core/log_grid.hpp"
#include "shortrun/measure/exact_dynamics.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/models/boltzmann_machine.hpp"
#include "shortrun/models/gaussian_energy.hpp"
#include "shortrun/models/independent_spins.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/block_gibbs.hpp"
#include "shortrun/samplers/langevin.hpp"
#include "shortrun/samplers/p0.hpp"
#include "shortrun/core/team_share.hpp"
#include "shortrun/theory/ais.hpp"
#include "shortrun/theory/binary_enumeration.hpp"
#include "shortrun/theory/binary_transition.hpp"
#include "shortrun/theory/spin_theory.hpp"

namespace shortrun::cli {

namespace gt = gaussian_theory;

Index image_side(const RunConfig& config, Index dim) {
  if (config.data_source != "idx" && config.data_source != "fashion-mnist" && config.data_source != "blobs") return 0;
  const auto side = static_cast<Index>(std::lround(std::sqrt(static_cast<double>(dim))));
  return side * side == dim ? side : 0;
}

namespace {

/// Image sample times: k/4, k, 4k (those within t_max) and t_max.
std::vector<Index> sample_times(const RunConfig& config, Index dim) {
  if (image_side(config, dim) == 0 || config.measure_samples == 0) return {};
  const Index t_max = config.effective_t_max(), k = config.k;
  std::vector<Index> t;
  for (Index v : {std::max<Index>(1, k / 4), k, 4 * k, t_max})
    if (v <= t_max && (t.empty() || v > t.back())) t.push_back(v);
  return t;
}

}  // namespace

std::vector<Index> measurement_times(const RunConfig& config, Index dim) {
  std::vector<Index> extra = sample_times(config, dim);
  extra.push_back(config.k);
  return log_grid(config.effective_t_max(), config.t_points, true, extra);
}

void check_measurement(const RunConfig& config, Index dim) {
  const std::string& m = config.model_type;
  if (config.measurement_path() == "exact") {
    const char* why = nullptr;
    if ((m == "spins" || m == "bm") && dim > exact::kMaxPropagatedUnits)
      why = "the exact law p_t of spins and bm needs N <= 12";
    if (m == "rbm" && (dim > exact::kMaxPropagatedUnits || config.n_hidden > exact::kMaxPropagatedUnits))
      why = "the exact law p_t of an rbm needs Nv <= 12 and Nh <= 12";
    if (why != nullptr)
      throw BadInput("measure.moments: " + std::string(why) + " (N = " + std::to_string(dim) +
                     "); use measure.moments = sampled" +
                     (config.measure_moments == "auto" ? " (auto follows train.moments = exact)" : ""));
  }
  if (m == "convnet" && config.measurement_path() == "exact")
    throw BadInput("measure.moments: the convnet has no exact law p_t; use measure.moments = sampled");
  const std::string& eq = config.equilibrium;
  if (eq == "theory" && m != "gaussian" && m != "spins")
    throw BadInput("measure.equilibrium: theory exists for gaussian and spins only, not " + m +
                   "; use auto, exact, long-run or none");
  if (eq == "exact") {
    if (m == "gaussian") throw BadInput("measure.equilibrium: exact enumeration is for binary models; use theory for gaussian");
    if (m == "convnet") throw BadInput("measure.equilibrium: exact enumeration is for binary models; use long-run or none for the convnet");
    const Index smaller = m == "rbm" ? std::min<Index>(dim, config.n_hidden) : dim;
    if (smaller > exact::kMaxEnumerableUnits)
      throw BadInput("measure.equilibrium: exact enumeration needs at most " +
                     std::to_string(exact::kMaxEnumerableUnits) + " units" +
                     (m == "rbm" ? " in the smaller layer" : "") + ", got " + std::to_string(smaller) +
                     "; use long-run");
  }
}

namespace {

/// Everything one checkpoint's measurement needs besides the model.
struct Plan {
  const RunConfig& config;
  const GaussianData& data;
  const DataReference& base;  ///< model-free reference (PCA done once)
  Matrix basis;               ///< gaussian: the data eigenbasis of /theory (U), else empty
  std::vector<Index> times;
  std::vector<Index> sample_times;
  mpi::Communicator& team;
};

template <class Model, class Sampler, class Start>
CheckpointMeasurement measure_one(const Plan& plan, const Model& model, const Sampler& sampler, const Start& p0,
                                  Index step) {
  const RunConfig& c = plan.config;
  const Dataset& data = plan.data.data;
  const DataReference ref = add_model_terms(model, data, plan.base);
  CheckpointMeasurement out;
  out.step = step;
  constexpr bool is_gaussian = std::is_same_v<Model, GaussianEnergy>;
  constexpr bool is_rbm = std::is_same_v<Model, BernoulliRbm>;
  constexpr bool is_convnet = std::is_same_v<Model, ConvNet<float>>;

  if (c.measurement_path() == "exact") {
    if constexpr (is_gaussian) out.dynamics = gaussian_exact_dynamics(model, ula_of(c), p0, plan.times, ref);
    else if constexpr (is_rbm) out.dynamics = rbm_exact_dynamics(model, p0, plan.times, ref);
    else if constexpr (is_convnet) throw std::logic_error("the convnet has no exact law p_t (check_measurement refuses it)");
    else out.dynamics = binary_exact_dynamics(exact::pairwise(model), Sampler::dynamics(), p0, plan.times, ref);
  } else {
    DynamicsSpec spec;
    spec.n_chains = c.measure_chains;
    spec.times = plan.times;
    spec.seed = static_cast<std::uint64_t>(c.seed);
    spec.measurement = static_cast<std::uint64_t>(step);
    spec.sample_times = plan.sample_times;
    spec.n_kept = plan.sample_times.empty() ? 0 : c.measure_samples;
    out.dynamics = measure_dynamics(model, sampler, p0, ref, spec, plan.team);
  }

  LongRunSpec eq;
  eq.n_chains = c.measure_chains;
  eq.burn_in = c.effective_equilibrium_sweeps();
  eq.window = c.effective_equilibrium_sweeps();
  eq.seed = static_cast<std::uint64_t>(c.seed);
  eq.measurement = static_cast<std::uint64_t>(step);
  eq.n_kept = plan.sample_times.empty() ? 0 : c.measure_samples;
  out.equilibrium = measure_equilibrium(c.equilibrium, model, sampler, p0, ref, eq, plan.team);

  if constexpr (is_rbm) {
    if (out.equilibrium.method != "exact" && c.ais_runs > 0) {
      // Runs split over the team by global run index (each rank fills its share; the sum assembles them).
      const Share share = share_of(c.ais_runs, plan.team.rank(), plan.team.size());
      Vector log_w = Vector::Zero(c.ais_runs);
      const Vector base = ais_base_bias(data.mean);
      if (share.count > 0)
        log_w.segment(share.begin, share.count) =
            rbm_ais_log_weights(model, base, ais_linear_schedule(c.ais_temperatures), share.begin, share.count,
                                static_cast<std::uint64_t>(c.seed));
      plan.team.sum_inplace({log_w.data(), static_cast<std::size_t>(log_w.size())});
      const AisResult ais = ais_estimate(log_w, ais_base_log_partition(base, model.n_hidden()));
      out.ais_log_z = ais.log_z;
      out.ais_log_z_se = ais.log_z_stderr;
    }
  }
  if constexpr (is_gaussian) {
    const DynamicsResult law = c.measurement_path() == "exact"
                                   ? out.dynamics
                                   : gaussian_exact_dynamics(model, ula_of(c), p0, plan.times, ref);
    out.theory_name = "mode_var_theory";
    out.theory_t = law.t;
    out.theory.resize(static_cast<Index>(law.t.size()), model.dim());
    for (Index i = 0; i < out.theory.rows(); ++i)
      out.theory.row(i) = mode_variances(law.stats[static_cast<std::size_t>(i)].cov, plan.basis).transpose();
    const auto& st = out.dynamics.stats;
    if (!st.empty() && st.front().cov_components == 0) {
      out.mode_var.resize(static_cast<Index>(st.size()), model.dim());
      for (Index i = 0; i < out.mode_var.rows(); ++i)
        out.mode_var.row(i) = mode_variances(st[static_cast<std::size_t>(i)].cov, plan.basis).transpose();
      if (out.equilibrium.exists && out.equilibrium.stats.cov_components == 0 && out.equilibrium.stats.cov.size() > 0)
        out.equilibrium_mode_var = mode_variances(out.equilibrium.stats.cov, plan.basis);
    }
  } else if constexpr (std::is_same_v<Model, IndependentSpins>) {
    const Spin spin = spin_from_name(c.spin);
    const Vector m0 = p0.mean();
    out.theory_name = "mean_theory";
    out.theory_t = plan.times;
    out.theory.resize(static_cast<Index>(plan.times.size()), model.dim());
    for (Index r = 0; r < out.theory.rows(); ++r)
      for (Index i = 0; i < model.dim(); ++i)
        out.theory(r, i) = spin_theory::mean_at(spin, Sampler::dynamics(), model.h()(i, 0), m0[i], model.dim(),
                                                static_cast<double>(plan.times[static_cast<std::size_t>(r)]));
  }
  out.components = ref.components;
  out.data_energy = ref.energy_mean;
  return out;
}

/// Calls f(model, sampler, p0) for the configuration's model with parameters `params`.
template <class F>
void with_measured_model(const RunConfig& c, const Dataset& data, const Vector& params, F&& f) {
  const Index n = data.dim();
  if (c.model_type == "gaussian") {
    GaussianEnergy model(n);
    model.params() = params;
    f(model, Langevin(c.step, c.temperature), P0::from_name(c.init_type, c.init_sigma));
    return;
  }
  if (c.model_type == "convnet") {
    ConvNet<float> model(convnet_shape(c, n));
    model.params() = params;
    f(model, Langevin(c.step, c.temperature), P0::from_name(c.init_type, c.init_sigma));
    return;
  }
  const Spin spin = spin_from_name(c.spin);
  const BinaryP0 p0 = BinaryP0::from_name(c.init_type, spin, n, data.mean);
  if (c.model_type == "rbm") {
    BernoulliRbm model(n, c.n_hidden);
    model.params() = params;
    f(model, BlockGibbs{}, p0);
    return;
  }
  with_site_sampler(c.sampler_type, [&](auto sampler) {
    if (c.model_type == "spins") {
      IndependentSpins model(n, spin);
      model.params() = params;
      f(model, sampler, p0);
    } else {
      BoltzmannMachine model(n, spin);
      model.params() = params;
      f(model, sampler, p0);
    }
  });
}

}  // namespace

Layout model_layout(const RunConfig& config, Index dim) {
  if (config.model_type == "gaussian") return GaussianEnergy(dim).layout();
  if (config.model_type == "convnet") return ConvNet<float>(convnet_shape(config, dim)).layout();
  if (config.model_type == "rbm") return BernoulliRbm(dim, config.n_hidden).layout();
  const Spin spin = spin_from_name(config.spin);
  if (config.model_type == "spins") return IndependentSpins(dim, spin).layout();
  return BoltzmannMachine(dim, spin).layout();
}

Vector read_checkpoint_params(const h5::File& file, Index step, const Layout& layout) {
  const std::string group = "checkpoints/" + std::to_string(step) + "/params";
  Vector params(layout.size());
  for (const Block& b : layout.blocks()) {
    const std::string name = group + "/" + b.name;
    if (!file.exists(name)) throw BadInput(file.file_path() + ": no /" + name + " (not a checkpoint of this model)");
    const auto shape = file.shape(name);
    const bool ok = b.cols == 1 ? shape.size() == 1 && static_cast<Index>(shape[0]) == b.rows
                                : shape.size() == 2 && static_cast<Index>(shape[0]) == b.rows &&
                                      static_cast<Index>(shape[1]) == b.cols;
    if (!ok)
      throw BadInput(file.file_path() + ": /" + name + " has the wrong shape for the configuration's model (" +
                     std::to_string(b.rows) + " x " + std::to_string(b.cols) + " expected)");
    if (b.cols == 1) view(params, b) = file.read_vector(name);
    else view(params, b) = file.read_matrix(name);
  }
  return params;
}

std::vector<CheckpointMeasurement> measure_checkpoints(const RunConfig& config, const GaussianData& data,
                                                       const std::vector<std::pair<Index, Vector>>& checkpoints,
                                                       mpi::Communicator& team, bool show_progress,
                                                       const std::string& label) {
  const Index n = data.data.dim();
  const DataReference base = make_reference(data.data);
  Plan plan{config, data, base, {}, measurement_times(config, n), sample_times(config, n), team};
  if (config.model_type == "gaussian") plan.basis = gaussian_basis(config, data);
  std::vector<CheckpointMeasurement> out;
  const bool talk = show_progress && team.rank() == 0;
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    const auto& [step, params] = checkpoints[i];
    const auto start = std::chrono::steady_clock::now();
    if (talk) {
      std::printf("measure %s: checkpoint %lld (%zu/%zu): %s dynamics to t = %lld, equilibrium %s ...\n",
                  label.c_str(), static_cast<long long>(step), i + 1, checkpoints.size(),
                  config.measurement_path() == "exact" ? "exact" : (std::to_string(config.measure_chains) + "-chain").c_str(),
                  static_cast<long long>(config.effective_t_max()), config.equilibrium.c_str());
      std::fflush(stdout);
    }
    with_measured_model(config, data.data, params, [&](const auto& model, const auto& sampler, const auto& p0) {
      out.push_back(measure_one(plan, model, sampler, p0, step));
    });
    out.back().seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (talk) {
      std::printf("measure %s: checkpoint %lld done in %.1f s\n", label.c_str(), static_cast<long long>(step),
                  out.back().seconds);
      std::fflush(stdout);
    }
  }
  return out;
}

namespace {


std::vector<std::int64_t> as_ints(const std::vector<Index>& v) { return {v.begin(), v.end()}; }

/// Rows of one per-time vector statistic as a [T, n] matrix.
template <class Get>
Matrix rows_of(const std::vector<ChainStatistics>& stats, Index n, Get&& get) {
  Matrix m(static_cast<Index>(stats.size()), n);
  for (Index i = 0; i < m.rows(); ++i) m.row(i) = get(stats[static_cast<std::size_t>(i)]).transpose();
  return m;
}

template <class Get>
std::vector<double> column_of(const std::vector<ChainStatistics>& stats, Get&& get) {
  std::vector<double> v;
  for (const auto& s : stats) v.push_back(get(s));
  return v;
}

/// Samples (N x S) of square images as a flat row-major [S, H, W] block appended to `flat`.
void append_images(std::vector<double>& flat, const Matrix& x) {
  for (Index s = 0; s < x.cols(); ++s)
    for (Index p = 0; p < x.rows(); ++p) flat.push_back(x(p, s));
}

void write_dynamics(h5::Group& g, const CheckpointMeasurement& m, Index side) {
  const DynamicsResult& d = m.dynamics;
  const auto& st = d.stats;
  g.attr("step", static_cast<std::int64_t>(m.step));
  g.attr("n_chains", static_cast<std::int64_t>(d.n_chains));
  g.attr("overflow", static_cast<std::int64_t>(d.overflow ? 1 : 0));
  g.attr("overflow_t", static_cast<std::int64_t>(d.overflow_t));
  g.attr("seconds", m.seconds);
  g.attr("data_energy", m.data_energy);
  g.write("t", as_ints(d.t));
  const Index n = st.empty() ? 0 : st.front().mean.size();
  g.write("mean", rows_of(st, n, [](const ChainStatistics& s) -> const Vector& { return s.mean; }));
  const Index c = st.empty() ? 0 : st.front().cov.rows();
  g.attr("cov_components", static_cast<std::int64_t>(st.empty() ? 0 : st.front().cov_components));
  std::vector<double> cov;
  for (const auto& s : st)
    for (Index i = 0; i < c; ++i)
      for (Index j = 0; j < c; ++j) cov.push_back(s.cov(i, j));
  g.write_array("cov", cov, {st.size(), static_cast<hsize_t>(c), static_cast<hsize_t>(c)});
  g.write("mean_err", column_of(st, [](const ChainStatistics& s) { return s.mean_err; }));
  g.write("corr_err", column_of(st, [](const ChainStatistics& s) { return s.corr_err; }));
  g.write("energy_mean", column_of(st, [](const ChainStatistics& s) { return s.energy_mean; }));
  g.write("energy_std", column_of(st, [](const ChainStatistics& s) { return s.energy_std; }));
  if (!st.empty() && st.front().h_mean.size() > 0) {
    g.write("h_mean", rows_of(st, st.front().h_mean.size(), [](const ChainStatistics& s) -> const Vector& { return s.h_mean; }));
    g.write("h_err", column_of(st, [](const ChainStatistics& s) { return s.h_err; }));
    g.write("vh_err", column_of(st, [](const ChainStatistics& s) { return s.vh_err; }));
  }
  if (m.mode_var.size() > 0) g.write("mode_var", m.mode_var);
  if (!m.theory_name.empty()) {
    g.write("theory_t", as_ints(m.theory_t));
    g.write(m.theory_name, m.theory);
  }
  if (side > 0 && !d.samples.empty()) {
    std::vector<double> flat;
    std::vector<Index> t;
    for (const auto& k : d.samples) {
      append_images(flat, k.x);
      t.push_back(k.t);
    }
    const auto s = static_cast<hsize_t>(d.samples.front().x.cols());
    g.write_array("samples", flat, {d.samples.size(), s, static_cast<hsize_t>(side), static_cast<hsize_t>(side)});
    g.write("sample_t", as_ints(t));
  }
}

void write_equilibrium(h5::Group& g, const CheckpointMeasurement& m, bool binary, Index side) {
  const EquilibriumResult& e = m.equilibrium;
  g.attr("step", static_cast<std::int64_t>(m.step));
  g.attr("method", e.method);
  g.attr("exists", static_cast<std::int64_t>(e.exists ? 1 : 0));
  g.attr("note", e.note);
  if (std::isfinite(m.ais_log_z)) {
    g.attr("log_z", m.ais_log_z);
    g.attr("log_z_se", m.ais_log_z_se);
    g.attr("log_z_method", "ais");
    if (std::isfinite(m.data_energy)) g.attr("loglik", -m.data_energy - m.ais_log_z);
  }
  if (!e.exists) return;
  const ChainStatistics& s = e.stats;
  g.write("mean", s.mean);
  g.write("cov", s.cov);
  g.attr("cov_components", static_cast<std::int64_t>(s.cov_components));
  g.attr("mean_err", s.mean_err);
  g.attr("corr_err", s.corr_err);
  g.attr("energy_mean", s.energy_mean);
  g.attr("energy_std", s.energy_std);
  if (s.h_mean.size() > 0) {
    g.write("h_mean", s.h_mean);
    g.attr("h_err", s.h_err);
    g.attr("vh_err", s.vh_err);
  }
  if (m.equilibrium_mode_var.size() > 0) g.write("mode_var", m.equilibrium_mode_var);
  if (std::isfinite(e.log_z)) {
    g.attr("log_z", e.log_z);
    g.attr("log_z_method", e.method);
    // Binary models (T = 1): mean log-likelihood of the data, -<E>_D - log Z.
    if (binary && std::isfinite(m.data_energy)) g.attr("loglik", -m.data_energy - e.log_z);
  }
  if (e.method == "long-run") {
    const ConvergenceCheck& c = e.check;
    g.attr("converged", static_cast<std::int64_t>(c.converged ? 1 : 0));
    g.attr("max_abs_z", c.max_abs_z);
    g.attr("z_threshold", c.z_threshold);
    g.attr("n_chains", static_cast<std::int64_t>(c.n_chains));
    g.attr("burn_in", static_cast<std::int64_t>(c.burn_in));
    g.attr("window", static_cast<std::int64_t>(c.window));
    g.write("mean_se", c.mean_se);
    g.attr("energy_se", c.energy_se);
    if (side > 0 && e.samples.size() > 0) {
      std::vector<double> flat;
      append_images(flat, e.samples);
      g.write_array("samples", flat, {static_cast<hsize_t>(e.samples.cols()), static_cast<hsize_t>(side),
                                      static_cast<hsize_t>(side)});
    }
  }
}

}  // namespace

void write_measurements(h5::Group& root, const RunConfig& config, Index dim,
                        const std::vector<CheckpointMeasurement>& measurements) {
  h5::Group dyn = root.create_group("dynamics");
  dyn.attr("path", config.measurement_path());
  dyn.attr("n_chains", static_cast<std::int64_t>(config.measurement_path() == "exact" ? 0 : config.measure_chains));
  dyn.attr("t_max", static_cast<std::int64_t>(config.effective_t_max()));
  dyn.attr("t_points", static_cast<std::int64_t>(config.t_points));
  dyn.attr("k", static_cast<std::int64_t>(config.k));
  dyn.attr("seed", static_cast<std::int64_t>(config.seed));
  dyn.attr("at", config.measure_at);
  dyn.attr("sampler", config.sampler_type);
  dyn.attr("p0", config.init_type);
  const Index side = image_side(config, dim);
  if (side > 0) {
    dyn.attr("image_height", static_cast<std::int64_t>(side));
    dyn.attr("image_width", static_cast<std::int64_t>(side));
  }
  h5::Group eq = root.create_group("equilibrium");
  eq.attr("requested", config.equilibrium);
  eq.attr("equilibrium_sweeps", static_cast<std::int64_t>(config.effective_equilibrium_sweeps()));
  for (const auto& m : measurements) {
    if (m.components.size() > 0 && !dyn.exists("components")) dyn.write("components", m.components);
    h5::Group d = dyn.create_group(std::to_string(m.step));
    write_dynamics(d, m, side);
    h5::Group e = eq.create_group(std::to_string(m.step));
    write_equilibrium(e, m, config.binary(), side);
  }
}

namespace {
std::string format_number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}
}  // namespace

namespace {

/// The headline numbers from one error curve err(t) and the equilibrium value.
MeasuredErrors summarize_errors(Index k, bool corr, const std::vector<Index>& t, const std::vector<double>& err,
                                double equilibrium) {
  MeasuredErrors e;
  e.corr = corr;
  e.equilibrium = equilibrium;
  for (std::size_t i = 0; i < err.size(); ++i) {
    if (t[i] == k) e.at_k = err[i];
    if (e.min_t < 0 || err[i] < e.min) {
      e.min = err[i];
      e.min_t = t[i];
    }
  }
  return e;
}

/// Independent spins have no correlations to learn: their error is in the means.
bool use_corr_err(const RunConfig& config, Index dim) { return dim > 1 && config.model_type != "spins"; }

}  // namespace

MeasuredErrors measured_errors(const RunConfig& config, const CheckpointMeasurement& m) {
  const auto& st = m.dynamics.stats;
  if (st.empty()) return {};
  const bool corr = use_corr_err(config, st.front().mean.size());
  std::vector<double> err;
  for (const auto& s : st) err.push_back(corr ? s.corr_err : s.mean_err);
  const double eq = !m.equilibrium.exists ? std::numeric_limits<double>::quiet_NaN()
                                          : corr ? m.equilibrium.stats.corr_err : m.equilibrium.stats.mean_err;
  return summarize_errors(config.k, corr, m.dynamics.t, err, eq);
}

MeasuredErrors stored_measured_errors(const h5::File& file, const RunConfig& config) {
  if (!file.exists("dynamics")) return {};
  Index last = -1;
  for (const auto& name : file.open_group("dynamics").children())
    if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) last = std::max<Index>(last, std::stoll(name));
  if (last < 0) return {};
  const std::string step = std::to_string(last);
  const h5::Group g = file.open_group("dynamics/" + step);
  const auto ints = g.read_ints("t");
  const std::vector<Index> t(ints.begin(), ints.end());
  if (t.empty()) return {};
  const bool corr = use_corr_err(config, g.read_matrix("mean").cols());
  const Vector err = g.read_vector(corr ? "corr_err" : "mean_err");
  double eq = std::numeric_limits<double>::quiet_NaN();
  if (file.exists("equilibrium/" + step)) {
    const h5::Group q = file.open_group("equilibrium/" + step);
    if (q.attr_int("exists") == 1) eq = q.attr_double(corr ? "corr_err" : "mean_err");
  }
  return summarize_errors(config.k, corr, t, std::vector<double>(err.data(), err.data() + err.size()), eq);
}

std::string measurement_summary(const RunConfig& config, const std::vector<CheckpointMeasurement>& measurements) {
  std::string out;
  char line[400];
  for (const auto& m : measurements) {
    if (m.dynamics.stats.empty()) continue;
    const MeasuredErrors e = measured_errors(config, m);
    std::snprintf(line, sizeof line,
                  "  measured (update %lld): %s at t = k = %lld: %.4g; min over t: %.4g at t = %lld; equilibrium (%s): %s%s\n",
                  static_cast<long long>(m.step), e.corr ? "corr_err" : "mean_err", static_cast<long long>(config.k),
                  e.at_k, e.min, static_cast<long long>(e.min_t), m.equilibrium.method.c_str(),
                  m.equilibrium.exists ? format_number(e.equilibrium).c_str() : "none",
                  m.dynamics.overflow ? (" [overflow at t <= " + std::to_string(m.dynamics.overflow_t) + "]").c_str() : "");
    out += line;
  }
  return out;
}

}  // namespace shortrun::cli

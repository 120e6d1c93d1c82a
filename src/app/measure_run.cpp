#include "shortrun/app/measure_run.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "shortrun/core/format.hpp"
#include "shortrun/core/log_grid.hpp"
#include "shortrun/core/random.hpp"
#include "shortrun/families/composition.hpp"
#include "shortrun/observables/chain_statistics.hpp"

namespace shortrun::cli {

Index image_side(const RunConfig& config, Index dim) {
  if (!config.image_data()) return 0;
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

namespace {

/// Everything one checkpoint's measurement needs besides the model.
struct Plan {
  const RunConfig& config;
  const Dataset& data;
  const DataReference& base;  ///< model-free reference (PCA done once)
  std::vector<Index> times;
  std::vector<Index> sample_times;
  mpi::Communicator& team;
  const std::vector<std::pair<Index, Vector>>& trajectory;  ///< ptt's ladder
};

/// Mean energy of the data with Gaussian noise of std data.noise added, as training with data.noise
/// sees them: one fixed draw per image (Stream(seed, data_noise, image, update 2^64 - 1), an update
/// index training never reaches), in blocks of images to bound memory.
template <class Model>
double noisy_data_energy(const RunConfig& c, const Dataset& data, const Model& model) {
  constexpr Index kBlock = 1024;
  const Index n = data.x.cols();
  double sum = 0;
  for (Index first = 0; first < n; first += kBlock) {
    Matrix x = data.x.middleCols(first, std::min(kBlock, n - first));
    for (Index j = 0; j < x.cols(); ++j) {
      Stream s(static_cast<std::uint64_t>(c.seed), Purpose::data_noise, static_cast<std::uint64_t>(first + j),
               std::numeric_limits<std::uint64_t>::max());
      for (Index i = 0; i < x.rows(); ++i) x(i, j) += c.data_noise * s.normal();
    }
    sum += model.energy(x).sum();
  }
  return n > 0 ? sum / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
}

/// The measurement of one checkpoint, the same for every family; the family adds its exact law p_t
/// and its extras (theory curves, AIS log Z). Scalar: the precision the chains step in (the run's
/// model.precision, measure_checkpoint below), along t and in the long-run and tempered references.
template <class Family, class Scalar, class Model, class Sampler, class Start>
CheckpointMeasurement measure_one(const Plan& plan, const Model& model, const Sampler& sampler, const Start& p0,
                                  Index step) {
  const RunConfig& c = plan.config;
  const DataReference ref = add_model_terms(model, plan.data, plan.base);
  CheckpointMeasurement out;
  out.step = step;
  if (c.measurement_path() == MomentsMode::exact) {
    out.dynamics = Family::exact_dynamics(c, model, sampler, p0, plan.times, ref);
  } else {
    DynamicsSpec spec;
    spec.n_chains = c.measure_chains;
    spec.times = plan.times;
    spec.seed = static_cast<std::uint64_t>(c.seed);
    spec.measurement = static_cast<std::uint64_t>(step);
    spec.sample_times = plan.sample_times;
    spec.n_kept = plan.sample_times.empty() ? 0 : c.measure_samples;
    out.dynamics = measure_dynamics<Scalar>(model, sampler, p0, ref, spec, plan.team);
  }

  LongRunSpec eq;
  eq.n_chains = c.measure_chains;
  eq.burn_in = c.effective_equilibrium_sweeps();
  eq.window = c.effective_equilibrium_sweeps();
  eq.seed = static_cast<std::uint64_t>(c.seed);
  eq.measurement = static_cast<std::uint64_t>(step);
  eq.n_kept = plan.sample_times.empty() ? 0 : c.measure_samples;
  eq.data_start = plan.data.population ? nullptr : &plan.data.x;  // the second chain set starts from data rows
  eq.pt.betas = c.pt_betas;
  eq.pt.replicas = c.pt_replicas;
  eq.pt.beta_min = c.pt_beta_min;
  eq.pt.max_replicas = std::max<Index>(32, c.pt_replicas);
  if (c.equilibrium == EquilibriumMethod::ptt) {
    std::vector<Index> steps;
    for (const auto& checkpoint : plan.trajectory) steps.push_back(checkpoint.first);
    for (const std::size_t i : trajectory_ladder(steps, step, c.pt_replicas - 1)) {
      eq.pt.trajectory.push_back(plan.trajectory[i].second);
      eq.pt.trajectory_steps.push_back(plan.trajectory[i].first);
    }
    eq.pt.step = step;
  }
  eq.n_final = c.ais_runs;  // reverse AIS starts (bm, rbm beyond enumeration)
  out.equilibrium = measure_equilibrium<Scalar>(c.equilibrium, model, sampler, p0, ref, eq, plan.team);
  Family::measure_extras(c, plan.data, model, sampler, p0, ref, plan.times, out, plan.team);
  out.components = ref.components;
  out.data_energy = ref.energy_mean;
  if (c.data_noise > 0 && !plan.data.population) out.data_energy_noisy = noisy_data_energy(c, plan.data, model);
  return out;
}

/// measure_one in the run's working precision: float32 where the run asks for it (validation
/// keeps it to the families with a float32 working copy), else float64.
template <class Family, class Model, class Sampler, class Start>
CheckpointMeasurement measure_checkpoint(const Plan& plan, const Model& model, const Sampler& sampler,
                                         const Start& p0, Index step) {
  if constexpr (HasWorkingPrecision<Model, float>)
    if (plan.config.precision == Precision::float32) return measure_one<Family, float>(plan, model, sampler, p0, step);
  return measure_one<Family, double>(plan, model, sampler, p0, step);
}

}  // namespace

std::vector<CheckpointMeasurement> measure_checkpoints(const RunConfig& config, const Dataset& data,
                                                       const std::vector<std::pair<Index, Vector>>& checkpoints,
                                                       const std::vector<std::pair<Index, Vector>>& trajectory,
                                                       mpi::Communicator& team, bool show_progress,
                                                       const std::string& label) {
  const Index n = data.dim();
  const DataReference base = make_reference(data);
  Plan plan{config, data, base, measurement_times(config, n), sample_times(config, n), team, trajectory};
  std::vector<CheckpointMeasurement> out;
  const bool talk = show_progress && team.rank() == 0;
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    const auto& [step, params] = checkpoints[i];
    const auto start = std::chrono::steady_clock::now();
    if (talk) {
      std::fprintf(stderr, "[measure %s] checkpoint %lld (%zu/%zu): %s dynamics to t = %lld, equilibrium %s ...\n",
                  label.c_str(), static_cast<long long>(step), i + 1, checkpoints.size(),
                  config.measurement_path() == MomentsMode::exact
                      ? "exact"
                      : (std::to_string(config.measure_chains) + "-chain " + name_of(config.precision)).c_str(),
                  static_cast<long long>(config.effective_t_max()), name_of(config.equilibrium));
      std::fflush(stderr);
    }
    families::with_model_types(config, data, &params,
                               [&](auto family, const auto& model, const auto& sampler, const auto& p0) {
                                 out.push_back(measure_checkpoint<decltype(family)>(plan, model, sampler, p0, step));
                               });
    out.back().seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (talk) {
      std::fprintf(stderr, "[measure %s] checkpoint %lld done in %.1f s\n", label.c_str(), static_cast<long long>(step),
                  out.back().seconds);
      std::fflush(stderr);
    }
  }
  return out;
}

namespace {

/// The headline numbers from one error curve err(t) and the equilibrium value.
/// se[i] is the standard error of err[i]; the minimum's is that of the error where it is reached.
MeasuredErrors summarize_errors(Index k, bool corr, const std::vector<Index>& t, const std::vector<double>& err,
                                const std::vector<double>& se, double equilibrium, double equilibrium_se) {
  MeasuredErrors e;
  e.corr = corr;
  e.equilibrium = equilibrium;
  e.equilibrium_se = std::isnan(equilibrium) ? std::numeric_limits<double>::quiet_NaN() : equilibrium_se;
  for (std::size_t i = 0; i < err.size(); ++i) {
    const double s = i < se.size() ? se[i] : std::numeric_limits<double>::quiet_NaN();
    if (t[i] == k) {
      e.at_k = err[i];
      e.at_k_se = s;
    }
    if (e.min_t < 0 || err[i] < e.min) {
      e.min = err[i];
      e.min_se = s;
      e.min_t = t[i];
    }
  }
  return e;
}

/// A reference that exists and, for long-run, passed its convergence checks: only such a reference
/// gives err_eq (a long run with converged = 0 is not "the" equilibrium: NaN, and the summary says why).
bool usable_equilibrium(const EquilibriumResult& e) {
  const bool sampled = is_sampled(e.method);
  return e.exists && (!sampled || e.check.converged);
}

/// The headline error: corr_err where the model learns correlations (families' kLearnsCorrelations),
/// mean_err otherwise (independent spins) and for a single unit.
bool use_corr_err(const RunConfig& config, Index dim) { return dim > 1 && families::learns_correlations(config); }

}  // namespace

MeasuredErrors measured_errors(const RunConfig& config, const CheckpointMeasurement& m) {
  const auto& st = m.dynamics.stats;
  if (st.empty()) return {};
  const bool corr = use_corr_err(config, st.front().mean.size());
  std::vector<double> err, se;
  for (const auto& s : st) {
    err.push_back(corr ? s.corr_err : s.mean_err);
    se.push_back(corr ? s.corr_err_se : s.mean_err_se);
  }
  const ChainStatistics& q = m.equilibrium.stats;
  const double eq = !usable_equilibrium(m.equilibrium) ? std::numeric_limits<double>::quiet_NaN()
                                                        : corr ? q.corr_err : q.mean_err;
  return summarize_errors(config.k, corr, m.dynamics.t, err, se, eq, corr ? q.corr_err_se : q.mean_err_se);
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
  // Files written before the standard errors: NaN.
  const char* se_name = corr ? "corr_err_se" : "mean_err_se";
  const Vector se = g.exists(se_name) ? g.read_vector(se_name) : Vector::Constant(err.size(), std::numeric_limits<double>::quiet_NaN());
  double eq = std::numeric_limits<double>::quiet_NaN(), eq_se = eq;
  if (file.exists("equilibrium/" + step)) {
    const h5::Group q = file.open_group("equilibrium/" + step);
    // converged = 0: an unconverged long-run reference (files before the attribute: always usable)
    const bool usable = q.attr_int("exists") == 1 && (!q.has_attr("converged") || q.attr_int("converged") == 1);
    if (usable) {
      eq = q.attr_double(corr ? "corr_err" : "mean_err");
      if (q.has_attr(se_name)) eq_se = q.attr_double(se_name);
    }
  }
  return summarize_errors(config.k, corr, t, std::vector<double>(err.data(), err.data() + err.size()),
                          std::vector<double>(se.data(), se.data() + se.size()), eq, eq_se);
}

std::string measurement_summary(const RunConfig& config, const std::vector<CheckpointMeasurement>& measurements) {
  std::string out;
  char line[600];
  for (const auto& m : measurements) {
    if (m.dynamics.stats.empty()) continue;
    const MeasuredErrors e = measured_errors(config, m);
    // An unconverged long run is no reference: its reason instead of a number (err_eq is NaN).
    const std::string eq_text = !m.equilibrium.exists ? "none"
                                : usable_equilibrium(m.equilibrium) ? format_with_se(e.equilibrium, e.equilibrium_se)
                                                                    : "NOT converged: " + m.equilibrium.check.reason;
    std::snprintf(line, sizeof line,
                  "  measured (update %lld): %s at t = k = %lld: %s; min over t: %s at t = %lld; equilibrium (%s): %s%s\n",
                  static_cast<long long>(m.step), e.corr ? "corr_err" : "mean_err", static_cast<long long>(config.k),
                  format_with_se(e.at_k, e.at_k_se).c_str(), format_with_se(e.min, e.min_se).c_str(), static_cast<long long>(e.min_t),
                  name_of(m.equilibrium.method),
                  eq_text.c_str(),
                  m.dynamics.overflow ? (" [overflow at t <= " + std::to_string(m.dynamics.overflow_t) + "]").c_str() : "");
    out += line;
    if (m.log_z.present()) out += "  log Z (update " + std::to_string(m.step) + "): " + describe(m.log_z) + "\n";
  }
  return out;
}

}  // namespace shortrun::cli

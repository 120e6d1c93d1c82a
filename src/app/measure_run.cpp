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
#include "measure_one.hpp"

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

std::vector<CheckpointMeasurement> measure_checkpoints(const RunConfig& config, const Dataset& data,
                                                       const std::vector<std::pair<Index, Vector>>& checkpoints,
                                                       const std::vector<std::pair<Index, Vector>>& trajectory,
                                                       mpi::Communicator& team, bool show_progress,
                                                       const std::string& label) {
  const Index n = data.dim();
  const DataReference base = make_reference(data);
  measure_detail::Plan plan{config, data, base, measurement_times(config, n), sample_times(config, n), team, trajectory};
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
    out.push_back(config.precision == Precision::float32 ? measure_detail::measure_checkpoint_float32(plan, params, step)
                                                         : measure_detail::measure_checkpoint_float64(plan, params, step));
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

// The run file's measurement groups, /dynamics/<step> and /equilibrium/<step> (docs/hdf5-schema.md).
#include <cmath>
#include <string>
#include <vector>

#include "shortrun/io/run_file.hpp"

namespace shortrun::io {
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
  if (std::isfinite(m.data_energy_noisy)) g.attr("data_energy_noisy", m.data_energy_noisy);
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
  // Standard errors (jackknife over chain groups; 0 on the exact path) and noise-corrected errors.
  g.attr("jackknife_groups", static_cast<std::int64_t>(d.n_chains > 0 ? kJackknifeGroups : 0));
  g.write("mean_err_se", column_of(st, [](const ChainStatistics& s) { return s.mean_err_se; }));
  g.write("corr_err_se", column_of(st, [](const ChainStatistics& s) { return s.corr_err_se; }));
  g.write("energy_mean_se", column_of(st, [](const ChainStatistics& s) { return s.energy_mean_se; }));
  g.write("energy_std_se", column_of(st, [](const ChainStatistics& s) { return s.energy_std_se; }));
  g.write("mean_err_corrected", column_of(st, [](const ChainStatistics& s) { return s.mean_err_corrected; }));
  g.write("corr_err_corrected", column_of(st, [](const ChainStatistics& s) { return s.corr_err_corrected; }));
  if (!st.empty() && st.front().h_mean.size() > 0) {
    g.write("h_mean", rows_of(st, st.front().h_mean.size(), [](const ChainStatistics& s) -> const Vector& { return s.h_mean; }));
    g.write("h_err", column_of(st, [](const ChainStatistics& s) { return s.h_err; }));
    g.write("vh_err", column_of(st, [](const ChainStatistics& s) { return s.vh_err; }));
    g.write("h_err_se", column_of(st, [](const ChainStatistics& s) { return s.h_err_se; }));
    g.write("vh_err_se", column_of(st, [](const ChainStatistics& s) { return s.vh_err_se; }));
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
  g.attr("method", name_of(e.method));
  g.attr("exists", static_cast<std::int64_t>(e.exists ? 1 : 0));
  g.attr("note", e.note);
  if (m.log_z.present()) {  // bm and rbm beyond enumeration: the estimate and its bracket
    const LogZReport& z = m.log_z;
    g.attr("log_z", z.log_z);
    g.attr("log_z_se", z.log_z_se);
    g.attr("log_z_method", z.method);
    g.attr("log_z_lower", z.lower);
    g.attr("log_z_lower_se", z.lower_se);
    g.attr("log_z_upper", z.upper);
    g.attr("log_z_upper_se", z.upper_se);
    g.attr("log_z_ess", z.ess);
    g.attr("log_z_upper_ess", z.upper_ess);
    g.attr("log_z_runs", static_cast<std::int64_t>(z.runs));
    g.attr("log_z_reliable", static_cast<std::int64_t>(z.reliable ? 1 : 0));
    g.attr("log_z_wide", static_cast<std::int64_t>(z.wide ? 1 : 0));
    g.attr("log_z_warning", z.warning);
    if (std::isfinite(m.data_energy)) {
      g.attr("loglik", -m.data_energy - z.log_z);
      g.attr("loglik_lower", -m.data_energy - z.upper);
      g.attr("loglik_upper", -m.data_energy - z.lower);
    }
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
  // Standard errors (long-run: jackknife over chain groups; theory and exact: 0) and corrected errors.
  g.attr("mean_err_se", s.mean_err_se);
  g.attr("corr_err_se", s.corr_err_se);
  g.attr("energy_mean_se", s.energy_mean_se);
  g.attr("energy_std_se", s.energy_std_se);
  g.attr("mean_err_corrected", s.mean_err_corrected);
  g.attr("corr_err_corrected", s.corr_err_corrected);
  if (s.h_mean.size() > 0) {
    g.write("h_mean", s.h_mean);
    g.attr("h_err", s.h_err);
    g.attr("vh_err", s.vh_err);
    g.attr("h_err_se", s.h_err_se);
    g.attr("vh_err_se", s.vh_err_se);
  }
  if (m.equilibrium_mode_var.size() > 0) g.write("mode_var", m.equilibrium_mode_var);
  if (std::isfinite(e.log_z)) {
    g.attr("log_z", e.log_z);
    g.attr("log_z_method", name_of(e.method));
    // Closed form or enumeration: no error, the bracket is the value itself.
    g.attr("log_z_se", 0.0);
    g.attr("log_z_lower", e.log_z);
    g.attr("log_z_upper", e.log_z);
    // Binary models (T = 1): mean log-likelihood of the data, -<E>_D - log Z.
    if (binary && std::isfinite(m.data_energy)) {
      g.attr("loglik", -m.data_energy - e.log_z);
      g.attr("loglik_lower", -m.data_energy - e.log_z);
      g.attr("loglik_upper", -m.data_energy - e.log_z);
    }
  }
  if (is_tempered(e.method)) {
    const TemperingResult& r = e.tempering;
    g.attr("n_replicas", static_cast<std::int64_t>(r.betas.size()));
    g.write("pt_betas", r.betas);
    if (!r.acceptance.empty()) g.write("pt_acceptance", r.acceptance);  // absent for R = 1
    g.attr("round_trips", static_cast<std::int64_t>(r.round_trips));
    g.attr("first_round_trip", static_cast<std::int64_t>(r.first_round_trip));
    g.attr("pt_inserted", static_cast<std::int64_t>(r.inserted));
    if (!r.steps.empty()) g.write("ptt_steps", std::vector<std::int64_t>(r.steps.begin(), r.steps.end()));
    if (r.bridge_draws > 0) {  // the bridge log Z along the ladder (its use: the log_z attributes)
      g.attr("pt_bridge_log_z", r.log_z);
      g.attr("pt_bridge_log_z_se", r.log_z_se);
      g.attr("pt_bridge_log_z_base", r.log_z_base);
      g.attr("pt_bridge_draws", static_cast<std::int64_t>(r.bridge_draws));
      g.write("pt_bridge_log_ratio", r.bridge_log_ratio);
    }
  }
  if (is_sampled(e.method)) {
    const ConvergenceCheck& c = e.check;
    g.attr("converged", static_cast<std::int64_t>(c.converged ? 1 : 0));
    g.attr("max_abs_z", c.max_abs_z);
    g.attr("z_threshold", c.z_threshold);
    g.attr("n_chains", static_cast<std::int64_t>(c.n_chains));
    g.attr("burn_in", static_cast<std::int64_t>(c.burn_in));
    g.attr("window", static_cast<std::int64_t>(c.window));
    g.write("mean_se", c.mean_se);
    g.attr("energy_se", c.energy_se);
    // R-hat / ESS diagnostics (docs/hdf5-schema.md): per-statistic datasets in the order of
    // diagnostic_names; attrs NaN when the window was too short for them.
    g.attr("rhat_max", c.rhat_max);
    g.attr("rhat_threshold", c.rhat_threshold);
    g.attr("ess_min", c.ess_min);
    g.attr("ess_threshold", c.ess_threshold);
    g.attr("iat_max", c.iat_max);
    g.attr("failing_statistic", c.failing_statistic);
    g.attr("reason", c.reason);
    g.attr("z_passed", static_cast<std::int64_t>(c.z_passed ? 1 : 0));
    g.attr("draw_every", static_cast<std::int64_t>(c.draw_every));
    g.attr("n_draws", static_cast<std::int64_t>(c.n_draws));
    g.attr("diagnostic_chains", static_cast<std::int64_t>(c.diagnostic_chains));
    g.attr("second_start", c.data_started ? "data" : "p0");
    std::vector<std::string> names;
    std::vector<double> rhat, ess, iat;
    for (const auto& d : c.statistics) {
      names.push_back(d.name);
      rhat.push_back(d.rhat);
      ess.push_back(d.ess);
      iat.push_back(d.iat);
    }
    if (!names.empty()) {
      g.write("diagnostic_names", names);
      g.write("rhat", rhat);
      g.write("ess", ess);
      g.write("iat", iat);
    }
    if (side > 0 && e.samples.size() > 0) {
      std::vector<double> flat;
      append_images(flat, e.samples);
      g.write_array("samples", flat, {static_cast<hsize_t>(e.samples.cols()), static_cast<hsize_t>(side),
                                      static_cast<hsize_t>(side)});
    }
  }
}

}  // namespace

void write_measurements(h5::Group& root, const RunConfig& config, Index side,
                        const std::vector<CheckpointMeasurement>& measurements) {
  h5::Group dyn = root.create_group("dynamics");
  const bool exact = config.measurement_path() == MomentsMode::exact;
  dyn.attr("path", name_of(config.measurement_path()));
  dyn.attr("n_chains", static_cast<std::int64_t>(exact ? 0 : config.measure_chains));
  dyn.attr("t_max", static_cast<std::int64_t>(config.effective_t_max()));
  dyn.attr("t_points", static_cast<std::int64_t>(config.t_points));
  dyn.attr("k", static_cast<std::int64_t>(config.k));
  dyn.attr("seed", static_cast<std::int64_t>(config.seed));
  dyn.attr("at", name_of(config.measure_at));
  dyn.attr("sampler", name_of(config.sampler()));
  dyn.attr("p0", name_of(config.p0()));
  // The chains' working precision (the run's model.precision; src/app/measure_one.hpp).
  dyn.attr("precision", exact ? "float64" : name_of(config.precision));
  if (side > 0) {
    dyn.attr("image_height", static_cast<std::int64_t>(side));
    dyn.attr("image_width", static_cast<std::int64_t>(side));
  }
  h5::Group eq = root.create_group("equilibrium");
  eq.attr("requested", name_of(config.equilibrium));
  eq.attr("equilibrium_sweeps", static_cast<std::int64_t>(config.effective_equilibrium_sweeps()));
  // The precision the chains of a long-run or tempered reference step in (theory and exact
  // references are float64 computations whatever it says).
  eq.attr("precision", name_of(config.precision));
  for (const auto& m : measurements) {
    if (m.components.size() > 0 && !dyn.exists("components")) dyn.write("components", m.components);
    h5::Group d = dyn.create_group(std::to_string(m.step));
    write_dynamics(d, m, side);
    h5::Group e = eq.create_group(std::to_string(m.step));
    write_equilibrium(e, m, config.binary(), side);
  }
}

}  // namespace shortrun::io

#include "shortrun/app/gaussian_run.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "shortrun/app/progress.hpp"
#include "shortrun/core/team_share.hpp"
#include "shortrun/core/log_grid.hpp"
#include "shortrun/estimators/gaussian_exact_moments.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/models/gaussian_energy.hpp"
#include "shortrun/optim/sgd.hpp"
#include "shortrun/samplers/langevin.hpp"
#include "shortrun/training/trainer.hpp"

namespace shortrun::cli {

namespace gt = gaussian_theory;

GaussianData make_gaussian_data(const RunConfig& config) {
  GaussianDataSpec spec;
  const Index n = config.spectrum.size() == 1 && config.n_visible > 0
                      ? config.n_visible
                      : static_cast<Index>(config.spectrum.size());
  spec.spectrum = config.spectrum.size() == 1
                      ? Vector::Constant(n, config.spectrum[0])
                      : Eigen::Map<const Vector>(config.spectrum.data(), n).eval();
  if (config.data_mean.empty()) spec.mean = Vector::Zero(n);
  else if (config.data_mean.size() == 1) spec.mean = Vector::Constant(n, config.data_mean[0]);
  else spec.mean = Eigen::Map<const Vector>(config.data_mean.data(), n);
  spec.n_samples = config.n_samples;
  spec.seed = static_cast<std::uint64_t>(config.data_seed);
  return shortrun::make_gaussian_data(spec);
}

gt::Ula ula_of(const RunConfig& config) { return {config.step, config.temperature}; }

const char* expected_fixed_point(const RunConfig& config) {
  if (config.scheme == "rdm") return "J_star";
  if (config.scheme == "exact") return "J_ml";
  return "J_eq";
}

void write_gaussian_theory(h5::Group& parent, const RunConfig& config, const GaussianData& data,
                           const Matrix* trained_J) {
  const gt::Ula ula = ula_of(config);
  const double sigma0 = config.init_type == "zeros" ? 0.0 : config.init_sigma;
  const gt::FixedPoints fp = gt::fixed_points(data.data, static_cast<double>(config.k), sigma0, ula);
  h5::Group g = parent.create_group("theory");
  g.attr("model", "gaussian");
  g.attr("k", config.k);
  g.attr("eta", config.step);
  g.attr("temperature", config.temperature);
  g.attr("sigma0", sigma0);
  g.attr("expected", expected_fixed_point(config));
  g.write("c", fp.c);
  g.write("basis", fp.basis);
  g.write("J_star", fp.j_star);
  g.write("J_eq", fp.j_eq);
  g.write("J_ml", fp.j_ml);
  g.write("h_star", fp.h_star);

  const auto t = log_grid(config.effective_t_max(), config.t_points, true, {config.k});
  const Index n = fp.c.size();
  const auto n_t = static_cast<Index>(t.size());
  Matrix v_theory(n_t, n);
  for (Index i = 0; i < n_t; ++i)
    for (Index a = 0; a < n; ++a)
      v_theory(i, a) = std::isfinite(fp.j_star[a])
                           ? gt::mode_variance(fp.j_star[a], static_cast<double>(t[static_cast<std::size_t>(i)]), sigma0, ula)
                           : std::numeric_limits<double>::quiet_NaN();
  g.write("t", std::vector<std::int64_t>(t.begin(), t.end()));
  g.write("v_theory", v_theory);

  if (trained_J != nullptr) {
    const Matrix j_eig = fp.basis.transpose() * (*trained_J) * fp.basis;
    g.write("J_trained", Vector(j_eig.diagonal()));
    Matrix off = j_eig;
    off.diagonal().setZero();
    g.attr("J_trained_offdiag_max", off.cwiseAbs().maxCoeff());
    const gt::Moments p0{Vector::Zero(n), sigma0 * sigma0 * Matrix::Identity(n, n)};
    Matrix v_trained(n_t, n);
    const Vector h0 = Vector::Zero(n);
    for (Index i = 0; i < n_t; ++i) {
      const gt::Moments m = gt::propagate(*trained_J, h0, p0, static_cast<double>(t[static_cast<std::size_t>(i)]), ula);
      v_trained.row(i) = (fp.basis.transpose() * m.cov * fp.basis).diagonal().transpose();
    }
    g.write("v_trained", v_trained);
  }
}

GaussianOutcome train_gaussian(const RunConfig& config, const GaussianData& data,
                               mpi::Communicator& team, const TrainHooks& hooks) {
  const Index n = data.data.dim();
  GaussianEnergy model(n);
  model.J() = config.init_coupling * Matrix::Identity(n, n);

  TrainPlan plan;
  plan.updates = config.updates;
  plan.checkpoint_steps = log_grid(config.updates, config.checkpoints, false);
  plan.log_every = config.log_every > 0 ? config.log_every : std::max<Index>(1, config.updates / 1000);

  GaussianOutcome out;
  out.layout = model.layout();
  double elapsed_before = 0;
  if (hooks.resume != nullptr) {
    model.params() = hooks.resume->params;
    plan.first_step = hooks.resume->step + 1;
    elapsed_before = hooks.resume->elapsed_s;
    out.log = hooks.resume->log;
    out.checkpoints = hooks.resume->checkpoints;
  }

  const auto seed = static_cast<std::uint64_t>(config.seed);
  DataTerm data_term(data.data, config.batch, seed, team.rank(), team.size());
  Sgd sgd(config.lr);
  const Scheme scheme = scheme_from_name(config.scheme);
  const double sigma0 = config.init_type == "zeros" ? 0.0 : config.init_sigma;
  Progress progress(hooks.show_progress, "train " + config.run_name);

  auto run_with = [&](auto& est, auto&& fill_state) {
    TrainObserver observer;
    observer.on_log = [&](TrainLogRow row) {
      row.wall_s += elapsed_before;
      out.log.push_back(row);
    };
    observer.on_checkpoint = [&](Index step, const Vector& params) { out.checkpoints.emplace_back(step, params); };
    observer.on_progress = [&](Index step, Index total) {
      progress.update(step, total);
      hooks.tick();
    };
    if (hooks.stop != nullptr) observer.requests = [&](Index) { return hooks.stop->requests(); };
    observer.on_save = [&](Index step) {
      io::ResumeState state;
      state.config_text = config.to_ini();
      state.step = step;
      state.elapsed_s = elapsed_before + progress.elapsed_s();
      state.params = model.params();
      state.log = out.log;
      state.checkpoints = out.checkpoints;
      fill_state(est, state);  // collective: gathers persistent chains over the team
      if (team.rank() == 0) hooks.save(state);
      if (hooks.stop != nullptr) hooks.stop->saved();
    };
    return train(model, data_term, est, sgd, team, plan, observer);
  };

  if (config.moments == "exact" || scheme == Scheme::exact) {
    GaussianExactMoments est(scheme, config.k, n, sigma0, ula_of(config), team.rank());
    if (hooks.resume != nullptr && hooks.resume->moments_mean.size() == n)
      est.restore({hooks.resume->moments_mean, hooks.resume->moments_cov});
    out.train = run_with(est, [](GaussianExactMoments& e, io::ResumeState& s) {
      s.moments_mean = e.persistent().mean;
      s.moments_cov = e.persistent().cov;
    });
  } else {
    SampledChains<Langevin> est(scheme, config.k, config.chains, n,
                                P0::from_name(config.init_type, config.init_sigma),
                                Langevin(config.step, config.temperature), seed, team.rank(),
                                team.size());
    const Share mine = share_of(config.chains, team.rank(), team.size());
    if (hooks.resume != nullptr && est.persistent() && hooks.resume->chains.cols() == config.chains)
      est.restore(hooks.resume->chains.middleCols(mine.begin, mine.count), hooks.resume->chains_started);
    out.train = run_with(est, [&](SampledChains<Langevin>& e, io::ResumeState& s) {
      if (!e.persistent()) return;
      // Every rank fills its own columns of a zero matrix; the sum is the team's chains, exactly.
      Matrix all = Matrix::Zero(n, config.chains);
      if (e.started()) all.middleCols(mine.begin, mine.count) = e.chains();
      team.sum_inplace({all.data(), static_cast<std::size_t>(all.size())});
      s.chains = std::move(all);
      s.chains_started = e.started();
    });
  }
  out.wall_s = elapsed_before + progress.elapsed_s();
  progress.finish(out.train.last_step, config.updates);
  out.J = model.J();
  out.h = model.h();
  return out;
}

std::string gaussian_summary_table(const RunConfig& config, const GaussianData& data, const Matrix& J,
                                   double* max_gap) {
  const double sigma0 = config.init_type == "zeros" ? 0.0 : config.init_sigma;
  const auto fp = gt::fixed_points(data.data, static_cast<double>(config.k), sigma0, ula_of(config));
  const Matrix j_eig = fp.basis.transpose() * J * fp.basis;
  const std::string expected = expected_fixed_point(config);
  const Vector& target = expected == "J_star" ? fp.j_star : expected == "J_eq" ? fp.j_eq : fp.j_ml;
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "  %4s %10s %12s %12s %12s %12s   (expected: %s)\n", "mode", "c_alpha",
                "J_trained", ("J*(k=" + std::to_string(config.k) + ")").c_str(), "J_eq", "J_ml",
                expected.c_str());
  out += line;
  double gap = 0;
  for (Index a = 0; a < fp.c.size(); ++a) {
    std::snprintf(line, sizeof line, "  %4lld %10.4g %12.6g %12.6g %12.6g %12.6g\n",
                  static_cast<long long>(a + 1), fp.c[a], j_eig(a, a), fp.j_star[a], fp.j_eq[a], fp.j_ml[a]);
    out += line;
    gap = std::max(gap, std::abs(j_eig(a, a) - target[a]));
  }
  if (max_gap != nullptr) *max_gap = gap;
  return out;
}

}  // namespace shortrun::cli

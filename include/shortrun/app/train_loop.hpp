#pragma once
/// The app's side of training, generic over model, estimator and optimizer: resume state in,
/// progress lines, save/stop requests, resume checkpoints out, and the log and scheduled
/// checkpoints kept for the run file. Model-specific code (gaussian_run, binary_run) builds the
/// model, data term, estimator and optimizer and calls train_with_hooks().
#include <algorithm>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "shortrun/app/progress.hpp"
#include "shortrun/app/stop_control.hpp"
#include "shortrun/core/config.hpp"
#include "shortrun/core/log_grid.hpp"
#include "shortrun/core/team_share.hpp"
#include "shortrun/estimators/data_term.hpp"
#include "shortrun/io/resume_file.hpp"
#include "shortrun/optim/adam.hpp"
#include "shortrun/optim/sgd.hpp"
#include "shortrun/parallel/mpi.hpp"
#include "shortrun/training/trainer.hpp"

namespace shortrun::cli {

struct TrainHooks {
  bool show_progress = false;
  StopControl* stop = nullptr;  ///< signals, wall time, periodic saves; null: never stop early
  std::function<void()> tick = [] {};
  /// State to continue from (every rank: step, elapsed, params, chains, moments, optimizer; the
  /// leader also needs log and checkpoints). Null: start at update 1.
  const io::ResumeState* resume = nullptr;
  /// Leader only: persist a resume checkpoint. Called after the team gathered the state.
  std::function<void(const io::ResumeState&)> save = [](const io::ResumeState&) {};
};

/// What training leaves for the run file.
struct TrainRecord {
  TrainOutcome train;
  double wall_s = 0;  ///< training wall time, resumed parts included
  std::vector<TrainLogRow> log;
  std::vector<std::pair<Index, Vector>> checkpoints;  ///< scheduled checkpoints (step, params)
};

/// A trained model as the run file needs it: the record, the parameter layout and final values.
struct ModelOutcome {
  TrainRecord record;
  Layout layout;
  Vector params;
  /// Block `name` of the final parameters.
  Matrix block(const std::string& name) const { return view(params, layout.block(name)); }
};

/// The optimizer's state as one flat vector (for resume checkpoints) and back.
inline Vector optimizer_state(Sgd& o) { return o.velocity(); }
inline void restore_optimizer(Sgd& o, const Vector& s) { o.velocity() = s; }
inline Vector optimizer_state(Adam& o) {
  Vector s(1 + o.first_moment().size() + o.second_moment().size());
  s << static_cast<double>(o.steps()), o.first_moment(), o.second_moment();
  return s;
}
inline void restore_optimizer(Adam& o, const Vector& s) {
  if (s.size() == 0) return;
  const Index n = (s.size() - 1) / 2;
  o.steps() = static_cast<std::int64_t>(s[0]);
  o.first_moment() = s.segment(1, n);
  o.second_moment() = s.segment(1 + n, n);
}

/// The training plan of a configuration: updates, log-spaced checkpoints, logging interval.
inline TrainPlan plan_of(const RunConfig& config) {
  TrainPlan plan;
  plan.updates = config.updates;
  plan.checkpoint_steps = log_grid(config.updates, config.checkpoints, false);
  plan.log_every = config.log_every > 0 ? config.log_every : std::max<Index>(1, config.updates / 1000);
  return plan;
}

/// Trains `model` (collective over `team`), continuing from hooks.resume when given.
/// `fill_state(estimator, state)` adds the estimator's persistent state to a resume checkpoint
/// (collective: it may gather chains over the team); `restore_state(estimator, state)` puts it back.
template <class Model, class Estimator, class Optimizer, class FillState, class RestoreState>
TrainRecord train_with_hooks(Model& model, DataTerm& data, Estimator& estimator, Optimizer& optimizer,
                             mpi::Communicator& team, const RunConfig& config, const TrainHooks& hooks,
                             FillState&& fill_state, RestoreState&& restore_state) {
  TrainPlan plan = plan_of(config);
  TrainRecord out;
  double elapsed_before = 0;
  if (hooks.resume != nullptr) {
    model.params() = hooks.resume->params;
    restore_optimizer(optimizer, hooks.resume->optimizer);
    restore_state(estimator, *hooks.resume);
    plan.first_step = hooks.resume->step + 1;
    elapsed_before = hooks.resume->elapsed_s;
    out.log = hooks.resume->log;
    out.checkpoints = hooks.resume->checkpoints;
  }
  Progress progress(hooks.show_progress, "train " + config.run_name);
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
    state.optimizer = optimizer_state(optimizer);
    state.log = out.log;
    state.checkpoints = out.checkpoints;
    fill_state(estimator, state);
    if (team.rank() == 0) hooks.save(state);
    if (hooks.stop != nullptr) hooks.stop->saved();
  };
  out.train = train(model, data, estimator, optimizer, team, plan, observer);
  out.wall_s = elapsed_before + progress.elapsed_s();
  progress.finish(out.train.last_step, config.updates);
  return out;
}

/// fill/restore for estimators with persistent chains split over the team (SampledChains).
/// Every rank fills its own columns of a zero matrix; the sum over the team is every chain, exactly.
template <class Chains>
auto chains_saver(mpi::Communicator& team, Index dim, Index n_chains) {
  return [&team, dim, n_chains](Chains& e, io::ResumeState& s) {
    if (!e.persistent()) return;
    const Share mine = share_of(n_chains, team.rank(), team.size());
    Matrix all = Matrix::Zero(dim, n_chains);
    if (e.started()) all.middleCols(mine.begin, mine.count) = e.chains();
    team.sum_inplace({all.data(), static_cast<std::size_t>(all.size())});
    s.chains = std::move(all);
    s.chains_started = e.started();
  };
}
template <class Chains>
auto chains_restorer(const mpi::Communicator& team, Index n_chains) {
  return [&team, n_chains](Chains& e, const io::ResumeState& s) {
    if (!e.persistent() || s.chains.cols() != n_chains) return;
    const Share mine = share_of(n_chains, team.rank(), team.size());
    e.restore(s.chains.middleCols(mine.begin, mine.count), s.chains_started);
  };
}

}  // namespace shortrun::cli

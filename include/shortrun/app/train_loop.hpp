#pragma once
/// The app's side of training, generic over model, estimator and optimizer: resume state in,
/// progress lines, save/stop requests, resume checkpoints out, and the log and the steps of the
/// scheduled checkpoints kept for the run file (their parameters are in the resume checkpoint).
/// The composition (families/composition.hpp) builds the model, estimator and optimizer;
/// execute_run() (app/run.hpp) calls train_with_hooks() with them.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "shortrun/app/progress.hpp"
#include "shortrun/app/stop_control.hpp"
#include "shortrun/config/run_config.hpp"
#include "shortrun/core/state.hpp"
#include "shortrun/core/log_grid.hpp"
#include "shortrun/core/progress_tick.hpp"
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
  /// State to continue from (every rank: step, elapsed, params, estimator and optimizer state; the
  /// leader also needs log and checkpoint steps). Training takes its parameters, optimizer state,
  /// log and checkpoint steps (moved, not copied). Null: start at update 1.
  io::ResumeState* resume = nullptr;
  /// Leader only: persist a resume checkpoint. Called after the team gathered the state, at every
  /// scheduled checkpoint (the state's params are then that checkpoint's) and whenever a save or
  /// stop was requested; it may fill in what only the app knows (`started`). The scheduled
  /// checkpoints live only in what it writes (io::write_resume_state): training keeps their steps.
  /// Its large items are lent by training: keep no reference or copy of them after returning.
  std::function<void(io::ResumeState&)> save = [](io::ResumeState&) {};
  /// Every rank: a row of the training log as soon as it is made (the leader appends it to the
  /// run's JSON-lines log, readable while the run goes on).
  std::function<void(const TrainLogRow&)> log = [](const TrainLogRow&) {};
};

/// What training leaves for the run file.
struct TrainRecord {
  TrainOutcome train;
  double wall_s = 0;  ///< training wall time, resumed parts included
  std::vector<TrainLogRow> log;
  /// Steps of the scheduled checkpoints, increasing; their parameters are in the resume checkpoint
  /// that hooks.save last wrote (io::read_resume_checkpoint), not in memory.
  std::vector<Index> checkpoint_steps;
};

/// A trained model as the run file needs it: the record, the parameter layout and final values.
struct ModelOutcome {
  TrainRecord record;
  Layout layout;
  Vector params;
  /// Block `name` of the final parameters.
  Matrix block(const std::string& name) const { return view(params, layout.block(name)); }
};

/// The training plan of a configuration: updates, log-spaced checkpoints, logging interval.
inline TrainPlan plan_of(const RunConfig& config) {
  TrainPlan plan;
  plan.updates = config.updates;
  plan.checkpoint_steps = log_grid(config.updates, config.checkpoints, false);
  plan.log_every = config.log_every > 0 ? config.log_every : std::max<Index>(1, config.updates / 1000);
  return plan;
}

/// A component's state gathered over the team (collective): split blocks become the team-wide
/// matrix, every rank filling its own columns of a zero matrix and the sum assembling them exactly.
State gather_state(State state, mpi::Communicator& team);
/// This rank's part of a team-wide state: its columns of every split block.
State local_state(const State& team_state, const State& mine);

/// Trains `model` (collective over `team`), continuing from hooks.resume when given. The estimator's
/// and the optimizer's state (their named blocks) go into resume checkpoints and come back from them.
template <class Model, class Scalar, class Estimator, class Optimizer>
TrainRecord train_with_hooks(Model& model, DataTermOf<Scalar>& data, Estimator& estimator, Optimizer& optimizer,
                             mpi::Communicator& team, const RunConfig& config, const TrainHooks& hooks) {
  TrainPlan plan = plan_of(config);
  TrainRecord out;
  double elapsed_before = 0;
  if (hooks.resume != nullptr) {
    model.params() = std::move(hooks.resume->params);
    optimizer.restore(std::move(hooks.resume->optimizer));
    estimator.restore(local_state(hooks.resume->estimator, estimator.state()));
    plan.first_step = hooks.resume->step + 1;
    elapsed_before = hooks.resume->elapsed_s;
    out.log = std::move(hooks.resume->log);
    out.checkpoint_steps = std::move(hooks.resume->checkpoint_steps);
  }
  Progress progress(hooks.show_progress, "train " + config.run_name);
  progress.resumed_at(plan.first_step - 1);
  TrainObserver observer;
  observer.on_log = [&](TrainLogRow row) {
    row.wall_s += elapsed_before;
    out.log.push_back(row);
    hooks.log(row);
  };
  // The trainer saves at every scheduled checkpoint, right after this: the save writes its parameters.
  observer.on_checkpoint = [&](Index step, const Vector&) { out.checkpoint_steps.push_back(step); };
  observer.on_progress = [&](Index step, Index total) {
    if (out.log.empty()) {
      progress.update(step, total);
    } else {
      char detail[96];
      std::snprintf(detail, sizeof detail, "grad_norm %.3g  param_norm %.4g", out.log.back().grad_norm,
                    out.log.back().param_norm);
      progress.update(step, total, detail);
    }
    progress_tick();  // the caller's hook, if it installed one (the sweep's monitor)
  };
  if (hooks.stop != nullptr) observer.requests = [&](Index) { return hooks.stop->requests(); };
  observer.on_save = [&](Index step) {
    io::ResumeState state;
    state.config_text = config.to_ini();
    state.step = step;
    state.elapsed_s = elapsed_before + progress.elapsed_s();
    state.estimator = gather_state(estimator.state(), team);
    // Lent, not copied: the parameters and the optimizer's moments are each of the model's size,
    // and copies at every save were the largest items of a big model's training memory. Nothing
    // updates them until they are given back, when the save returns or throws.
    state.params = std::move(model.params());
    state.optimizer = optimizer.lend_state();
    state.log = std::move(out.log);
    state.checkpoint_steps = std::move(out.checkpoint_steps);
    struct GiveBack {
      io::ResumeState& from;
      TrainRecord& to;
      Model& model;
      Optimizer& optimizer;
      ~GiveBack() {
        to.log = std::move(from.log);
        to.checkpoint_steps = std::move(from.checkpoint_steps);
        model.params() = std::move(from.params);
        optimizer.restore(std::move(from.optimizer));
      }
    } give_back{state, out, model, optimizer};
    if (team.rank() == 0) hooks.save(state);
    if (hooks.stop != nullptr) hooks.stop->saved();
  };
  out.train = train(model, data, estimator, optimizer, team, plan, observer);
  out.wall_s = elapsed_before + progress.elapsed_s();
  progress.finish(out.train.last_step, config.updates);
  return out;
}

}  // namespace shortrun::cli

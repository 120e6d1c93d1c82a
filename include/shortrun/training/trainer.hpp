#pragma once
/// The training loop, generic over model, estimator, optimizer and the team's Reducer. It never
/// sees MPI or HDF5: results leave through the Observer's callbacks.
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "shortrun/core/parameters.hpp"
#include "shortrun/core/reducer.hpp"
#include "shortrun/estimators/data_term.hpp"
#include "shortrun/training/run_status.hpp"

namespace shortrun {

/// A parameter norm above this means training has run away (a mode without a fixed point); so does
/// a gradient norm above it (the chains' statistics blew up, whatever the optimizer's step).
inline constexpr double kDivergedNorm = 1e12;

/// A divergence's reason: "<what> norm <norm> at update <step> (<before>1e+12<after>)".
inline std::string runaway_reason(const char* what, double norm, Index step, const char* before, const char* after) {
  char buf[192];
  std::snprintf(buf, sizeof buf, "%s norm %.3g at update %lld (%s%.0e%s)", what, norm, static_cast<long long>(step),
                before, kDivergedNorm, after);
  return buf;
}

/// Models whose parameters saturate (binary units: a field of 40 already freezes a unit) give a
/// bound on every parameter's magnitude; beyond it the run is reported as diverged, because
/// growth without a fixed point is only linear in the number of updates there.
template <class Model>
concept HasParamBound = requires(const Model m) {
  { m.param_bound() } -> std::convertible_to<double>;
};

struct TrainLogRow {
  Index step = 0;
  double wall_s = 0;
  double grad_norm = 0;
  double param_norm = 0;
};

struct TrainPlan {
  Index updates = 1;
  std::vector<Index> checkpoint_steps;  ///< increasing, the last equal to `updates`
  Index log_every = 1;
  Index first_step = 1;  ///< > 1 when resuming: updates 1 .. first_step-1 are already applied
};

struct TrainOutcome {
  RunStatus status = RunStatus::completed;  ///< completed, diverged or interrupted
  std::string reason;
  Index last_step = 0;  ///< last update applied with finite, bounded parameters
};

/// What a rank asks of its team after an update (bit flags, combined over the team).
enum TrainRequest : unsigned {
  kRequestNone = 0,
  kRequestSave = 1,  ///< write a resume checkpoint
  kRequestStop = 2,  ///< write a resume checkpoint and stop (signal, wall-time limit)
};

struct TrainObserver {
  std::function<void(const TrainLogRow&)> on_log = [](const TrainLogRow&) {};
  /// A scheduled checkpoint (train.checkpoints), on every rank.
  std::function<void(Index step, const Vector& params)> on_checkpoint = [](Index, const Vector&) {};
  std::function<void(Index step, Index updates)> on_progress = [](Index, Index) {};
  /// This rank's TrainRequest bits after update `step`. They travel with the gradient's
  /// all-reduce, so the whole team sees any rank's request at no extra communication.
  std::function<unsigned(Index step)> requests = [](Index) { return 0u; };
  /// Collective (every rank of the team): persist the state after update `step`. Called at every
  /// scheduled checkpoint and whenever a rank requested a save or a stop.
  std::function<void(Index step)> on_save = [](Index) {};
};

/// Scalar: the working precision of the data term and the estimator (model.precision); the
/// gradient, the parameters and the optimizer stay double.
template <class Model, class Scalar, class Estimator, class Optimizer, Reducer R>
TrainOutcome train(Model& model, DataTermOf<Scalar>& data, Estimator& estimator, Optimizer& optimizer,
                   R& team, const TrainPlan& plan, const TrainObserver& observer) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const Index n = model.params().size();
  // The gradient, then two request counters (save, stop) reduced in the same all-reduce. Models
  // write only the first n entries (their blocks' offsets).
  Vector grad(n + 2);
  std::size_t next_checkpoint = 0;
  while (next_checkpoint < plan.checkpoint_steps.size() &&
         plan.checkpoint_steps[next_checkpoint] < plan.first_step)
    ++next_checkpoint;
  TrainOutcome outcome;
  outcome.last_step = plan.first_step - 1;
  for (Index step = plan.first_step; step <= plan.updates; ++step) {
    const auto update = static_cast<std::uint64_t>(step);
    grad.setZero();
    data.accumulate(model, update, grad);
    estimator.accumulate(model, update, data, grad);
    const unsigned request = observer.requests(step);
    grad[n] = (request & kRequestSave) != 0 ? 1.0 : 0.0;
    grad[n + 1] = (request & kRequestStop) != 0 ? 1.0 : 0.0;
    team.sum_inplace(as_span(grad));
    const bool save_requested = grad[n] > 0, stop_requested = grad[n + 1] > 0;
    grad.tail(2).setZero();

    // The reduced gradient is identical on every rank, but the decision is still taken
    // collectively so that no rank can leave a collective behind.
    if (!team.all(grad.allFinite())) {
      outcome.status = RunStatus::diverged;
      outcome.reason = "non-finite gradient at update " + std::to_string(step);
      break;
    }
    // A runaway gradient is a divergence even when the optimizer's step stays bounded (Adam
    // normalises it, so the parameters alone would never reach kDivergedNorm).
    if (const double grad_norm = grad.head(n).norm(); !team.all(grad_norm < kDivergedNorm)) {
      outcome.status = RunStatus::diverged;
      outcome.reason = runaway_reason("gradient", grad_norm, step, "above ", ": the chains' statistics ran away");
      break;
    }
    optimizer.step(model.params(), grad.head(n));
    const double param_norm = model.params().norm();
    if (!team.all(std::isfinite(param_norm) && param_norm < kDivergedNorm)) {
      outcome.status = RunStatus::diverged;
      outcome.reason = runaway_reason("parameter", param_norm, step, "non-finite or above ", "");
      break;
    }
    if constexpr (HasParamBound<Model>) {
      const double largest = model.params().size() ? model.params().cwiseAbs().maxCoeff() : 0.0;
      if (!team.all(largest <= model.param_bound())) {
        outcome.status = RunStatus::diverged;
        outcome.reason = "a parameter reached magnitude " + std::to_string(largest) + " at update " +
                         std::to_string(step) + " (above " + std::to_string(model.param_bound()) +
                         ": the model saturates; no finite fixed point)";
        break;
      }
    }
    outcome.last_step = step;
    if (step % plan.log_every == 0 || step == plan.updates) {
      const double wall = std::chrono::duration<double>(clock::now() - t0).count();
      observer.on_log({step, wall, grad.norm(), param_norm});
    }
    bool save = save_requested || stop_requested;
    if (next_checkpoint < plan.checkpoint_steps.size() &&
        plan.checkpoint_steps[next_checkpoint] == step) {
      observer.on_checkpoint(step, model.params());
      ++next_checkpoint;
      save = true;
    }
    if (save) observer.on_save(step);
    observer.on_progress(step, plan.updates);
    if (stop_requested && step < plan.updates) {
      outcome.status = RunStatus::interrupted;
      outcome.reason = "stopped after update " + std::to_string(step) + " of " + std::to_string(plan.updates);
      break;
    }
  }
  return outcome;
}

}  // namespace shortrun

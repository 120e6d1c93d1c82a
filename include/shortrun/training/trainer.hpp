#pragma once
/// The training loop, generic over model, estimator, optimizer and the team's Reducer. It never
/// sees MPI or HDF5: results leave through the Observer's callbacks.
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "shortrun/core/parameters.hpp"
#include "shortrun/core/reducer.hpp"
#include "shortrun/estimators/data_term.hpp"

namespace shortrun {

/// A parameter norm above this means training has run away (a mode without a fixed point).
inline constexpr double kDivergedNorm = 1e12;

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
};

struct TrainOutcome {
  enum class Status { completed, diverged };
  Status status = Status::completed;
  std::string reason;
  Index last_step = 0;  ///< last update applied with finite, bounded parameters
};

struct TrainObserver {
  std::function<void(const TrainLogRow&)> on_log = [](const TrainLogRow&) {};
  std::function<void(Index step, const Vector& params)> on_checkpoint = [](Index, const Vector&) {};
  std::function<void(Index step, Index updates)> on_progress = [](Index, Index) {};
};

template <class Model, class Estimator, class Optimizer, Reducer R>
TrainOutcome train(Model& model, DataTerm& data, Estimator& estimator, Optimizer& optimizer,
                   R& team, const TrainPlan& plan, const TrainObserver& observer) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  Vector grad(model.params().size());
  std::size_t next_checkpoint = 0;
  TrainOutcome outcome;
  for (Index step = 1; step <= plan.updates; ++step) {
    const auto update = static_cast<std::uint64_t>(step);
    grad.setZero();
    data.accumulate(model, update, grad);
    estimator.accumulate(model, update, data, grad);
    team.sum_inplace(as_span(grad));

    // The reduced gradient is identical on every rank, but the decision is still taken
    // collectively so that no rank can leave a collective behind.
    if (!team.all(grad.allFinite())) {
      outcome.status = TrainOutcome::Status::diverged;
      outcome.reason = "non-finite gradient at update " + std::to_string(step);
      break;
    }
    optimizer.step(model.params(), grad);
    const double param_norm = model.params().norm();
    if (!team.all(std::isfinite(param_norm) && param_norm < kDivergedNorm)) {
      outcome.status = TrainOutcome::Status::diverged;
      outcome.reason = "parameter norm " + std::to_string(param_norm) + " at update " +
                       std::to_string(step) + " (non-finite or above 1e12)";
      break;
    }
    if constexpr (HasParamBound<Model>) {
      const double largest = model.params().size() ? model.params().cwiseAbs().maxCoeff() : 0.0;
      if (!team.all(largest <= model.param_bound())) {
        outcome.status = TrainOutcome::Status::diverged;
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
    if (next_checkpoint < plan.checkpoint_steps.size() &&
        plan.checkpoint_steps[next_checkpoint] == step) {
      observer.on_checkpoint(step, model.params());
      ++next_checkpoint;
    }
    observer.on_progress(step, plan.updates);
  }
  return outcome;
}

}  // namespace shortrun

#pragma once
/// Internal to the app (src/app/measure_run.cpp, measure_float64.cpp, measure_float32.cpp): one
/// checkpoint's measurement as a template over the family and the precision the chains step in.
/// The two precisions are instantiated in their own translation units, which a file-by-file build
/// compiles in parallel; a unity build (CI) compiles them in one unit with the rest of the app.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "shortrun/core/random.hpp"
#include "shortrun/families/composition.hpp"
#include "shortrun/measure/checkpoint_measurement.hpp"
#include "shortrun/observables/chain_statistics.hpp"
#include "shortrun/parallel/mpi.hpp"

namespace shortrun::cli::measure_detail {

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
/// model.precision: measure_float64.cpp, measure_float32.cpp), along t and in the long-run and tempered references.
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

/// One checkpoint (parameters `params`, update `step`) with chains in float64 (measure_float64.cpp)
/// or float32 (measure_float32.cpp: the families with a float32 working copy; validation refuses
/// model.precision = float32 for the others).
CheckpointMeasurement measure_checkpoint_float64(const Plan& plan, const Vector& params, Index step);
CheckpointMeasurement measure_checkpoint_float32(const Plan& plan, const Vector& params, Index step);

}  // namespace shortrun::cli::measure_detail

#pragma once
// Small helpers shared by the Gaussian training tests: population data with a given spectrum and
// mean, and a serial training run through the same Trainer the app uses.
#include <string>
#include <vector>

#include "shortrun/core/log_grid.hpp"
#include "shortrun/core/reducer.hpp"
#include "shortrun/data/gaussian_data.hpp"
#include "shortrun/estimators/data_term.hpp"
#include "shortrun/estimators/gaussian_exact_moments.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/models/gaussian_energy.hpp"
#include "shortrun/optim/sgd.hpp"
#include "shortrun/samplers/langevin.hpp"
#include "shortrun/training/trainer.hpp"

namespace shortrun::test {

inline GaussianData population_data(std::vector<double> spectrum, std::vector<double> mean,
                                    Index n_samples = 0, std::uint64_t seed = 3) {
  GaussianDataSpec spec;
  spec.spectrum = Eigen::Map<Vector>(spectrum.data(), static_cast<Index>(spectrum.size()));
  spec.mean = mean.empty() ? Vector::Zero(spec.spectrum.size())
                           : Vector(Eigen::Map<Vector>(mean.data(), static_cast<Index>(mean.size())));
  spec.n_samples = n_samples;
  spec.seed = seed;
  return make_gaussian_data(spec);
}

struct TrainSpec {
  Scheme scheme = Scheme::rdm;
  Index k = 10;
  double eta = 0.05;
  double temperature = 1.0;
  double sigma0 = 1.0;
  double lr = 0.05;
  Index updates = 1000;
  Index chains = 1000;
  Index batch = 0;
  std::uint64_t seed = 1;
};

/// Trains with exact moments of p_k (deterministic). Returns the model.
template <Reducer R = LocalReducer>
GaussianEnergy train_exact(const Dataset& data, const TrainSpec& s, R team = R{}) {
  GaussianEnergy model(data.dim());
  model.J() = Matrix::Identity(data.dim(), data.dim());
  DataTerm data_term(data, s.batch, s.seed, team.rank(), team.size());
  GaussianExactMoments est(s.scheme, s.k, data.dim(), s.sigma0, {s.eta, s.temperature}, team.rank());
  Sgd sgd(s.lr);
  TrainPlan plan{s.updates, {s.updates}, s.updates};
  train(model, data_term, est, sgd, team, plan, TrainObserver{});
  return model;
}

/// Trains with sampled chains; `observer.on_checkpoint` sees the parameters at `checkpoint_steps`
/// (default: the last update only).
template <Reducer R = LocalReducer>
GaussianEnergy train_sampled(const Dataset& data, const TrainSpec& s, R team = R{},
                             TrainObserver observer = TrainObserver{},
                             std::vector<Index> checkpoint_steps = {}) {
  GaussianEnergy model(data.dim());
  model.J() = Matrix::Identity(data.dim(), data.dim());
  DataTerm data_term(data, s.batch, s.seed, team.rank(), team.size());
  SampledChains<Langevin> est(s.scheme, s.k, s.chains, data.dim(), P0(P0::Kind::gaussian, s.sigma0),
                              Langevin(s.eta, s.temperature), s.seed, team.rank(), team.size());
  Sgd sgd(s.lr);
  if (checkpoint_steps.empty()) checkpoint_steps = {s.updates};
  TrainPlan plan{s.updates, checkpoint_steps, s.updates};
  train(model, data_term, est, sgd, team, plan, observer);
  return model;
}

}  // namespace shortrun::test

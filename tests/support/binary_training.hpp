#pragma once
// Deterministic training of small pairwise binary models with exact p_k moments, through the same
// Trainer the app uses.
#include "shortrun/core/reducer.hpp"
#include "shortrun/data/dataset.hpp"
#include "shortrun/estimators/binary_exact_moments.hpp"
#include "shortrun/estimators/data_term.hpp"
#include "shortrun/optim/sgd.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/training/trainer.hpp"

namespace shortrun::test {

/// Population data set with the given <s> and <s s^T> (no samples).
inline Dataset population_moments(const Vector& mean, const Matrix& second) {
  Dataset d;
  d.population = true;
  d.mean = mean;
  d.cov = second - mean * mean.transpose();
  return d;
}

struct BinaryTrainSpec {
  Scheme scheme = Scheme::rdm;
  Index k = 2;
  SiteDynamics dynamics{SiteRule::gibbs, SiteOrder::random};
  double lr = 0.5;
  Index updates = 2000;
};

/// Trains `model` in place (from its current parameters) with exact moments and uniform p0.
template <class Model>
TrainOutcome train_binary_exact(Model& model, const Dataset& data, const BinaryTrainSpec& s) {
  LocalReducer team;
  DataTerm data_term(data, 0, 1, 0, 1);
  BinaryExactMoments est(s.scheme, s.k, s.dynamics, BinaryP0::uniform(model.spin(), model.dim()), 0);
  Sgd sgd(s.lr);
  return train(model, data_term, est, sgd, team, TrainPlan{s.updates, {s.updates}, s.updates}, TrainObserver{});
}

}  // namespace shortrun::test

#pragma once
/// Model families: everything specific to one model.type lives in one type, families/<name>.hpp
/// (Gaussian, Spins, Bm, Rbm, ConvNetFamily), with static members only. The composition
/// (families/composition.hpp) is the only code that dispatches on model.type; train, sweep,
/// measure, theory and bench all go through it. A family provides:
///
///   static constexpr ModelType kModel;
///   static constexpr Index kExampleImages;         data images kept in /data/examples (0: none)
///   static constexpr bool kLearnsCorrelations;     the headline error is corr_err (else mean_err)
///   static void resolve_defaults(RunConfig&);      data source, sampler, p0, spin convention
///   static void validate(const RunConfig&);        its own keys (BadInput naming the key)
///   static Dataset make_data(const RunConfig&);    the data set, with the checks that need its size
///   static void check_measurement(const RunConfig&, Index dim);   measure.* keys it cannot honour
///   template <class F> static decltype(auto) with_model(const RunConfig&, const Dataset&, F&& f);
///       f(model, sampler, p0): the model with its initial parameters, the configured sampler and
///       p0 (one instantiation per sampler type)
///   template <class Model, class Sampler, class Start, class F>
///   static decltype(auto) with_estimator(const RunConfig&, const Model&, const Sampler&,
///                                        const Start&, TeamPosition, F&& f);
///       f(estimator): sampled chains, or the family's exact moments where the config asks
///   static std::optional<TheoryTables> theory(const RunConfig&, const Dataset&, const Vector* params);
///       the closed forms written under /theory (nullopt: none); params: the trained ones, if any
///   static std::string summary(const RunConfig&, const Dataset&, const Vector& params, double* gap);
///       the terminal table of a completed run against theory (empty: none), and the largest gap
///   static std::string theory_table(const RunConfig&, const Dataset&);   `shortrun theory` (empty: none)
///   template <class Model, class Sampler, class Start>
///   static DynamicsResult exact_dynamics(const RunConfig&, const Model&, const Sampler&,
///                                        const Start&, const std::vector<Index>& t, const DataReference&);
///       the exact law p_t (measure.moments = exact), where the family has one
///   template <class Model, class Sampler, class Start, Reducer R>
///   static void measure_extras(const RunConfig&, const Dataset&, const Model&, const Sampler&,
///                              const Start&, const DataReference&, const std::vector<Index>& t,
///                              CheckpointMeasurement&, R& team);
///       what a measurement adds for this family: theory curves, AIS log Z, ...
///
/// Adding a model: write its family and add one line to with_family() in composition.hpp.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shortrun/config/run_config.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/optim/adam.hpp"
#include "shortrun/optim/sgd.hpp"
#include "shortrun/theory/theory_tables.hpp"

namespace shortrun::families {

/// Where a rank sits in its team: chains and minibatch are split by (rank, size).
struct TeamPosition {
  int rank = 0;
  int size = 1;
};

/// Calls f(optimizer) with the configured optimizer (train.optimizer, lr, momentum, l2).
template <class F>
decltype(auto) with_optimizer(const RunConfig& c, F&& f) {
  if (c.optimizer == OptimizerType::adam) {
    Adam adam(c.lr, 0.9, 0.999, 1e-8, c.l2);
    return f(adam);
  }
  Sgd sgd(c.lr, c.momentum, c.l2);
  return f(sgd);
}

/// BadInput "key: expected what" unless ok.
inline void expect(bool ok, const std::string& key, const std::string& what) {
  if (!ok) throw BadInput(key + ": expected " + what);
}

/// BadInput unless model.precision is float64 (families without a float32 working copy yet).
inline void expect_float64(const RunConfig& c) {
  if (c.precision != Precision::float64)
    throw BadInput(std::string("model.precision: expected float64 for model.type = ") + name_of(c.model()) +
                   " (float32 training: rbm, bm, convnet), got '" + name_of(c.precision) + "'");
}

/// The model's parameters, checked against its layout size.
template <class Model>
void set_params(Model& model, const Vector& params) {
  if (params.size() != model.params().size())
    throw BadInput("parameters: expected " + std::to_string(model.params().size()) + " values for the model, got " +
                   std::to_string(params.size()));
  model.params() = params;
}

}  // namespace shortrun::families

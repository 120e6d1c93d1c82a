#pragma once
/// The single composition path: the one place that turns model.type into a family type, and builds
/// from a validated configuration the model, sampler, p0, estimator and optimizer of a run. train,
/// sweep, measure, theory and bench all go through it; hot loops below are templates over the
/// types it picks, with no virtual call per sample.
#include <string>
#include <utility>

#include "shortrun/config/run_config.hpp"
#include "shortrun/data/dataset.hpp"
#include "shortrun/families/bm.hpp"
#include "shortrun/families/convnet.hpp"
#include "shortrun/families/gaussian.hpp"
#include "shortrun/families/rbm.hpp"
#include "shortrun/families/spins.hpp"

namespace shortrun::families {

/// Calls f(Family{}) for model type `t`. Adding a model family = one line here.
template <class F>
decltype(auto) with_family(ModelType t, F&& f) {
  switch (t) {
    case ModelType::gaussian: return f(Gaussian{});
    case ModelType::spins: return f(Spins{});
    case ModelType::bm: return f(Bm{});
    case ModelType::rbm: return f(Rbm{});
    case ModelType::convnet: return f(ConvNetFamily{});
  }
  throw std::logic_error("unknown model type");
}

/// Fills the model-dependent defaults (data source, sampler, p0, unit convention); nothing without
/// a model.type.
void resolve_defaults(RunConfig& c);

/// Fills the model-dependent defaults, then checks every key (the shared ones, then the family's).
/// BadInput naming the first offending key.
void resolve_and_validate(RunConfig& c);

/// The data set of a validated configuration (the family's data, and the checks that need its
/// size, measurement keys included). BadInput naming the key or file.
Dataset make_data(const RunConfig& c);

/// Calls f(family, model, sampler, p0): the configured model with its initial parameters (or
/// `params`, when given), sampler and p0.
template <class F>
decltype(auto) with_model_types(const RunConfig& c, const Dataset& data, const Vector* params, F&& f) {
  return with_family(c.model(), [&](auto family) -> decltype(auto) {
    using Family = decltype(family);
    return Family::with_model(c, data, [&](auto& model, const auto& sampler, const auto& p0) -> decltype(auto) {
      if (params != nullptr) set_params(model, *params);
      return f(family, model, sampler, p0);
    });
  });
}

/// with_run_types below for one family known at compile time (c.model() must be that family's):
/// the same path without the switch over model types, so that code about one family (its tests)
/// instantiates f for that family's types only.
template <class Family, class F>
decltype(auto) with_family_run_types(const RunConfig& c, const Dataset& data, TeamPosition team, F&& f) {
  if (c.model() != Family::kModel) throw std::logic_error("with_family_run_types: model.type is another family");
  return Family::with_model(c, data, [&](auto& model, const auto& sampler, const auto& p0) -> decltype(auto) {
    return Family::with_estimator(c, model, sampler, p0, team, [&](auto& estimator) -> decltype(auto) {
      return with_optimizer(c, [&](auto& optimizer) -> decltype(auto) {
        return f(Family{}, model, sampler, p0, estimator, optimizer);
      });
    });
  });
}

/// Calls f(family, model, sampler, p0, estimator, optimizer): everything a training run needs.
template <class F>
decltype(auto) with_run_types(const RunConfig& c, const Dataset& data, TeamPosition team, F&& f) {
  return with_family(c.model(), [&](auto family) -> decltype(auto) {
    return with_family_run_types<decltype(family)>(c, data, team, f);
  });
}

/// Data images a run file keeps in /data/examples (0: none).
inline Index example_images(const RunConfig& c) {
  return with_family(c.model(), [](auto family) { return decltype(family)::kExampleImages; });
}

/// Whether the model learns correlations (the headline error is corr_err, else mean_err).
inline bool learns_correlations(const RunConfig& c) {
  return with_family(c.model(), [](auto family) { return decltype(family)::kLearnsCorrelations; });
}

/// What a configuration is estimated to hold in memory on one rank, in bytes (an upper estimate of
/// the big items: model and optimizer, chains, data, the checkpoints list, measurement tables, AIS),
/// and the key whose item is the largest (named when the estimate is refused). A family may add a
/// static member `double memory_bytes(const RunConfig&, Index dim)` for its model's own state; the
/// composition adds the shared items. A refusal names size_key when the model alone is too large
/// (the cause, though its size also multiplies the other items), else the key of the largest item.
struct MemoryEstimate {
  double bytes = 0;
  std::string key;  ///< the key of the largest item
  double key_bytes = 0;
  std::string size_key;  ///< the key that sizes the model (model.n_visible or model.n_hidden)
  double model_bytes = 0;  ///< the model's own item (parameters, optimizer, gradient statistics)
  void add(const std::string& item_key, double item_bytes) {
    bytes += item_bytes;
    if (item_bytes > key_bytes) {
      key = item_key;
      key_bytes = item_bytes;
    }
  }
};
/// `dim`: the data's dimension (0: not known before the data are read; counted as 1).
MemoryEstimate memory_estimate(const RunConfig& c, Index dim);

/// A configuration's relative amount of work, to hand out a sweep's runs most expensive first and
/// to estimate its ETA: in chain sweeps times one chain's sweep (Nv Nh for the rbm, N^2 otherwise),
/// training (updates x k x chains; exact moments: updates x N^3) plus the measurement of each
/// measured checkpoint (t_max x measure.chains along t; long-run and tempered references: two
/// chain sets over burn-in and window, times the replicas; enumeration: 2^units; AIS: forward and
/// reverse runs x temperatures); in a float32 run the references and AIS, float64 computations
/// (a reference's chains step in float32, its energies, swaps and statistics are float64), are
/// weighted 2 against training and the dynamics.
/// Only ratios between configurations mean anything. `dim` as for memory_estimate.
double work_estimate(const RunConfig& c, Index dim);

/// The parameter layout of the configuration's model on `data`.
Layout model_layout(const RunConfig& c, const Dataset& data);

/// The /theory tables of a configuration (nullopt: its family has no closed form).
std::optional<TheoryTables> theory_tables(const RunConfig& c, const Dataset& data, const Vector* params);

/// The closed-form table `shortrun theory` prints; empty when the family has none.
std::string theory_table(const RunConfig& c, const Dataset& data);

/// The terminal table of a completed run against theory, and the largest gap to the fixed point the
/// scheme should reach (NaN: no theory). Empty when the family has none.
std::string summary_table(const RunConfig& c, const Dataset& data, const Vector& params, double* gap);

}  // namespace shortrun::families

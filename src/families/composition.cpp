#include "shortrun/families/composition.hpp"

#include "shortrun/core/threads.hpp"
#include "shortrun/observables/chain_statistics.hpp"
#include "shortrun/theory/binary_enumeration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace shortrun::families {

void resolve_defaults(RunConfig& c) {
  if (c.model_type) with_family(c.model(), [&](auto family) { decltype(family)::resolve_defaults(c); });
}

void resolve_and_validate(RunConfig& c) {
  if (!c.model_type) c.validate_common();  // names the missing model.type
  with_family(c.model(), [&](auto family) {
    decltype(family)::resolve_defaults(c);
    c.validate_common();
    decltype(family)::validate(c);
  });
}

Dataset make_data(const RunConfig& c) {
  return with_family(c.model(), [&](auto family) {
    Dataset data = decltype(family)::make_data(c);
    decltype(family)::check_measurement(c, data.dim());
    return data;
  });
}

namespace {

/// Parameters of the configured model (a count from the keys, without building it).
double parameter_count(const RunConfig& c, double n) {
  switch (c.model()) {
    case ModelType::gaussian: return n * n + n;
    case ModelType::spins: return n;
    case ModelType::bm: return n * n + n;
    case ModelType::rbm: return n * static_cast<double>(c.n_hidden) + n + static_cast<double>(c.n_hidden);
    case ModelType::convnet: {
      double p = 0, in = 1;
      for (double ch : c.channels) {
        p += 9 * in * ch + ch;
        in = ch;
      }
      return p + in * n + 1;  // the dense read-out over the last feature map, at most n positions
    }
  }
  return n * n;
}

}  // namespace

MemoryEstimate memory_estimate(const RunConfig& c, Index dim) {
  constexpr double kScalar = 8;  // bytes of a double
  const double n = static_cast<double>(std::max<Index>(dim, 1));
  const double hidden = c.model() == ModelType::rbm ? static_cast<double>(c.n_hidden) : 0.0;
  const double units = n + hidden;
  const double params = parameter_count(c, n);
  const bool pairwise = c.model() == ModelType::gaussian || c.model() == ModelType::bm;
  // Gradient statistics: a pairwise model's correlation matrices (data and model side).
  const double stats = pairwise ? 4 * n * n : c.model() == ModelType::rbm ? 2 * n * hidden : 2 * n;
  MemoryEstimate m;
  const std::string size_key = c.model() == ModelType::rbm && hidden > n ? "model.n_hidden" : "model.n_visible";
  // Model, gradient, optimizer moments, a float32 working copy, and the statistics (a resume
  // checkpoint borrows the parameters and the moments; it copies nothing of their size).
  m.size_key = size_key;
  m.model_bytes = kScalar * (5 * params + stats);
  with_family(c.model(), [&](auto family) {
    if constexpr (requires { decltype(family)::memory_bytes(c, dim); })
      m.model_bytes += decltype(family)::memory_bytes(c, dim);
  });
  m.add(size_key, m.model_bytes);
  // The scheduled checkpoints live in the resume checkpoint: training holds one of them while a
  // save copies them; a measurement of every checkpoint (measure.at = all) or along them (ptt)
  // reads them all back.
  const bool reads_all = c.measure_at == MeasureAt::all || c.equilibrium == EquilibriumMethod::ptt;
  m.add("train.checkpoints", kScalar * params * (reads_all ? static_cast<double>(c.checkpoints) : 1.0));
  if (!c.exact_training()) {
    // The chains and their proposals; the data minibatch.
    m.add("train.chains", kScalar * 3 * units * static_cast<double>(c.chains));
    if (c.batch > 0) m.add("train.batch", kScalar * 2 * n * static_cast<double>(c.batch));
  } else if (pairwise) {
    m.add(c.moments == MomentsMode::exact ? "train.moments" : "train.scheme", kScalar * 8 * n * n);
  }
  // The data (synthetic samples; image data are counted once read, by their dimension).
  m.add("data.n_samples", kScalar * 2 * n * static_cast<double>(c.n_samples));
  // The training log: one row per logged update.
  const double log_rows = c.log_every > 0 ? static_cast<double>(c.updates) / static_cast<double>(c.log_every) : 1000.0;
  m.add("train.log_every", kScalar * 4 * log_rows);
  // The measurement: its chains, and per sampling time the means (and correlations), for each
  // measured checkpoint.
  const double measured = c.measure_at == MeasureAt::all ? static_cast<double>(c.checkpoints) : 1.0;
  // Parallel tempering (measure.equilibrium = pt, or auto beyond enumeration for bm and rbm) keeps a
  // ladder of replicas per equilibrium chain: up to max(32, pt_replicas) of them (the given ladder's;
  // ptt: pt_replicas, the checkpoints of the ladder);
  // enumerable: what auto enumerates (bm: N <= exact::kMaxStreamedUnits; rbm: exact::rbm_auto_enumerates).
  const bool is_rbm = c.model() == ModelType::rbm;
  const bool enumerable = is_rbm ? exact::rbm_auto_enumerates(dim, c.n_hidden)
                                 : n <= static_cast<double>(exact::kMaxStreamedUnits);
  const bool tempered = is_tempered(c.equilibrium) ||
                        (c.equilibrium == EquilibriumMethod::automatic &&
                         (c.model() == ModelType::bm || c.model() == ModelType::rbm) && !enumerable);
  const double rungs = !tempered                                   ? 0.0
                       : c.equilibrium == EquilibriumMethod::ptt ? static_cast<double>(c.pt_replicas)
                       : c.pt_betas.empty() ? static_cast<double>(std::max<std::int64_t>(32, c.pt_replicas))
                                            : static_cast<double>(c.pt_betas.size());
  m.add("measure.chains", kScalar * (3 + rungs) * units * static_cast<double>(c.measure_chains));
  // Exact equilibrium (measure.equilibrium = exact, or auto where it enumerates, bm and rbm): up to
  // exact::kMaxEnumerableUnits units two vectors over the 2^n states; beyond, streamed: per thread
  // (and once for the total) a chunk's work arrays (4 x 2^10 states of the other rbm layer) and
  // the running moment sums.
  const bool exact_eq = c.equilibrium == EquilibriumMethod::exact ||
                        (c.equilibrium == EquilibriumMethod::automatic &&
                         (c.model() == ModelType::bm || is_rbm) && enumerable);
  if (exact_eq && (c.model() == ModelType::bm || is_rbm)) {
    const double e_units = is_rbm ? std::min(n, hidden) : n, other = is_rbm ? std::max(n, hidden) : 0.0;
    const double per_thread = is_rbm ? other * 4 * 1024 + e_units * other + n * n + 4096 : 2 * n * n + 3 * 4096;
    const double bytes = e_units <= static_cast<double>(exact::kMaxEnumerableUnits)
                             ? 2 * std::ldexp(1.0, static_cast<int>(e_units))
                             : (1 + max_thread_count()) * per_thread;
    m.add("measure.equilibrium", kScalar * bytes);
  }
  m.add("measure.t_points", kScalar * 3 * measured * static_cast<double>(c.t_points) * (pairwise ? n * n + n : 2 * n));
  m.add("measure.samples", kScalar * 6 * n * static_cast<double>(c.measure_samples));
  // The jackknife's group sums of one sampling time (the error bars): kJackknifeGroups copies of
  // the sums, whatever the number of chains (about 100 MB at N = 784 with correlations).
  m.add(size_key, kScalar * static_cast<double>(kJackknifeGroups) * (pairwise ? n * n + n : 2 * n));
  if ((c.model() == ModelType::rbm || c.model() == ModelType::bm) && c.ais_runs > 0) {
    // Forward and reverse AIS runs (one direction at a time) and the reverse runs' start states.
    m.add("measure.ais_runs", kScalar * 4 * units * static_cast<double>(c.ais_runs));
    m.add("measure.ais_temperatures", kScalar * 2 * static_cast<double>(c.ais_temperatures) *
                                          std::max(1.0, static_cast<double>(c.ais_runs) / 8));
  }
  return m;
}

Layout model_layout(const RunConfig& c, const Dataset& data) {
  return with_model_types(c, data, nullptr, [](auto, const auto& model, const auto&, const auto&) {
    return model.layout();
  });
}

std::optional<TheoryTables> theory_tables(const RunConfig& c, const Dataset& data, const Vector* params) {
  return with_family(c.model(), [&](auto family) { return decltype(family)::theory(c, data, params); });
}

std::string theory_table(const RunConfig& c, const Dataset& data) {
  return with_family(c.model(), [&](auto family) { return decltype(family)::theory_table(c, data); });
}

std::string summary_table(const RunConfig& c, const Dataset& data, const Vector& params, double* gap) {
  if (gap != nullptr) *gap = std::numeric_limits<double>::quiet_NaN();
  return with_family(c.model(), [&](auto family) { return decltype(family)::summary(c, data, params, gap); });
}

}  // namespace shortrun::families

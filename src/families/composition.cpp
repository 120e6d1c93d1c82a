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

/// How a configuration's measurement obtains its equilibrium reference, as far as the keys tell:
/// auto's choice (theory for gaussian and spins, enumeration for bm and rbm where it enumerates,
/// else tempering for bm and rbm, a long run for the convnet), and the bounds the estimates use.
struct EquilibriumPlan {
  bool enumerable = false;  ///< bm: N <= exact::kMaxStreamedUnits; rbm: exact::rbm_auto_enumerates
  bool exact = false;       ///< enumeration (bm, rbm)
  bool tempered = false;    ///< pt or ptt
  bool long_run = false;
  double rungs = 0;         ///< the most replicas a tempered reference keeps per chain
  double e_units = 0;       ///< exact: the enumerated layer's units
};

EquilibriumPlan equilibrium_plan(const RunConfig& c, Index dim) {
  const double n = static_cast<double>(std::max<Index>(dim, 1));
  const bool is_rbm = c.model() == ModelType::rbm, binary_pairs = c.model() == ModelType::bm || is_rbm;
  const bool automatic = c.equilibrium == EquilibriumMethod::automatic;
  EquilibriumPlan p;
  p.enumerable = is_rbm ? exact::rbm_auto_enumerates(dim, c.n_hidden) : n <= static_cast<double>(exact::kMaxStreamedUnits);
  p.tempered = is_tempered(c.equilibrium) || (automatic && binary_pairs && !p.enumerable);
  p.rungs = !p.tempered                                   ? 0.0
            : c.equilibrium == EquilibriumMethod::ptt ? static_cast<double>(c.pt_replicas)
            : c.pt_betas.empty() ? static_cast<double>(std::max<std::int64_t>(32, c.pt_replicas))
                                 : static_cast<double>(c.pt_betas.size());
  p.exact = binary_pairs && (c.equilibrium == EquilibriumMethod::exact || (automatic && p.enumerable));
  p.e_units = is_rbm ? std::min(n, static_cast<double>(c.n_hidden)) : n;
  p.long_run = c.equilibrium == EquilibriumMethod::long_run || (automatic && c.model() == ModelType::convnet);
  return p;
}

}  // namespace

double work_estimate(const RunConfig& c, Index dim) {
  const double n = static_cast<double>(std::max<Index>(dim, 1));
  // One chain's sweep: the rbm's two products (Nv Nh), a pairwise model's fields (N^2); the
  // convnet's forward and backward passes are a fixed multiple of N within a sweep (its channels and
  // N are not sweep axes), N^2 keeps them comparable with its own measurement.
  const double sweep = c.model() == ModelType::rbm ? n * static_cast<double>(std::max<std::int64_t>(c.n_hidden, 1)) : n * n;
  const double training = c.exact_training() ? static_cast<double>(c.updates) * n * n * n
                                             : static_cast<double>(c.updates) * static_cast<double>(c.k) *
                                                   static_cast<double>(c.chains) * sweep;
  // The dynamics' chains run in the run's precision, like training's. Enumeration and AIS run in
  // float64, whose sweeps cost about twice a float32 one (the bench's gemm.f64 against gemm.f32:
  // 2.3x on the machine of the README); so, near enough, do long-run and tempered references:
  // their chains step in the run's precision, but their energies, swap free energies (about one
  // float64 product per replica and sweep) and statistics are float64.
  const double weight = c.precision == Precision::float32 ? 2.0 : 1.0;
  const double measured = c.measure_at == MeasureAt::all ? static_cast<double>(c.checkpoints) : 1.0;
  const double chains = static_cast<double>(c.measure_chains);
  const bool exact_dynamics = c.measure_moments == MeasureMoments::exact ||
                              (c.measure_moments == MeasureMoments::automatic && c.exact_training());
  const double dynamics_sweeps = exact_dynamics ? 0.0 : static_cast<double>(c.effective_t_max()) * chains;
  double sweeps = 0.0;  // the references' and AIS's, at float64 weight
  const EquilibriumPlan eq = equilibrium_plan(c, dim);
  // Long runs and tempering: two chain sets, burn-in and window; tempering's ladder grows from
  // pt_replicas up to its cap during the burn-in (counted halfway).
  const double long_sweeps = 2.0 * chains * 2.0 * static_cast<double>(c.effective_equilibrium_sweeps());
  if (eq.tempered) sweeps += long_sweeps * (c.equilibrium == EquilibriumMethod::ptt || !c.pt_betas.empty()
                                                ? eq.rungs
                                                : 0.5 * (static_cast<double>(c.pt_replicas) + eq.rungs));
  else if (eq.long_run) sweeps += long_sweeps;
  else if (eq.exact) sweeps += std::ldexp(1.0, static_cast<int>(std::min(eq.e_units, 60.0)));
  // AIS beyond enumeration: forward and reverse runs, one sweep per temperature.
  if ((c.model() == ModelType::rbm || c.model() == ModelType::bm) && !eq.exact && c.ais_runs > 0)
    sweeps += 2.0 * static_cast<double>(c.ais_runs) * static_cast<double>(c.ais_temperatures);
  return training + measured * (dynamics_sweeps + weight * sweeps) * sweep;
}

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
  // The data (synthetic samples; image data are counted once read, by their dimension): held once,
  // in double (float32 training converts each minibatch; the covariance and the rbm's measurement
  // terms go through the data a block of columns at a time), plus an image file's bytes while it
  // loads: 1.25 copies.
  m.add("data.n_samples", kScalar * 1.25 * n * static_cast<double>(c.n_samples));
  // The training log: one row per logged update.
  const double log_rows = c.log_every > 0 ? static_cast<double>(c.updates) / static_cast<double>(c.log_every) : 1000.0;
  m.add("train.log_every", kScalar * 4 * log_rows);
  // The measurement: its chains, and per sampling time the means (and correlations), for each
  // measured checkpoint.
  const double measured = c.measure_at == MeasureAt::all ? static_cast<double>(c.checkpoints) : 1.0;
  // Parallel tempering (measure.equilibrium = pt, or auto beyond enumeration for bm and rbm) keeps a
  // ladder of replicas per equilibrium chain: up to max(32, pt_replicas) of them (the given ladder's;
  // ptt: pt_replicas, the checkpoints of the ladder).
  const bool is_rbm = c.model() == ModelType::rbm;
  const EquilibriumPlan eq = equilibrium_plan(c, dim);
  m.add("measure.chains", kScalar * (3 + eq.rungs) * units * static_cast<double>(c.measure_chains));
  // Exact equilibrium (measure.equilibrium = exact, or auto where it enumerates, bm and rbm): up to
  // exact::kMaxEnumerableUnits units two vectors over the 2^n states; beyond, streamed: per thread
  // (and once for the total) a chunk's work arrays (4 x 2^10 states of the other rbm layer) and
  // the running moment sums.
  if (eq.exact) {
    const double e_units = eq.e_units, other = is_rbm ? std::max(n, hidden) : 0.0;
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

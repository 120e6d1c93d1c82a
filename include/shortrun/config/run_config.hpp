#pragma once
/// The resolved configuration of one run: plain data with one field list (visit), which the app
/// uses to register INI keys, to write /config attributes and the resolved INI text, so input and
/// output cannot drift apart (DCA++'s readWrite). Defaults here are the documented defaults.
/// Every key that names one of a fixed set of choices is an enum (config/enums.hpp), parsed once
/// with its name table (config/names.hpp); keys whose default depends on the model are optional
/// until families::resolve_defaults() fills them.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "shortrun/config/enums.hpp"
#include "shortrun/config/names.hpp"

namespace shortrun {

/// May a key take a comma-separated list of values that makes an axis of a sweep?
enum class Sweep { no, yes };

/// Does a key change what training computes (result: part of a run's identity, compared when a run
/// is resumed or found completed), or only where, how often or what is measured and written
/// (operational: run.out, run.name, run.checkpoint_every, run.max_memory, train.log_every, measure.*)?
enum class Identity { result, operational };

/// Caps on counts (README, "Errors"): a larger value is refused as bad input before any work.
inline constexpr std::int64_t kMaxUnits = 1'000'000;            ///< model.n_visible, n_hidden, spectrum length
inline constexpr std::int64_t kMaxSamples = 1'000'000'000;      ///< data.n_samples, train.batch
inline constexpr std::int64_t kMaxChains = 100'000'000;         ///< train.chains, measure.chains, samples, ais_runs
inline constexpr std::int64_t kMaxSweeps = 1'000'000'000;       ///< train.k, measure.t_max, equilibrium_sweeps
inline constexpr std::int64_t kMaxUpdates = 1'000'000'000;      ///< train.updates
inline constexpr std::int64_t kMaxCheckpoints = 10'000;         ///< train.checkpoints
inline constexpr std::int64_t kMaxTimePoints = 10'000;          ///< measure.t_points
inline constexpr std::int64_t kMaxAisTemperatures = 10'000'000; ///< measure.ais_temperatures
inline constexpr std::int64_t kMaxReplicas = 1024;               ///< measure.pt_replicas, measure.pt_betas
inline constexpr std::int64_t kMaxLogRows = 10'000'000;         ///< train.updates / train.log_every

struct RunConfig {
  // [run]
  std::string run_name;  ///< empty: the config file's stem
  std::int64_t seed = 1;
  std::string run_out;  ///< empty: results/<name>
  double checkpoint_every = 600;  ///< seconds between resume checkpoints; 0: scheduled ones only
  double max_memory_gib = 0;  ///< memory one rank may use; 0: the cgroup limit or physical memory over the node's ranks
  // [model]
  std::optional<ModelType> model_type;  ///< required
  std::int64_t n_visible = 0;  ///< 0: inferred from the data
  std::int64_t n_hidden = 0;   ///< rbm: hidden units
  std::optional<Spin> spin;    ///< binary models: pm1 (spins, bm) or 01 (rbm) by default; unset otherwise
  std::vector<double> channels{16, 32, 64};  ///< convnet: channels per conv layer (integers)
  conv::Activation activation = conv::Activation::silu;  ///< convnet
  Precision precision = Precision::float64;  ///< working precision of chains and gradient statistics
  // [data]
  std::optional<DataSource> data_source;  ///< default by model (families::resolve_defaults)
  std::int64_t data_seed = 1;
  std::int64_t n_samples = 10000;  ///< 0: exact population moments, no samples (gaussian)
  std::vector<double> spectrum;    ///< gaussian: covariance eigenvalues c_alpha
  std::vector<double> data_mean;   ///< gaussian: mean mu_D (one value, or N); empty: 0
  std::vector<double> magnetization;  ///< spins data: m_i in pm1 terms (one value, or N)
  double beta = 0.5;                 ///< ising teacher inverse temperature
  IsingGraph graph = IsingGraph::curie_weiss;  ///< ising teacher graph
  std::string data_path;             ///< idx: a file; hdf5: file.h5:/dataset
  double binarize = -1;              ///< images: threshold in [0, 1); < 0: off
  std::int64_t downscale = 1;        ///< images: 1, 2 or 4
  double data_noise = 0;             ///< convnet: std of Gaussian noise added to data per update
  // [sampler]
  std::optional<SamplerType> sampler_type;  ///< default: langevin (gaussian, convnet), gibbs (spins, bm), block-gibbs (rbm)
  double step = 0.05;
  double temperature = 1.0;
  // [init]
  std::optional<P0Type> init_type;  ///< default: gaussian (gaussian model), uniform (the others)
  double init_sigma = 1.0;
  // [train]
  Scheme scheme = Scheme::rdm;
  std::int64_t k = 10;
  double lr = 0.1;
  OptimizerType optimizer = OptimizerType::sgd;
  double momentum = 0;
  double l2 = 0;
  std::int64_t batch = 0;  ///< 0: the whole data set every update
  std::int64_t chains = 1000;
  std::int64_t updates = 1000;
  MomentsMode moments = MomentsMode::sampled;
  std::int64_t checkpoints = 10;
  std::int64_t log_every = 0;       ///< 0: about 1000 rows over the run
  double init_coupling = 1.0;       ///< gaussian: J starts at init_coupling * I, h at 0
  // [measure]
  std::int64_t t_max = 0;       ///< 0: 20 k, at least 100
  std::int64_t t_points = 40;
  std::int64_t measure_chains = 1000;
  MeasureMoments measure_moments = MeasureMoments::automatic;
  EquilibriumMethod equilibrium = EquilibriumMethod::automatic;
  std::int64_t equilibrium_sweeps = 0;    ///< long-run burn-in and window; 0: max(1000, 10 t_max)
  std::int64_t pt_replicas = 8;           ///< pt: replicas of the initial geometric ladder
  double pt_beta_min = 0.05;              ///< pt: its smallest inverse temperature
  std::vector<double> pt_betas;           ///< pt: a fixed ladder, increasing, ending at 1 (empty: adaptive)
  MeasureAt measure_at = MeasureAt::last;
  std::int64_t measure_samples = 16;      ///< image data: chains kept at the sample times
  std::int64_t ais_runs = 100;            ///< bm / rbm beyond enumeration: forward and reverse AIS runs for log Z (0: off)
  std::int64_t ais_temperatures = 1000;   ///< AIS annealing steps

  /// Calls v(key, field, help, sweepable, identity) for every key, in file order.
  template <class V>
  void visit(V&& v) {
    v("run.name", run_name, "names the run file (<run.out>/runs/<run.name>.h5) and the default output folder; letters, digits, '-', '_', '.' (default: config file stem)", Sweep::no, Identity::operational);
    v("run.seed", seed, "master seed; every random stream derives from it", Sweep::yes, Identity::result);
    v("run.out", run_out, "output folder (default: results/<run.name>)", Sweep::no, Identity::operational);
    v("run.checkpoint_every", checkpoint_every, "seconds between resume checkpoints besides the scheduled ones; 0 = scheduled only", Sweep::no, Identity::operational);
    v("run.max_memory", max_memory_gib, "GiB one rank may use; a configuration estimated to need more is refused before any work (0 = the cgroup limit or physical memory, shared by the node's ranks; not part of the configuration's identity)", Sweep::no, Identity::operational);
    v("model.type", model_type, "energy model: gaussian, spins, bm, rbm, convnet (required)", Sweep::no, Identity::result);
    v("model.n_visible", n_visible, "dimension N (default: from the data)", Sweep::no, Identity::result);
    v("model.n_hidden", n_hidden, "rbm: hidden units", Sweep::yes, Identity::result);
    v("model.spin", spin, "binary convention: pm1 or 01 (default pm1; rbm: 01)", Sweep::no, Identity::result);
    v("model.channels", channels, "convnet: channels of each 3x3 stride-2 conv layer (list)", Sweep::no, Identity::result);
    v("model.activation", activation, "convnet: silu or leaky-relu", Sweep::no, Identity::result);
    v("model.precision", precision, "float64 or float32: working precision of the chains, samplers, data term and gradient statistics, and of the measurement's chains along t (float32: rbm, bm and convnet with sampled chains; parameters, optimizer, equilibrium references and AIS stay float64)", Sweep::no, Identity::result);
    v("data.source", data_source, "data set: gaussian (gaussian model); spins, ising, bars-stripes, idx, hdf5, fashion-mnist (binary models); fashion-mnist, idx, blobs (convnet)", Sweep::no, Identity::result);
    v("data.seed", data_seed, "seed of the synthetic data (kept apart from run.seed so seeds can be swept on fixed data)", Sweep::no, Identity::result);
    v("data.n_samples", n_samples, "synthetic data size; 0 = exact population moments", Sweep::no, Identity::result);
    v("data.spectrum", spectrum, "gaussian: covariance eigenvalues c_alpha (list; required), in a seeded random orthonormal basis", Sweep::no, Identity::result);
    v("data.mean", data_mean, "gaussian: data mean mu_D, one value or N values (default 0)", Sweep::no, Identity::result);
    v("data.beta", beta, "ising: teacher inverse temperature", Sweep::no, Identity::result);
    v("data.graph", graph, "ising: teacher graph, curie-weiss, 2d (N = L^2) or sk", Sweep::no, Identity::result);
    v("data.path", data_path, "idx: an IDX image file (gzipped or not); hdf5: file.h5:/dataset (rows = samples)", Sweep::no, Identity::result);
    v("data.binarize", binarize, "images: pixel -> 1 if above this threshold in [0, 1), else 0; < 0: off (binary models need it)", Sweep::no, Identity::result);
    v("data.downscale", downscale, "images: block-average factor 1, 2 or 4 (28x28 -> 14x14 with 2)", Sweep::no, Identity::result);
    v("data.noise", data_noise, "convnet: std of Gaussian noise added to the data images at every update (0: none)", Sweep::no, Identity::result);
    v("data.magnetization", magnetization, "spins data: magnetisations m_i in (-1, 1), pm1 terms whatever model.spin (unit up with probability (1 + m_i)/2); one value or N values", Sweep::no, Identity::result);
    v("sampler.type", sampler_type, "MCMC kernel, one step = one sweep: langevin (gaussian, convnet); gibbs, gibbs-random, metropolis, metropolis-random (spins, bm); block-gibbs (rbm)", Sweep::yes, Identity::result);
    v("sampler.step", step, "Langevin step eta", Sweep::yes, Identity::result);
    v("sampler.temperature", temperature, "Langevin temperature T", Sweep::no, Identity::result);
    v("init.type", init_type, "p0, where chains start: gaussian, zeros (gaussian model); uniform, zeros, data-mean (binary); uniform on [-1, 1], gaussian (convnet)", Sweep::no, Identity::result);
    v("init.sigma", init_sigma, "gaussian p0 standard deviation sigma0", Sweep::yes, Identity::result);
    v("train.scheme", scheme, "gradient estimator: rdm, cd, pcd, exact", Sweep::yes, Identity::result);
    v("train.k", k, "sampler steps per update (>= 1)", Sweep::yes, Identity::result);
    v("train.lr", lr, "learning rate (> 0)", Sweep::yes, Identity::result);
    v("train.optimizer", optimizer, "sgd or adam", Sweep::no, Identity::result);
    v("train.momentum", momentum, "sgd heavy-ball momentum in [0, 1)", Sweep::no, Identity::result);
    v("train.l2", l2, "L2 penalty: adds l2 * theta to the gradient", Sweep::no, Identity::result);
    v("train.batch", batch, "data points per update for the whole team; 0 = all data", Sweep::no, Identity::result);
    v("train.chains", chains, "negative chains per update for the whole team (rdm, pcd)", Sweep::no, Identity::result);
    v("train.updates", updates, "parameter updates", Sweep::no, Identity::result);
    v("train.moments", moments, "sampled, or exact: closed-form moments of p_k (deterministic)", Sweep::no, Identity::result);
    v("train.checkpoints", checkpoints, "log-spaced checkpoints over training, final included", Sweep::no, Identity::result);
    v("train.log_every", log_every, "updates between rows of /train; 0 = about 1000 rows", Sweep::no, Identity::operational);
    v("train.init_coupling", init_coupling, "gaussian: initial J = init_coupling * I", Sweep::no, Identity::result);
    v("measure.t_max", t_max, "longest sampling time of the dynamics measurement and theory curves, in sweeps; 0 = max(20 k, 100)", Sweep::no, Identity::operational);
    v("measure.t_points", t_points, "log-spaced sampling times (0, k and t_max always included)", Sweep::no, Identity::operational);
    v("measure.chains", measure_chains, "fresh chains from p0 of the dynamics measurement (whole team)", Sweep::no, Identity::operational);
    v("measure.moments", measure_moments, "dynamics from chains (sampled) or the exact law p_t (exact: gaussian; spins, bm with N <= 12; rbm with Nv, Nh <= 12); auto = as train.moments", Sweep::no, Identity::operational);
    v("measure.equilibrium", equilibrium, "equilibrium reference: auto (theory for gaussian and spins, exact enumeration for bm up to 26 units and rbm up to 20 in the smaller layer (26 at bounded work; streamed beyond 20), else pt for bm and rbm, long-run for the convnet), theory, exact, long-run, pt (parallel tempering: spins, bm, rbm with their parameters times beta; gaussian and convnet with Langevin at temperature T / beta), ptt (parallel trajectory tempering: replica exchange along the run's earlier training checkpoints; spins, bm, rbm), none", Sweep::no, Identity::operational);
    v("measure.equilibrium_sweeps", equilibrium_sweeps, "long-run and pt equilibrium: burn-in sweeps, and as many again measured; 0 = max(1000, 10 t_max)", Sweep::no, Identity::operational);
    v("measure.pt_replicas", pt_replicas, "pt: replicas of the initial geometric ladder from pt_beta_min to 1, grown during the first half of the burn-in (a beta inserted between neighbours accepting < 25% of swaps, up to max(32, pt_replicas)); ptt: the most rungs, i.e. up to pt_replicas - 1 earlier checkpoints (evenly spaced, the oldest always in) below the measured one; each rung costs one long run", Sweep::no, Identity::operational);
    v("measure.pt_beta_min", pt_beta_min, "pt: smallest inverse temperature of the geometric ladder, in (0, 1)", Sweep::no, Identity::operational);
    v("measure.pt_betas", pt_betas, "pt: a fixed ladder instead (list, increasing in (0, 1], the last = 1; not adapted); empty = geometric and adaptive", Sweep::no, Identity::operational);
    v("measure.at", measure_at, "which checkpoints are measured: last (the final parameters) or all (every train.checkpoints checkpoint)", Sweep::no, Identity::operational);
    v("measure.ais_runs", ais_runs, "bm or rbm too large to enumerate: annealed importance sampling runs, forward and reverse (from the equilibrium chains), for the log Z bracket and the data log-likelihood (0: off)", Sweep::no, Identity::operational);
    v("measure.ais_temperatures", ais_temperatures, "AIS annealing steps (linear in beta, from independent units at the data means)", Sweep::no, Identity::operational);
    v("measure.samples", measure_samples, "image data: chains whose samples are kept at t = k/4, k, 4k, t_max and at equilibrium (0: none)", Sweep::no, Identity::operational);
  }
  template <class V>
  void visit(V&& v) const {
    const_cast<RunConfig*>(this)->visit(std::forward<V>(v));
  }

  /// Throws BadInput naming the first offending key of those every model shares; each family checks
  /// its own keys (families::validate runs both).
  void validate_common() const;

  /// The resolved choices (after families::resolve_defaults; std::bad_optional_access before).
  ModelType model() const { return model_type.value(); }
  DataSource source() const { return data_source.value(); }
  SamplerType sampler() const { return sampler_type.value(); }
  P0Type p0() const { return init_type.value(); }
  /// The binary unit convention (binary models only).
  Spin units() const { return spin.value(); }

  /// spins, bm or rbm: models of binary units.
  bool binary() const {
    return model_type == ModelType::spins || model_type == ModelType::bm || model_type == ModelType::rbm;
  }
  /// N as far as the configuration says it before any data is made: model.n_visible, else the
  /// length of data.spectrum or data.magnetization; 0 when only the data will tell (images).
  std::int64_t declared_dim() const {
    if (n_visible > 0) return n_visible;
    return static_cast<std::int64_t>(std::max(spectrum.size(), magnetization.size()));
  }
  /// Whether the data are images read from a file or drawn as images (idx, fashion-mnist, blobs).
  bool image_data() const {
    return data_source == DataSource::idx || data_source == DataSource::fashion_mnist ||
           data_source == DataSource::blobs;
  }
  /// Whether training uses exact moments (train.moments = exact or train.scheme = exact).
  bool exact_training() const { return moments == MomentsMode::exact || scheme == Scheme::exact; }

  /// The resolved configuration as INI text ([section] blocks, every key with its value).
  std::string to_ini() const;

  /// The keys of kind `which` whose values differ between this configuration and `stored`, an INI
  /// text written by to_ini() (a run file's or checkpoint's), each as "key = <stored> (now
  /// <this>)"; a key absent from `stored` reads "(absent)". Identity::result: empty means the same
  /// run (what resume and "already completed" compare).
  std::vector<std::string> differences(const std::string& stored, Identity which = Identity::result) const;

  /// Effective t_max of theory curves and measurements.
  std::int64_t effective_t_max() const { return t_max > 0 ? t_max : std::max<std::int64_t>(20 * k, 100); }
  /// Long-run equilibrium burn-in (and window) in sweeps.
  std::int64_t effective_equilibrium_sweeps() const {
    return equilibrium_sweeps > 0 ? equilibrium_sweeps : std::max<std::int64_t>(1000, 10 * effective_t_max());
  }
  /// Measurement path of the dynamics: sampled chains or the exact law (measure.moments, auto resolved).
  MomentsMode measurement_path() const {
    if (measure_moments == MeasureMoments::automatic) return moments;
    return measure_moments == MeasureMoments::exact ? MomentsMode::exact : MomentsMode::sampled;
  }
  /// sigma0 of a Gaussian p0 (0 for init.type = zeros).
  double p0_sigma() const { return init_type == P0Type::zeros ? 0.0 : init_sigma; }
};

/// Shortest text that reads back as the same value.
std::string format_value(const std::string& v);
std::string format_value(std::int64_t v);
std::string format_value(double v);
std::string format_value(const std::vector<double>& v);
template <NamedEnum E>
std::string format_value(E v) {
  return name_of(v);
}
/// An unset choice reads and writes as empty text.
template <NamedEnum E>
std::string format_value(const std::optional<E>& v) {
  return v ? std::string(name_of(*v)) : std::string();
}

template <class T>
inline constexpr bool kIsOptional = false;
template <class T>
inline constexpr bool kIsOptional<std::optional<T>> = true;

/// A field as an HDF5 attribute value: choices (enums) as their names, the rest as they are.
template <class T>
auto attr_value(const T& v) {
  if constexpr (NamedEnum<T> || kIsOptional<T>)
    return format_value(v);
  else
    return v;
}

}  // namespace shortrun

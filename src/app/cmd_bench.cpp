// shortrun bench: times the kernels that training runs, on this machine, against its measured
// single-core GEMM rate. Every entry calls the project's own code (the same templates and objects
// the trainer uses), never a re-implementation.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "shortrun/app/commands.hpp"
#include "shortrun/app/provenance.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/core/matrix_backend.hpp"
#include "shortrun/core/random.hpp"
#include "shortrun/core/reducer.hpp"
#include "shortrun/core/threads.hpp"
#include "shortrun/data/bars_stripes.hpp"
#include "shortrun/data/blobs.hpp"
#include "shortrun/estimators/data_term.hpp"
#include "shortrun/families/composition.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/measure/equilibrium.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/models/boltzmann_machine.hpp"
#include "shortrun/models/conv_net.hpp"
#include "shortrun/models/gaussian_energy.hpp"
#include "shortrun/optim/adam.hpp"
#include "shortrun/optim/sgd.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/block_gibbs.hpp"
#include "shortrun/samplers/langevin.hpp"
#include "shortrun/samplers/p0.hpp"
#include "shortrun/samplers/single_site.hpp"
#include "shortrun/training/trainer.hpp"
#include "shortrun/version.hpp"


namespace po = boost::program_options;

namespace shortrun::cli {
namespace {

constexpr const char* kHelp = R"(usage: shortrun bench [--what rbm|pt|bm|gaussian|convnet|gemm|all] [--json] [--repeats N] [--quick] [--threads N]

Times the kernels that training runs, on one core (or --threads N), and compares them with this machine's measured
GEMM rate. Each entry runs once untimed (warm-up), then N timed repeats; it reports the median
wall time, the matrix-product rate it reached, and gemm_fraction = (its matrix-product flops /
the measured GEMM rate of its precision) / its median time: 1 means the kernel runs as fast as
its matrix products alone could; the rest is random numbers, sigmoids, copies and bookkeeping.

Entries (sizes without --quick):
  gemm.f32, gemm.f64    C = A B through Eigen, 1000 x 1000 x 1000 (2 n^3 flops): the reference
                        rate of gemm_fraction (always measured; gemm_fraction is null here).
                        OpenBLAS (the default build when it is installed) or Eigen's own GEMM
                        (-DSHORTRUN_BLAS=OFF): the same library as every product of the kernels
                        (machine.matrix_products).
  rbm.block_gibbs.*     one block-Gibbs step (h | v, then v | h) of an RBM with Nv = 784,
                        Nh = 500, on 1000 chains: the sampler the trainer runs
                        (samplers/block_gibbs.hpp), 2 products of 2 Nv Nh chains flops each.
  rbm.rdm_update.*      one rdm parameter update: k = 10 block-Gibbs steps from p0 = uniform,
                        the negative and positive gradient statistics (a 1000-image minibatch of
                        28 x 28 bars-and-stripes) and the SGD step: the objects `shortrun train`
                        builds (families::with_run_types) run by its trainer, with
                        model.precision = float64 (f64) or float32 (f32).
                        Counted: 2 Nv Nh flops per column of each product: 2k + 2 products
                        over the chains, 2 over the minibatch.
  rbm.pt_sweep.f64      (--what pt) one parallel-tempering sweep of that RBM: 20 replicas
                        (geometric ladder from beta = 0.05, not adapted) x 100 chains, each
                        replica one block-Gibbs step, then the swap attempts of neighbours (k,
                        k+1), k of the sweep's parity, each from four free energies F_beta
                        (two products W^T v: one per replica of the pair):
                        measure.equilibrium = pt's pt_equilibrium over 10 sweeps (8 burn-in, a
                        2-sweep window), time / 10. Counted: 2 Nv Nh chains flops per product,
                        2 products per replica and 2 per attempted pair (9.5 pairs a sweep).
  bm.gibbs_sweep.n64, bm.gibbs_sweep.n784
                        one sequential Gibbs sweep of a Boltzmann machine (pm1, SK-like
                        couplings of scale 0.5/sqrt(N)), 1000 chains; counted 2 N^2 chains flops
                        (the local fields J s, then O(N) per flip).
  bm.rdm_update.f32     one rdm parameter update of a Boltzmann machine with N = 784 on 1000
                        chains as `shortrun train` runs it: random-site Gibbs (gibbs-random),
                        model.precision = float32, k = 10 sweeps from p0 = uniform, the chains'
                        and a 1000-sample minibatch's statistics (independent spins), SGD.
                        Counted: 2 N^2 flops per chain and sweep (the local fields J s; the
                        per-flip O(N) updates are not counted), 2 N^2 per chain and per sample
                        for the statistics s s^T.
  gaussian.ula_step.n256
                        one unadjusted Langevin step of the Gaussian model, N = 256, 1000 chains;
                        counted 2 N^2 chains flops (J x), plus N normals per chain.
  convnet.ula_step.28x28
                        one Langevin step of the documented ConvNet EBM (3 x 3 stride-2 conv
                        layers of 16, 32, 64 channels, SiLU, linear read-out; float32) on
                        100 chains of 28 x 28 images: forward pass, input gradient (im2col +
                        matrix products) and 784 float normals per chain (vectorised
                        Box-Muller, Stream::fill_float_normal); counted: the products of the
                        forward and input-gradient passes.
  convnet.param_grad.28x28
                        forward pass and the gradient of every parameter for 100 images (what
                        each update runs on the minibatch and on the chains).
  convnet.rdm_update.28x28
                        one rdm parameter update as `shortrun train` runs it (the composition
                        and the trainer, Adam): k = 20 Langevin steps on 100 chains from
                        uniform noise, the parameter gradients of a 100-image minibatch (28 x 28
                        blobs) and of the chains, and the Adam step.

Precision: model.precision = float64 (the default) or float32 (rbm, bm, convnet) is the working
precision of training's chains, samplers and gradient statistics; the f32 rows are what float32
training runs (RBM block Gibbs: each unit's uniform a byte first, 8 per Philox word, the rest
only for the 1 unit in 256 its byte does not decide; Stream::fill_bytes), the f64
rows what float64 training runs. The ConvNet computes in float32 in either case.

Output: an aligned table (name, median_s, GFLOP/s, gemm_fraction, notes) after a line naming the
machine; with --json, a JSON list with one object per entry: name, kernel, precision, sizes,
repeats, median_s, min_s, flops, gflops, gemm_fraction (null where it does not apply),
peak_rss_mb (the process's peak resident memory while the entry ran, its set-up included, in MiB),
notes,
and machine (hostname, cpu_model, build_flags, eigen_simd, matrix_products, compiler, shortrun
version and git).
Threads: --threads N (default 1) runs every entry on N OpenMP threads (a build with
-DSHORTRUN_OPENMP=ON; OMP_NUM_THREADS is ignored here so that the default stays one core): the
samplers' per-chain loops and their products split over chains, the ConvNet's chunks of images
over the threads, and the reference GEMM rows use the threaded GEMM (Eigen's or OpenBLAS's) on N
threads, so gemm_fraction compares with the N-thread GEMM rate. The table's first line and the
JSON rows (machine.threads) say how many threads ran. In an OpenBLAS build an OPENBLAS_CORETYPE
in the environment chooses OpenBLAS's kernel (the bench says so when it is set; the header names
the kernel in use).
Progress goes to stderr. Timings on a shared machine vary by 20-30 % between runs: compare rows
of one run, and use --repeats to tighten the medians. --quick shrinks every size (GEMM 128,
RBM 64 x 32 with k = 3, 100 chains, 4 PT sweeps) to check in seconds that every entry runs.

)";

using clock_type = std::chrono::steady_clock;

struct Machine {
  std::string hostname, cpu_model, build_flags, eigen_simd, matrix_products, compiler;
};

struct Row {
  std::string name, kernel, precision, sizes, notes;
  int repeats = 0;
  double median_s = 0, min_s = 0, flops = 0;
  std::optional<double> gemm_fraction;
  double peak_rss_mb = 0;  ///< the process's peak resident memory while the entry ran (set up included)
  double gflops() const { return median_s > 0 ? flops / median_s * 1e-9 : 0.0; }
};

struct Sizes {
  Index gemm_n = 1000;
  Index rbm_nv = 784, rbm_nh = 500, rbm_chains = 1000, rbm_k = 10, rbm_batch = 1000, rbm_data = 2000;
  Index pt_replicas = 20, pt_chains = 100, pt_sweeps = 10;
  std::vector<Index> bm_n = {64, 784};
  Index bm_chains = 1000;
  Index gauss_n = 256, gauss_chains = 1000;
  Index conv_side = 28, conv_chains = 100, conv_k = 20, conv_batch = 100;
  int repeats = 5;
};

Sizes quick_sizes() {
  Sizes s;
  s.gemm_n = 128;
  s.rbm_nv = 64;  // 8 x 8 bars and stripes
  s.rbm_nh = 32;
  s.rbm_chains = 100;
  s.rbm_k = 3;
  s.rbm_batch = 100;
  s.rbm_data = 500;
  s.pt_sweeps = 4;
  s.bm_n = {16, 64};
  s.bm_chains = 100;
  s.gauss_n = 32;
  s.gauss_chains = 100;
  s.conv_side = 12;  // 12 -> 6 -> 3 -> 2: the smallest side the three layers take is 9
  s.conv_chains = 10;
  s.conv_k = 2;
  s.conv_batch = 10;
  s.repeats = 2;
  return s;
}

std::string first_line_of(const char* path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string v = line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  return "unknown";
}

Machine this_machine() {
  Machine m;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) m.hostname = host;
  m.cpu_model = first_line_of("/proc/cpuinfo", "model name");
  m.build_flags = kBuildFlags;
  m.eigen_simd = Eigen::SimdInstructionSetsInUse();
  m.matrix_products = matrix_backend();
#ifdef __VERSION__
  m.compiler = __VERSION__;
#endif
  return m;
}

/// Runs `once(r)` one untimed time (r = 0) then `repeats` timed times (r = 1 .. repeats).
template <class F>
Row timed(const std::string& name, int repeats, F&& once) {
  std::fprintf(stderr, "bench: %-24s ", name.c_str());
  std::fflush(stderr);
  once(0);
  std::vector<double> t;
  for (int r = 1; r <= repeats; ++r) {
    const auto t0 = clock_type::now();
    once(r);
    t.push_back(std::chrono::duration<double>(clock_type::now() - t0).count());
    std::fputc('.', stderr);
    std::fflush(stderr);
  }
  std::sort(t.begin(), t.end());
  Row row;
  row.name = name;
  row.repeats = repeats;
  const std::size_t n = t.size();
  row.median_s = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
  row.min_s = t.front();
  std::fprintf(stderr, " %.4g s\n", row.median_s);
  return row;
}

/// Runs one bench entry and records its peak memory.
template <class F>
Row with_peak_rss(F&& entry) {
  cli::reset_peak_memory();
  Row row = entry();
  row.peak_rss_mb = cli::peak_memory_mb();
  return row;
}

/// Keeps results alive so the optimiser cannot drop the work.
volatile double g_sink = 0;

template <class Scalar>
Row bench_gemm(Index n, int repeats, int threads) {
  const MatrixOf<Scalar> a = MatrixOf<Scalar>::Random(n, n), b = MatrixOf<Scalar>::Random(n, n);
  MatrixOf<Scalar> c(n, n);
  const char* tag = sizeof(Scalar) == 4 ? "f32" : "f64";
  set_product_threads(threads);  // the machine's GEMM rate on this many threads
  Row row = timed(std::string("gemm.") + tag, repeats, [&](int) { c.noalias() = a * b; });
  set_product_threads(1);  // the kernels split their products themselves (core/threads.hpp)
  g_sink = g_sink + static_cast<double>(c(0, 0));
  row.kernel = "gemm";
  row.precision = sizeof(Scalar) == 4 ? "float32" : "float64";
  row.sizes = std::to_string(n) + "x" + std::to_string(n) + "x" + std::to_string(n);
  row.flops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  row.notes = matrix_backend() + " C = A B, " + row.sizes + ", " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
  return row;
}

/// W ~ N(0, 0.01^2), a = b = 0: a freshly initialised RBM.
BernoulliRbm bench_rbm(Index nv, Index nh) {
  BernoulliRbm rbm(nv, nh);
  Stream s(17, Purpose::data, 0);
  auto w = rbm.W();
  for (Index j = 0; j < nh; ++j)
    for (Index i = 0; i < nv; ++i) w(i, j) = 0.01 * s.normal();
  return rbm;
}

std::string rbm_sizes(const Sizes& z) {
  return "Nv=" + std::to_string(z.rbm_nv) + " Nh=" + std::to_string(z.rbm_nh) + " chains=" + std::to_string(z.rbm_chains);
}

template <class Scalar>
Row bench_block_gibbs(const Sizes& z) {
  const BernoulliRbm rbm = bench_rbm(z.rbm_nv, z.rbm_nh);
  const RbmParametersOf<Scalar> params(rbm);  // float64: an exact copy
  const ChainStreams rng{1, Purpose::sampler, 0, 0, 0};
  MatrixOf<Scalar> v(z.rbm_nv, z.rbm_chains), work;
  BinaryP0::uniform(Spin::zero_one, z.rbm_nv).draw(v, rng.with_purpose(Purpose::p0));
  const BlockGibbs gibbs;
  const char* tag = sizeof(Scalar) == 4 ? "f32" : "f64";
  Row row = timed(std::string("rbm.block_gibbs.") + tag, z.repeats, [&](int r) {
    if constexpr (std::is_same_v<Scalar, double>) {
      gibbs.step(rbm, v, rng.with_time(1, static_cast<std::uint64_t>(r)), work);  // what training calls
    } else {
      gibbs.step(params.weights(), v, rng.with_time(1, static_cast<std::uint64_t>(r)), work);
    }
  });
  g_sink = g_sink + static_cast<double>(v.sum());
  row.kernel = "rbm.block_gibbs";
  row.precision = sizeof(Scalar) == 4 ? "float32" : "float64";
  row.sizes = rbm_sizes(z);
  row.flops = 2.0 * 2.0 * static_cast<double>(z.rbm_nv * z.rbm_nh * z.rbm_chains);
  row.notes = "1 step (h|v, v|h), " + row.sizes;
  return row;
}

constexpr double kBenchLr = 0.01;

/// Times one training update per call through the composition, exactly as `shortrun train` builds
/// and runs it (families::with_run_types: model, sampler, p0, estimator, optimizer; the data term
/// in the estimator's precision; the trainer), updates r .. r of a plan, from parameters `start`.
/// Family: config's (with_family_run_types: instantiating every family's types for each row made
/// this the slowest file of the build).
template <class Family>
Row bench_training_update(const std::string& name, const RunConfig& config, const Dataset& data, int repeats,
                          const Vector& start) {
  return families::with_family_run_types<Family>(config, data, {0, 1}, [&](auto, auto& model, const auto&, const auto&,
                                                                         auto& estimator, auto& optimizer) {
    using Scalar = ScalarOf<std::remove_cvref_t<decltype(estimator)>>;
    families::set_params(model, start);
    DataTermOf<Scalar> data_term(data, config.batch, static_cast<std::uint64_t>(config.seed), 0, 1);
    LocalReducer team;
    Row row = timed(name, repeats, [&](int r) {
      TrainPlan plan;
      plan.updates = r + 1;
      plan.first_step = r + 1;
      plan.log_every = 1;
      const TrainOutcome out = train(model, data_term, estimator, optimizer, team, plan, TrainObserver{});
      if (out.status != RunStatus::completed) throw std::runtime_error("bench: " + name + ": " + out.reason);
    });
    g_sink = g_sink + model.params().sum();
    return row;
  });
}

/// The RBM rdm update's configuration: bars-and-stripes data, p0 uniform, plain SGD.
RunConfig bench_rbm_config(const Sizes& z, Precision precision) {
  RunConfig c;
  c.run_name = "bench";
  c.seed = 5;
  c.model_type = ModelType::rbm;
  c.n_visible = z.rbm_nv;
  c.n_hidden = z.rbm_nh;
  c.precision = precision;
  c.data_source = DataSource::bars_stripes;
  c.data_seed = 3;
  c.n_samples = z.rbm_data;
  c.scheme = Scheme::rdm;
  c.k = z.rbm_k;
  c.lr = kBenchLr;
  c.batch = z.rbm_batch;
  c.chains = z.rbm_chains;
  families::resolve_and_validate(c);
  return c;
}

template <class Scalar>
Row bench_rdm_update(const Sizes& z) {
  const RunConfig config = bench_rbm_config(z, std::is_same_v<Scalar, double> ? Precision::float64 : Precision::float32);
  const Dataset data = families::make_data(config);
  const BernoulliRbm start = bench_rbm(z.rbm_nv, z.rbm_nh);
  Row row = bench_training_update<families::Rbm>(std::string("rbm.rdm_update.") + (sizeof(Scalar) == 4 ? "f32" : "f64"),
                                                 config, data, z.repeats, start.params());
  row.kernel = "rbm.rdm_update";
  row.precision = sizeof(Scalar) == 4 ? "float32" : "float64";
  row.sizes = rbm_sizes(z) + " k=" + std::to_string(z.rbm_k) + " batch=" + std::to_string(z.rbm_batch);
  const double product = 2.0 * static_cast<double>(z.rbm_nv * z.rbm_nh);
  row.flops = product * static_cast<double>((2 * z.rbm_k + 2) * z.rbm_chains + 2 * z.rbm_batch);
  row.notes = "k=" + std::to_string(z.rbm_k) + ", the trainer (model.precision = " +
              (sizeof(Scalar) == 4 ? "float32" : "float64") + "), batch=" + std::to_string(z.rbm_batch);
  return row;
}

/// Parallel tempering of the bench RBM: pt_equilibrium (measure.equilibrium = pt) with a fixed
/// geometric ladder of pt_replicas rungs from beta = 0.05 (no adaptation), pt_chains ladders,
/// pt_sweeps - 2 burn-in sweeps and a 2-sweep window; the row is per sweep (the call's time /
/// pt_sweeps: the set-up, p0 draws and the window's statistics included).
Row bench_pt_sweep(const Sizes& z) {
  const BernoulliRbm rbm = bench_rbm(z.rbm_nv, z.rbm_nh);
  LongRunSpec spec;
  spec.n_chains = z.pt_chains;
  spec.burn_in = z.pt_sweeps - 2;
  spec.window = 2;
  spec.pt.replicas = z.pt_replicas;
  spec.pt.adapt = false;
  DataReference ref;
  ref.mean = Vector::Constant(z.rbm_nv, 0.5);
  ref.cov = Matrix::Zero(z.rbm_nv, z.rbm_nv);
  ref.h_mean = Vector::Constant(z.rbm_nh, 0.5);
  ref.vh = Matrix::Constant(z.rbm_nv, z.rbm_nh, 0.25);
  const BinaryP0 p0 = BinaryP0::uniform(Spin::zero_one, z.rbm_nv);
  LocalReducer team;
  const double sweeps = static_cast<double>(z.pt_sweeps);
  Row row = timed("rbm.pt_sweep.f64", z.repeats, [&](int r) {
    spec.seed = static_cast<std::uint64_t>(r + 1);
    const EquilibriumResult out = pt_equilibrium(rbm, BlockGibbs{}, p0, ref, spec, team);
    g_sink = g_sink + out.log_z + static_cast<double>(out.tempering.round_trips);
  });
  row.median_s /= sweeps;
  row.min_s /= sweeps;
  row.kernel = "rbm.pt_sweep";
  row.precision = "float64";
  row.sizes = "Nv=" + std::to_string(z.rbm_nv) + " Nh=" + std::to_string(z.rbm_nh) +
              " replicas=" + std::to_string(z.pt_replicas) + " chains=" + std::to_string(z.pt_chains);
  // Per sweep: a block-Gibbs step of every replica (2 products), and for every attempted pair
  // (k, k+1) (k even on even sweeps, odd on odd ones) four free energies F_beta from two products
  // (W^T v of each replica's states serves both rungs: BernoulliRbm::free_energies_at).
  const double product = 2.0 * static_cast<double>(z.rbm_nv * z.rbm_nh * z.pt_chains);
  double pairs = 0;
  for (Index t = 0; t < z.pt_sweeps; ++t)
    for (Index k = t % 2; k + 1 < z.pt_replicas; k += 2) pairs += 1;
  row.flops = product * (2.0 * static_cast<double>(z.pt_replicas) + 2.0 * pairs / sweeps);
  row.notes = "1 sweep (every replica's step + swaps), pt_equilibrium over " + std::to_string(z.pt_sweeps) +
              " sweeps / " + std::to_string(z.pt_sweeps) + ", " + row.sizes;
  return row;
}

Row bench_bm_sweep(Index n, Index n_chains, int repeats) {
  BoltzmannMachine bm(n, Spin::pm1);
  Stream s(19, Purpose::data, 0);
  const double scale = 0.5 / std::sqrt(static_cast<double>(n));
  for (Index i = 0; i < n; ++i)
    for (Index j = i + 1; j < n; ++j) bm.J()(i, j) = bm.J()(j, i) = scale * s.normal();
  const ChainStreams rng{1, Purpose::sampler, 0, 0, 0};
  Matrix x(n, n_chains), work;
  BinaryP0::uniform(Spin::pm1, n).draw(x, rng.with_purpose(Purpose::p0));
  const Gibbs gibbs;
  Row row = timed("bm.gibbs_sweep.n" + std::to_string(n), repeats,
                  [&](int r) { gibbs.step(bm, x, rng.with_time(1, static_cast<std::uint64_t>(r)), work); });
  g_sink = g_sink + x.sum();
  row.kernel = "bm.gibbs_sweep";
  row.precision = "float64";
  row.sizes = "N=" + std::to_string(n) + " chains=" + std::to_string(n_chains);
  row.flops = 2.0 * static_cast<double>(n * n * n_chains);
  row.notes = "1 sequential sweep, " + row.sizes;
  return row;
}

/// One rdm update of a Boltzmann machine as `shortrun train` runs it: N = 784 (bm_n's largest),
/// bm_chains chains, random-site Gibbs (sampler.type = gibbs-random), model.precision = float32,
/// k = rbm_k sweeps from p0 = uniform, a minibatch of rbm_batch of rbm_data samples of independent
/// spins, plain SGD.
Row bench_bm_rdm_update(const Sizes& z) {
  const Index n = z.bm_n.back();
  RunConfig c;
  c.run_name = "bench";
  c.seed = 5;
  c.model_type = ModelType::bm;
  c.n_visible = n;
  c.data_source = DataSource::spins;
  c.magnetization = {0.2};
  c.data_seed = 3;
  c.n_samples = z.rbm_data;
  c.sampler_type = SamplerType::gibbs_random;
  c.precision = Precision::float32;
  c.scheme = Scheme::rdm;
  c.k = z.rbm_k;
  c.lr = kBenchLr;
  c.batch = z.rbm_batch;
  c.chains = z.bm_chains;
  families::resolve_and_validate(c);
  const Dataset data = families::make_data(c);
  Vector start = Vector::Zero(families::model_layout(c, data).size());
  Row row = bench_training_update<families::Bm>("bm.rdm_update.f32", c, data, z.repeats, start);
  row.kernel = "bm.rdm_update";
  row.precision = "float32";
  row.sizes = "N=" + std::to_string(n) + " chains=" + std::to_string(z.bm_chains) + " k=" + std::to_string(z.rbm_k) +
              " batch=" + std::to_string(z.rbm_batch);
  // The matrix products the update cannot avoid: each sweep's local fields J s (2 N^2 per chain;
  // the per-flip O(N) updates that follow add as many again at a flip rate of 1), the chains'
  // s s^T and the minibatch's x x^T.
  const double square = 2.0 * static_cast<double>(n * n);
  row.flops = square * static_cast<double>((z.rbm_k + 1) * z.bm_chains + z.rbm_batch);
  row.notes = "k=" + std::to_string(z.rbm_k) + ", gibbs-random, the trainer (model.precision = float32), batch=" +
              std::to_string(z.rbm_batch);
  return row;
}

Row bench_ula_step(Index n, Index n_chains, int repeats) {
  GaussianEnergy model(n);
  Stream s(23, Purpose::data, 0);
  auto j = model.J();
  j.setIdentity();
  for (Index a = 0; a < n; ++a)
    for (Index b = a + 1; b < n; ++b) j(a, b) = j(b, a) = 0.1 / std::sqrt(static_cast<double>(n)) * s.normal();
  const ChainStreams rng{1, Purpose::sampler, 0, 0, 0};
  Matrix x(n, n_chains), work;
  P0(P0::Kind::gaussian, 1.0).draw(x, rng.with_purpose(Purpose::p0));
  const Langevin ula(0.05, 1.0);
  Row row = timed("gaussian.ula_step.n" + std::to_string(n), repeats,
                  [&](int r) { ula.step(model, x, rng.with_time(1, static_cast<std::uint64_t>(r)), work); });
  g_sink = g_sink + x.sum();
  row.kernel = "gaussian.ula_step";
  row.precision = "float64";
  row.sizes = "N=" + std::to_string(n) + " chains=" + std::to_string(n_chains);
  row.flops = 2.0 * static_cast<double>(n * n * n_chains);
  row.notes = "1 ULA step, " + row.sizes;
  return row;
}

/// The documented network (16, 32, 64 channels, SiLU) on side x side images, initialised as in
/// training (init_params, seed 1).
ConvNet<float> bench_convnet(Index side) {
  ConvNetShape shape;
  shape.height = side;
  shape.width = side;
  ConvNet<float> net(shape);
  net.init_params(1);
  return net;
}

std::string conv_sizes(const Sizes& z, Index n) {
  return std::to_string(z.conv_side) + "x" + std::to_string(z.conv_side) + " channels=16,32,64 n=" + std::to_string(n);
}

Row bench_convnet_ula_step(const Sizes& z) {
  const ConvNet<float> net = bench_convnet(z.conv_side);
  const ChainStreams rng{1, Purpose::sampler, 0, 0, 0};
  Matrix x(net.dim(), z.conv_chains), work;
  P0(P0::Kind::uniform, 0.0).draw(x, rng.with_purpose(Purpose::p0));
  const Langevin ula(1.0, 5e-5);  // convnet-fashion-mnist.ini's step and temperature
  const std::string side = std::to_string(z.conv_side);
  Row row = timed("convnet.ula_step." + side + "x" + side, z.repeats,
                  [&](int r) { ula.step(net, x, rng.with_time(1, static_cast<std::uint64_t>(r)), work); });
  g_sink = g_sink + x.sum();
  row.kernel = "convnet.ula_step";
  row.precision = "float32";
  row.sizes = conv_sizes(z, z.conv_chains);
  row.flops = net.flops_per_image().langevin() * static_cast<double>(z.conv_chains);
  row.notes = "1 ULA step (forward + dE/dx + noise), chains=" + std::to_string(z.conv_chains);
  return row;
}

/// Blobs images of the bench side, mapped to [-1, 1] as the app maps images for the convnet.
Dataset bench_convnet_data(const Sizes& z) {
  BlobsSpec spec;
  spec.side = z.conv_side;
  spec.n_samples = 1000;
  spec.seed = 3;
  Dataset data = make_blobs_data(spec).data;
  data.x = 2.0 * data.x.array() - 1.0;
  compute_moments(data);
  return data;
}

Row bench_convnet_param_grad(const Sizes& z) {
  const ConvNet<float> net = bench_convnet(z.conv_side);
  const Dataset data = bench_convnet_data(z);
  const Matrix x = data.x.leftCols(z.conv_batch);
  Vector grad = Vector::Zero(net.params().size());
  const std::string side = std::to_string(z.conv_side);
  Row row = timed("convnet.param_grad." + side + "x" + side, z.repeats,
                  [&](int) { net.accumulate_grad_energy(x, 1.0 / static_cast<double>(z.conv_batch), grad); });
  g_sink = g_sink + grad.sum();
  row.kernel = "convnet.param_grad";
  row.precision = "float32";
  row.sizes = conv_sizes(z, z.conv_batch);
  row.flops = net.flops_per_image().parameter_gradient() * static_cast<double>(z.conv_batch);
  row.notes = "forward + dE/dtheta of " + std::to_string(z.conv_batch) + " images";
  return row;
}

/// One rdm update of the documented network through the composition and the trainer, with
/// convnet-fashion-mnist.ini's sampler and optimizer (ULA step 1, T = 5e-5, Adam 1e-4) on blobs.
Row bench_convnet_rdm_update(const Sizes& z) {
  RunConfig c;
  c.run_name = "bench";
  c.seed = 5;
  c.model_type = ModelType::convnet;
  c.data_source = DataSource::blobs;
  c.n_visible = z.conv_side * z.conv_side;
  c.data_seed = 3;
  c.n_samples = 1000;
  c.step = 1.0;
  c.temperature = 5e-5;
  c.scheme = Scheme::rdm;
  c.k = z.conv_k;
  c.lr = 1e-4;
  c.optimizer = OptimizerType::adam;
  c.batch = z.conv_batch;
  c.chains = z.conv_chains;
  families::resolve_and_validate(c);
  const Dataset data = families::make_data(c);
  const ConvNet<float> net = bench_convnet(z.conv_side);
  const std::string side = std::to_string(z.conv_side);
  Row row = bench_training_update<families::ConvNetFamily>("convnet.rdm_update." + side + "x" + side, c, data,
                                                          z.repeats, net.params());
  const ConvNetFlops f = net.flops_per_image();
  row.kernel = "convnet.rdm_update";
  row.precision = "float32";
  row.sizes = conv_sizes(z, z.conv_chains) + " k=" + std::to_string(z.conv_k) + " batch=" + std::to_string(z.conv_batch);
  row.flops = static_cast<double>(z.conv_k * z.conv_chains) * f.langevin() +
              static_cast<double>(z.conv_chains + z.conv_batch) * f.parameter_gradient();
  row.notes = "k=" + std::to_string(z.conv_k) + ", the trainer (Adam), chains=" + std::to_string(z.conv_chains) +
              ", batch=" + std::to_string(z.conv_batch);
  return row;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_number(double x) {
  if (!std::isfinite(x)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

void print_json(const std::vector<Row>& rows, const Machine& m, int threads) {
  const std::string machine = "{\"hostname\": " + json_string(m.hostname) + ", \"cpu_model\": " + json_string(m.cpu_model) +
                              ", \"build_flags\": " + json_string(m.build_flags) + ", \"eigen_simd\": " +
                              json_string(m.eigen_simd) + ", \"matrix_products\": " + json_string(m.matrix_products) +
                              ", \"compiler\": " + json_string(m.compiler) +
                              ", \"threads\": " + std::to_string(threads) + ", \"shortrun_version\": " + json_string(kVersion) +
                              ", \"git_sha\": " + json_string(kGitSha) + "}";
  std::printf("[\n");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    std::printf("  {\"name\": %s, \"kernel\": %s, \"precision\": %s, \"sizes\": %s, \"repeats\": %d, "
                "\"median_s\": %s, \"min_s\": %s, \"flops\": %s, \"gflops\": %s, \"gemm_fraction\": %s, "
                "\"peak_rss_mb\": %s, \"notes\": %s,\n   \"machine\": %s}%s\n",
                json_string(r.name).c_str(), json_string(r.kernel).c_str(), json_string(r.precision).c_str(),
                json_string(r.sizes).c_str(), r.repeats, json_number(r.median_s).c_str(), json_number(r.min_s).c_str(),
                json_number(r.flops).c_str(), json_number(r.gflops()).c_str(),
                r.gemm_fraction ? json_number(*r.gemm_fraction).c_str() : "null", json_number(r.peak_rss_mb).c_str(),
                json_string(r.notes).c_str(),
                machine.c_str(), i + 1 < rows.size() ? "," : "");
  }
  std::printf("]\n");
}

void print_table(const std::vector<Row>& rows, const Machine& m, int threads) {
  std::printf("shortrun bench on %s: %s; build %s; Eigen SIMD: %s; products: %s; %d %s\n", m.hostname.c_str(),
              m.cpu_model.c_str(), m.build_flags.c_str(), m.eigen_simd.c_str(), m.matrix_products.c_str(), threads, threads == 1 ? "thread" : "threads");
  std::printf("%-24s %10s %9s %14s  %s\n", "name", "median_s", "GFLOP/s", "gemm_fraction", "notes");
  for (const Row& r : rows) {
    char fraction[32] = "-";
    if (r.gemm_fraction) std::snprintf(fraction, sizeof fraction, "%.2f", *r.gemm_fraction);
    std::printf("%-24s %10.4g %9.1f %14s  %s\n", r.name.c_str(), r.median_s, r.gflops(), fraction, r.notes.c_str());
  }
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  std::string what = "all";
  bool json = false, quick = false;
  int repeats = 0, threads = 1;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("what", po::value<std::string>(&what),
                                                  "rbm, pt, bm, gaussian, convnet, gemm or all (default all)")(
      "json", po::bool_switch(&json), "print a JSON list instead of the table")(
      "repeats", po::value<int>(&repeats), "timed repeats per entry (default 5; 2 with --quick)")(
      "quick", po::bool_switch(&quick), "small sizes and 2 repeats (checks that every entry runs)")(
      "threads", po::value<int>(&threads), "OpenMP threads (default 1; > 1 needs a build with SHORTRUN_OPENMP=ON)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw BadInput(std::string("shortrun bench: ") + e.what() + " (see shortrun bench --help)");
  }
  if (vm.count("help")) {
    std::cout << kHelp << opts;
    return kExitOk;
  }
  if (what != "rbm" && what != "pt" && what != "bm" && what != "gaussian" && what != "convnet" && what != "gemm" &&
      what != "all")
    throw BadInput("--what: expected rbm, pt, bm, gaussian, convnet, gemm or all, got '" + what + "'");
  Sizes z = quick ? quick_sizes() : Sizes{};
  if (vm.count("repeats")) {
    if (repeats < 1) throw BadInput("--repeats: expected an integer >= 1, got " + std::to_string(repeats));
    z.repeats = repeats;
  }
  if (threads < 1) throw BadInput("--threads: expected an integer >= 1, got " + std::to_string(threads));
  if (threads > max_thread_count())
    throw BadInput("--threads: " + std::to_string(threads) + " threads asked, but this build " +
                   (max_thread_count() == 1 ? std::string("has no OpenMP (configure with -DSHORTRUN_OPENMP=ON)")
                                            : "allows at most " + std::to_string(max_thread_count())));
  set_thread_count(threads);
  const bool all = what == "all";
  set_product_threads(1);  // the kernels split their products over chains themselves (core/threads.hpp)
  // OpenBLAS takes its kernel from OPENBLAS_CORETYPE when set (read as the library loads): a value
  // meant for another program can select slower kernels than this CPU runs (an environment that sets OPENBLAS_CORETYPE=Haswell; README, Performance).
  if (const char* core = std::getenv("OPENBLAS_CORETYPE"); core && matrix_backend().rfind("OpenBLAS", 0) == 0)
    std::fprintf(stderr, "bench: OPENBLAS_CORETYPE=%s is set: OpenBLAS uses its %s kernels (unset it to let OpenBLAS pick "
                 "this CPU's)\n", core, core);

  // The GEMM rates are the reference of every gemm_fraction: always measured.
  std::vector<Row> rows;
  rows.push_back(with_peak_rss([&] { return bench_gemm<float>(z.gemm_n, z.repeats, threads); }));
  rows.push_back(with_peak_rss([&] { return bench_gemm<double>(z.gemm_n, z.repeats, threads); }));
  const double rate32 = rows[0].flops / rows[0].median_s, rate64 = rows[1].flops / rows[1].median_s;
  const std::size_t first_kernel = rows.size();
  if (all || what == "rbm") {
    rows.push_back(with_peak_rss([&] { return bench_block_gibbs<float>(z); }));
    rows.push_back(with_peak_rss([&] { return bench_block_gibbs<double>(z); }));
    rows.push_back(with_peak_rss([&] { return bench_rdm_update<float>(z); }));
    rows.push_back(with_peak_rss([&] { return bench_rdm_update<double>(z); }));
  }
  if (all || what == "pt") rows.push_back(with_peak_rss([&] { return bench_pt_sweep(z); }));
  if (all || what == "bm") {
    for (Index n : z.bm_n) rows.push_back(with_peak_rss([&] { return bench_bm_sweep(n, z.bm_chains, z.repeats); }));
    rows.push_back(with_peak_rss([&] { return bench_bm_rdm_update(z); }));
  }
  if (all || what == "gaussian") rows.push_back(with_peak_rss([&] { return bench_ula_step(z.gauss_n, z.gauss_chains, z.repeats); }));
  if (all || what == "convnet") {
    rows.push_back(with_peak_rss([&] { return bench_convnet_ula_step(z); }));
    rows.push_back(with_peak_rss([&] { return bench_convnet_param_grad(z); }));
    rows.push_back(with_peak_rss([&] { return bench_convnet_rdm_update(z); }));
  }
  for (std::size_t i = first_kernel; i < rows.size(); ++i) {
    Row& r = rows[i];
    const double rate = r.precision == "float32" ? rate32 : rate64;
    r.gemm_fraction = (r.flops / rate) / r.median_s;
  }

  const Machine machine = this_machine();
  if (json) print_json(rows, machine, threads);
  else print_table(rows, machine, threads);
  return kExitOk;
}

}  // namespace shortrun::cli

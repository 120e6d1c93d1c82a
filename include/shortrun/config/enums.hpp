#pragma once
/// The enums of the configuration keys that take one of a fixed set of names. Those the numerical
/// core uses itself (Scheme, Spin, Activation, IsingGraph, EquilibriumMethod, RunStatus) are
/// defined next to the code that uses them; the names of all of them are in config/names.hpp.
#include "shortrun/data/ising_graph.hpp"
#include "shortrun/estimators/scheme.hpp"
#include "shortrun/measure/equilibrium_method.hpp"
#include "shortrun/models/activation.hpp"
#include "shortrun/models/spin.hpp"
#include "shortrun/training/run_status.hpp"

namespace shortrun {

/// model.type: the energy model, one family each (families/).
enum class ModelType { gaussian, spins, bm, rbm, convnet };

/// data.source.
enum class DataSource { gaussian, spins, ising, bars_stripes, idx, hdf5, fashion_mnist, blobs };

/// sampler.type: the MCMC kernel; one step = one sweep.
enum class SamplerType { langevin, gibbs, gibbs_random, metropolis, metropolis_random, block_gibbs };

/// init.type: p0, the law chains start from.
enum class P0Type { gaussian, zeros, uniform, data_mean };

/// model.precision: the working precision of chains, samplers and gradient statistics.
enum class Precision { float64, float32 };

/// train.optimizer.
enum class OptimizerType { sgd, adam };

/// train.moments: moments of p_k from chains, or exactly (closed form / propagated law).
enum class MomentsMode { sampled, exact };

/// measure.moments: as train.moments (automatic), from chains, or the exact law p_t.
enum class MeasureMoments { automatic, sampled, exact };

/// measure.at: which checkpoints the measurement visits.
enum class MeasureAt { last, all };

}  // namespace shortrun

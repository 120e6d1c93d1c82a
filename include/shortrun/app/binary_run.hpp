#pragma once
/// Composition of the binary models' runs (spins, bm, rbm): data, sampler, p0, estimator and
/// optimizer chosen from the config once per run; training; and /theory for independent spins
/// (THEORY.md section 3).
#include <string>

#include "shortrun/app/train_loop.hpp"
#include "shortrun/core/config.hpp"
#include "shortrun/data/dataset.hpp"
#include "shortrun/io/h5.hpp"
#include "shortrun/parallel/mpi.hpp"
#include "shortrun/samplers/single_site.hpp"

namespace shortrun::cli {

/// Calls f(sampler) with the single-site sampler named `name` (one instantiation per kernel).
template <class F>
auto with_site_sampler(const std::string& name, F&& f) {
  if (name == "gibbs") return f(Gibbs{});
  if (name == "gibbs-random") return f(GibbsRandom{});
  if (name == "metropolis") return f(Metropolis{});
  return f(MetropolisRandom{});  // validated: metropolis-random
}

/// The data set of a binary model's config (data.source), in the model's spin convention, with
/// model.n_visible checked against it. BadInput naming the key or file.
Dataset make_binary_data(const RunConfig& config);

/// Trains a spins, bm or rbm configuration on `team` (collective).
ModelOutcome train_binary(const RunConfig& config, const Dataset& data, mpi::Communicator& team,
                          const TrainHooks& hooks);

/// /theory for independent spins: m_data [N], h_ml [N] (exact, cd, pcd fixed point), h_star [N]
/// (rdm fixed point; closed form for gibbs-random, NaN for the other samplers and where no fixed
/// point exists), t [T], m_theory [T,N] (m_i(t) of the trained fields from p0) and h_trained [N].
void write_spins_theory(h5::Group& parent, const RunConfig& config, const Dataset& data,
                        const Vector* trained_h);

/// Trained fields against theory for the first sites; max |h_trained - expected|.
std::string spins_summary_table(const RunConfig& config, const Dataset& data, const Vector& h,
                                double* max_gap);

}  // namespace shortrun::cli

#pragma once
/// The dynamics measurement of docs/theory.md section 5: R fresh chains drawn from the training p0 and
/// moved by the training sampler for t = 0 .. t_max sweeps, with ChainStatistics recorded at a
/// given increasing grid of times (log_grid(t_max, t_points, true, {k}): 0, k and t_max included).
/// Chains are shared over a team by (rank, size) with global chain indices, and every random number
/// is addressed by (seed, purpose, global chain, measurement, step), so the statistics do not
/// depend on the team size up to the order of floating-point sums, and are bitwise identical for
/// the same team size:
///   start:  Stream(seed, Purpose::measure_p0,      chain, measurement, 0)
///   step s: Stream(seed, Purpose::measure_sampler, chain, measurement, s)   (t = s -> s + 1)
/// The chains run in precision Scalar (the run's model.precision): float32 chains are stepped on
/// the model's float32 working copy (models/working_precision.hpp), as training steps them, and
/// widened to double (exactly) at each recorded time, so the statistics are summed in double in
/// either precision. float32 draws other numbers from the same streams (docs/hdf5-schema.md).
/// A trained model may have no equilibrium (a Gaussian mode with J* < 0 grows without bound for
/// t > k): statistics are recorded while finite; at the first recorded time where any of them is
/// not, the measurement stops and says so (overflow, overflow_t). No NaN is ever returned as a value.
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "shortrun/core/parameters.hpp"
#include "shortrun/core/progress_tick.hpp"
#include "shortrun/core/random.hpp"
#include "shortrun/core/reducer.hpp"
#include "shortrun/core/team_share.hpp"
#include "shortrun/core/types.hpp"
#include "shortrun/models/working_precision.hpp"
#include "shortrun/observables/chain_statistics.hpp"

namespace shortrun {

struct DynamicsSpec {
  Index n_chains = 1000;           ///< R, for the whole team
  std::vector<Index> times;        ///< recorded times, strictly increasing, >= 0
  std::uint64_t seed = 1;          ///< the run's seed
  /// Which measurement this is (e.g. the checkpoint's update): measurements of different
  /// checkpoints of one run draw independent chains.
  std::uint64_t measurement = 0;
  std::vector<Index> sample_times; ///< recorded times at which to keep samples (subset of times)
  Index n_kept = 0;                ///< chains kept at each sample time: global chains 0 .. n_kept-1
};

/// Samples kept at one time, for images: x (N x n_kept), column j = global chain j.
struct KeptSamples {
  Index t = 0;
  Matrix x;
};

struct DynamicsResult {
  std::vector<Index> t;                ///< recorded times with finite statistics, increasing
  std::vector<ChainStatistics> stats;  ///< one per entry of t
  /// A statistic became non-finite: the chains overflowed (no equilibrium). Times after
  /// overflow_t were not simulated.
  bool overflow = false;
  /// First recorded time with a non-finite statistic (-1: none). The overflow happened at a step
  /// in (last entry of t, overflow_t].
  Index overflow_t = -1;
  std::vector<KeptSamples> samples;    ///< at the sample times reached with finite statistics
  Index n_chains = 0;                  ///< R (0: an exact law, no chains)

  /// Records the statistics at time t, or flags the overflow there when any is non-finite.
  /// Returns false in that case: the caller stops, later times are not simulated.
  bool record(Index t_now, ChainStatistics s) {
    if (!s.finite) {
      overflow = true;
      overflow_t = t_now;
      return false;
    }
    t.push_back(t_now);
    stats.push_back(std::move(s));
    return true;
  }
};

/// Throws std::invalid_argument unless times is strictly increasing and >= 0.
inline void check_times(const std::vector<Index>& times) {
  for (std::size_t i = 0; i < times.size(); ++i)
    if (times[i] < 0 || (i > 0 && times[i] <= times[i - 1]))
      throw std::invalid_argument("measurement times must be increasing and >= 0");
}

/// Global chains 0 .. n_kept-1 of a team whose rank holds chains x (N x share.count) from
/// share.begin on, on every rank (collective): each rank fills the kept chains it holds and the sum
/// over the team assembles them exactly.
template <Reducer R>
Matrix gather_kept(const Matrix& x, const Share& share, Index n_kept, R& team) {
  Matrix kept = Matrix::Zero(x.rows(), n_kept);
  for (Index j = 0; j < share.count; ++j)
    if (share.begin + j < n_kept) kept.col(share.begin + j) = x.col(j);
  team.sum_inplace({kept.data(), static_cast<std::size_t>(kept.size())});
  return kept;
}

/// Runs the measurement on this rank's share of the chains and reduces over `team` at every
/// recorded time (one sum_inplace of the GroupedChainSums, whose total is the ChainSums, plus one
/// per sample time), so every rank of the
/// team returns the same result. Collective: every rank of the team must call it.
/// Model: energy(x) and, through its working copy in precision Scalar, what Sampler::step needs;
/// Start: draw(MatrixOf<Scalar>&, const ChainStreams&).
template <class Scalar = double, class Model, class Sampler, class Start, Reducer R>
  requires HasWorkingPrecision<Model, Scalar>
DynamicsResult measure_dynamics(const Model& model, const Sampler& sampler, const Start& p0,
                                const DataReference& ref, const DynamicsSpec& spec, R& team) {
  check_times(spec.times);
  if (spec.n_chains < 1) throw std::invalid_argument("measure_dynamics: n_chains must be >= 1");
  const Index n = ref.dim();
  const Index n_kept = std::min(spec.n_kept, spec.n_chains);
  const Share share = share_of(spec.n_chains, team.rank(), team.size());
  ChainStreams streams;
  streams.seed = spec.seed;
  streams.first_chain = static_cast<std::uint64_t>(share.begin);

  MatrixOf<Scalar> chains(n, share.count), work(n, share.count);
  p0.draw(chains, streams.with_purpose(Purpose::measure_p0).with_time(spec.measurement, 0));
  const ChainStreams noise = streams.with_purpose(Purpose::measure_sampler);
  const auto& working = working_precision<Scalar>(model);
  // The chains in double for the statistics: the chains themselves in float64, a widened copy
  // (exact) in float32.
  Matrix widened;
  const auto as_double = [&]() -> const Matrix& {
    if constexpr (std::is_same_v<Scalar, double>) {
      return chains;
    } else {
      widened = chains.template cast<double>();
      return widened;
    }
  };

  DynamicsResult out;
  out.n_chains = spec.n_chains;
  ChainSums sums(ref);
  GroupedChainSums groups(ref);
  Index t = 0;
  std::size_t next_sample = 0;
  for (const Index target : spec.times) {
    for (; t < target; ++t) {
      sampler.step(working, chains, noise.with_time(spec.measurement, static_cast<std::uint64_t>(t)), work);
      progress_tick();
    }
    const Matrix& x = as_double();
    groups.clear();
    if (share.count > 0) accumulate_chains(model, x, ref, groups, share.begin);
    team.sum_inplace(as_span(groups.flat()));
    groups.total(sums);
    // The statistics are identical on every rank after the sum, so this branch is collective.
    if (!out.record(target, finish(sums, groups, ref))) break;
    while (next_sample < spec.sample_times.size() && spec.sample_times[next_sample] < target) ++next_sample;
    if (n_kept > 0 && next_sample < spec.sample_times.size() && spec.sample_times[next_sample] == target)
      out.samples.push_back({target, gather_kept(x, share, n_kept, team)});
  }
  return out;
}

}  // namespace shortrun

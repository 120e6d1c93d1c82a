#pragma once
/// log Z of a bm or rbm measurement beyond enumeration (CheckpointMeasurement::log_z; the formulas:
/// theory/ais.hpp and measure/equilibrium.hpp, "pt"): forward AIS from the base law (a stochastic
/// lower bound), reverse AIS from the equilibrium reference's final beta = 1 states (pt, or long-run
/// chains: a stochastic upper bound as good as those states), both with measure.ais_runs runs split
/// over the team by global run index, and the bridge estimate along the PT ladder; combined by
/// combine_log_z (the bridge is the estimate when PT converged, else the middle of the AIS bracket).
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "shortrun/config/run_config.hpp"
#include "shortrun/core/team_share.hpp"
#include "shortrun/measure/checkpoint_measurement.hpp"
#include "shortrun/theory/ais.hpp"

namespace shortrun::families {

/// forward(first, count) -> log w of forward runs first .. first + count - 1; reverse(start, first,
/// count) the same for reverse runs from the columns of start. Collective over team.
template <class Forward, class Reverse, class R>
void measure_log_z(const RunConfig& c, double log_z_base, Forward&& forward, Reverse&& reverse,
                   CheckpointMeasurement& out, R& team) {
  const EquilibriumResult& e = out.equilibrium;
  if (!is_sampled(e.method) && e.method != EquilibriumMethod::none)
    return;  // exact (or theory): log Z is the reference's own
  const bool sampled = e.exists && is_sampled(e.method);
  const bool bridge = e.exists && is_tempered(e.method) && std::isfinite(e.tempering.log_z);
  std::optional<AisResult> fwd, rev;
  std::string source;
  auto runs = [&](auto&& weights) {
    const Share share = share_of(c.ais_runs, team.rank(), team.size());
    Vector log_w = Vector::Zero(c.ais_runs);
    if (share.count > 0) log_w.segment(share.begin, share.count) = weights(share.begin, share.count);
    team.sum_inplace({log_w.data(), static_cast<std::size_t>(log_w.size())});
    return log_w;
  };
  if (sampled) source = name_of(e.method);  // names the reverse runs' start and the bridge's ladder
  if (c.ais_runs > 0) {
    fwd = ais_estimate(runs(forward), log_z_base);
    if (sampled && e.final_states.cols() > 0)
      rev = reverse_ais_estimate(runs([&](Index first, Index count) { return reverse(e.final_states, first, count); }),
                                 log_z_base);
  }
  if (!fwd && !bridge) return;
  out.log_z = combine_log_z(fwd ? &*fwd : nullptr, rev ? &*rev : nullptr, source, e.check.converged,
                            bridge ? e.tempering.log_z : std::numeric_limits<double>::quiet_NaN(),
                            e.tempering.log_z_se, e.check.converged);
}

}  // namespace shortrun::families

// The ladder helpers of parallel tempering (measure/equilibrium.hpp, pt_equilibrium).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "shortrun/measure/equilibrium.hpp"
#include "shortrun/core/format.hpp"

namespace shortrun {

std::vector<double> geometric_ladder(double beta_min, Index count) {
  if (count < 1 || !(beta_min > 0.0 && beta_min <= 1.0))
    throw std::invalid_argument("pt ladder: needs at least one replica and beta_min in (0, 1]");
  std::vector<double> b(static_cast<std::size_t>(count), 1.0);
  for (Index k = 0; k + 1 < count; ++k)
    b[static_cast<std::size_t>(k)] = std::pow(beta_min, static_cast<double>(count - 1 - k) / static_cast<double>(count - 1));
  return b;
}

std::vector<std::size_t> trajectory_ladder(const std::vector<Index>& steps, Index step, Index rungs) {
  std::size_t m = 0;  // checkpoints before `step`
  while (m < steps.size() && steps[m] < step) ++m;
  std::vector<std::size_t> out;
  if (m == 0 || rungs < 1) return out;
  if (rungs == 1) return {0};
  if (static_cast<std::size_t>(rungs) >= m) {
    for (std::size_t i = 0; i < m; ++i) out.push_back(i);
    return out;
  }
  for (Index j = 0; j < rungs; ++j)  // distinct, as rungs <= m
    out.push_back(static_cast<std::size_t>(
        std::llround(static_cast<double>(j) * static_cast<double>(m - 1) / static_cast<double>(rungs - 1))));
  return out;
}

void check_ladder(const std::vector<double>& betas) {
  if (betas.empty() || betas.back() != 1.0)
    throw std::invalid_argument("pt ladder: needs at least one beta, the last equal to 1");
  for (std::size_t k = 0; k < betas.size(); ++k)
    if (!(betas[k] > 0.0 && (k == 0 || betas[k] >= betas[k - 1])))
      throw std::invalid_argument("pt ladder: betas must be positive and non-decreasing");
}

std::string describe(const TemperingResult& r) {
  std::string out = std::to_string(r.betas.size()) + " replicas";
  if (!r.steps.empty()) {
    out += " along the training checkpoints of updates ";
    for (std::size_t k = 0; k < r.steps.size(); ++k) out += (k > 0 ? "," : "") + std::to_string(r.steps[k]);
  } else if (!r.betas.empty()) {
    out += ", beta_1 = " + format_number(r.betas.front());
  }
  if (r.inserted > 0) out += " (" + std::to_string(r.inserted) + " inserted)";
  if (!r.acceptance.empty())
    out += ", swap acceptance min " + format_number(*std::min_element(r.acceptance.begin(), r.acceptance.end()));
  out += ", " + std::to_string(r.round_trips) + " round trips";
  if (r.first_round_trip >= 0) out += " (first after " + std::to_string(r.first_round_trip) + " sweeps)";
  return out;
}

}  // namespace shortrun

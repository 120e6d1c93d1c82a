#include "shortrun/data/spins_data.hpp"

#include <cmath>
#include <string>

#include "shortrun/core/error.hpp"
#include "shortrun/core/random.hpp"

namespace shortrun {

Dataset make_spins_data(const SpinsDataSpec& spec) {
  const Index n = spec.magnetization.size();
  if (n == 0) throw BadInput("data.magnetization: empty; expected one value per unit in [-1, 1]");
  for (Index i = 0; i < n; ++i) {
    const double m = spec.magnetization[i];
    if (!std::isfinite(m) || m < -1.0 || m > 1.0)
      throw BadInput("data.magnetization: entry " + std::to_string(i) + " is " + std::to_string(m) +
                     "; expected a finite value in [-1, 1]");
  }
  if (spec.n_samples < 0)
    throw BadInput("data.n_samples: " + std::to_string(spec.n_samples) + "; expected >= 0");

  const Vector p = (1.0 + spec.magnetization.array()) / 2.0;
  const double low = spin_low(spec.spin), gap = spin_gap(spec.spin);
  Dataset d;
  if (spec.n_samples == 0) {
    d.population = true;
    d.mean = (low + gap * p.array()).matrix();
    d.cov = (gap * gap * p.array() * (1.0 - p.array())).matrix().asDiagonal();
    return d;
  }
  d.x.resize(n, spec.n_samples);
  for (Index s = 0; s < spec.n_samples; ++s) {
    Stream rng(spec.seed, Purpose::data, static_cast<std::uint64_t>(s));
    for (Index i = 0; i < n; ++i) d.x(i, s) = rng.uniform() <= p[i] ? 1.0 : low;
  }
  compute_moments(d);
  return d;
}

}  // namespace shortrun

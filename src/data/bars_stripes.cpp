#include "shortrun/data/bars_stripes.hpp"

#include <cmath>
#include <string>

#include "shortrun/core/error.hpp"
#include "shortrun/core/random.hpp"

namespace shortrun {

namespace {

/// Writes the image with line pattern `code` (line r on iff bit r set) into column `out`:
/// stripes light whole rows, bars whole columns.
void draw_image(Index side, bool bars, std::uint64_t code, double low, Eigen::Ref<Vector> out) {
  for (Index r = 0; r < side; ++r)
    for (Index c = 0; c < side; ++c) {
      const Index line = bars ? c : r;
      out[r * side + c] = (code >> line) & 1U ? 1.0 : low;
    }
}

void check_side(Index side, Index max_side) {
  if (side < 1 || side > max_side)
    throw BadInput("model.n_visible: bars-stripes side L = " + std::to_string(side) +
                   "; expected 1 <= L <= " + std::to_string(max_side) + " (n_visible = L^2)");
}

}  // namespace

Index square_side(Index n_visible, const char* what) {
  const auto side = static_cast<Index>(std::llround(std::sqrt(static_cast<double>(n_visible))));
  if (n_visible < 1 || side * side != n_visible)
    throw BadInput(std::string(what) + ": " + std::to_string(n_visible) +
                   "; expected a perfect square L^2 (L x L images)");
  return side;
}

Matrix all_bars_stripes(Index side, Spin spin) {
  check_side(side, kMaxBarsStripesSideAll);
  const Index patterns = Index{1} << side;
  const double low = spin_low(spin);
  Matrix x(side * side, 2 * patterns - 2);
  Index col = 0;
  for (Index c = 0; c < patterns; ++c)
    draw_image(side, false, static_cast<std::uint64_t>(c), low, x.col(col++));
  for (Index c = 1; c + 1 < patterns; ++c)
    draw_image(side, true, static_cast<std::uint64_t>(c), low, x.col(col++));
  return x;
}

Dataset make_bars_stripes_data(const BarsStripesSpec& spec) {
  if (spec.n_samples < 0)
    throw BadInput("data.n_samples: " + std::to_string(spec.n_samples) + "; expected >= 0");
  Dataset d;
  if (spec.n_samples == 0) {
    d.x = all_bars_stripes(spec.side, spec.spin);
  } else {
    check_side(spec.side, kMaxBarsStripesSide);
    const double low = spin_low(spec.spin);
    d.x.resize(spec.side * spec.side, spec.n_samples);
    for (Index s = 0; s < spec.n_samples; ++s) {
      Stream rng(spec.seed, Purpose::data, static_cast<std::uint64_t>(s));
      const bool bars = rng.uniform() <= 0.5;
      std::uint64_t code = 0;
      for (Index r = 0; r < spec.side; ++r)
        if (rng.uniform() <= 0.5) code |= std::uint64_t{1} << r;
      draw_image(spec.side, bars, code, low, d.x.col(s));
    }
  }
  compute_moments(d);
  return d;
}

}  // namespace shortrun

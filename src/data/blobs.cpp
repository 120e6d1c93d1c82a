#include "shortrun/data/blobs.hpp"

#include <cmath>
#include <string>

#include "shortrun/core/error.hpp"
#include "shortrun/core/random.hpp"

namespace shortrun {

ImageData make_blobs_data(const BlobsSpec& spec) {
  if (spec.side < 3 || spec.side > kMaxBlobsSide)
    throw BadInput("model.n_visible: blobs images of side L = " + std::to_string(spec.side) +
                   "; expected 3 <= L <= " + std::to_string(kMaxBlobsSide) + " (n_visible = L^2)");
  if (spec.n_samples < 1)
    throw BadInput("data.n_samples: " + std::to_string(spec.n_samples) +
                   "; expected at least 1 blobs image (an empty data set cannot be trained on)");
  const Index side = spec.side;
  const double span = static_cast<double>(side - 3);
  ImageData out;
  out.height = side;
  out.width = side;
  out.data.x.resize(side * side, spec.n_samples);
  for (Index j = 0; j < spec.n_samples; ++j) {
    Stream s(spec.seed, Purpose::data, static_cast<std::uint64_t>(j));
    const double r0 = 1.0 + span * s.uniform(), c0 = 1.0 + span * s.uniform();
    const double width = 0.7 + 0.8 * s.uniform();
    for (Index r = 0; r < side; ++r)
      for (Index c = 0; c < side; ++c) {
        const double dr = static_cast<double>(r) - r0, dc = static_cast<double>(c) - c0;
        out.data.x(r * side + c, j) = std::exp(-(dr * dr + dc * dc) / (2.0 * width * width));
      }
  }
  compute_moments(out.data);
  return out;
}

}  // namespace shortrun

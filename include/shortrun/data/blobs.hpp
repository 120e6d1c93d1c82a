#pragma once
/// Blobs: a tiny synthetic image set for fast ConvNet tests (data.source = blobs). Each L x L image
/// holds one Gaussian blob, pixel (r, c) = exp(-((r - r0)^2 + (c - c0)^2) / (2 s^2)) in [0, 1],
/// with centre (r0, c0) uniform in [1, L - 2]^2 and width s uniform in [0.7, 1.5] pixels. Image j
/// draws (r0, c0, s) from Stream(seed, Purpose::data, j). Pixels row-major (unit r L + c), as in
/// images.hpp.
#include <cstdint>

#include "shortrun/data/images.hpp"

namespace shortrun {

/// Largest side accepted (4096 pixels).
inline constexpr Index kMaxBlobsSide = 64;

struct BlobsSpec {
  Index side = 8;            ///< L (config: model.n_visible = L^2; default 64)
  Index n_samples = 1000;    ///< images (config: data.n_samples), >= 1
  std::uint64_t seed = 1;    ///< (config: data.seed)
};

/// n_samples images with their moments. Throws BadInput naming model.n_visible (L outside
/// [3, kMaxBlobsSide]) or data.n_samples (< 1).
ImageData make_blobs_data(const BlobsSpec& spec);

}  // namespace shortrun

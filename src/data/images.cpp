#include "shortrun/data/images.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "shortrun/core/error.hpp"

namespace shortrun {

void check_image_preprocess(const ImagePreprocess& p) {
  if (p.max_samples < 0)
    throw BadInput("data.n_samples: " + std::to_string(p.max_samples) + "; expected >= 0 (0: all)");
  if (p.downscale != 1 && p.downscale != 2 && p.downscale != 4)
    throw BadInput("data.downscale: " + std::to_string(p.downscale) + "; expected 1, 2 or 4");
  if (p.binarize && !(*p.binarize >= 0.0 && *p.binarize < 1.0))
    throw BadInput("data.binarize: " + std::to_string(*p.binarize) + "; expected a threshold in [0, 1)");
}

Matrix downscale_images(const Matrix& x, Index height, Index width, Index factor) {
  const Index h = height / factor, w = width / factor;
  const double scale = 1.0 / static_cast<double>(factor * factor);
  Matrix out = Matrix::Zero(h * w, x.cols());
  for (Index s = 0; s < x.cols(); ++s)
    for (Index r = 0; r < height; ++r)
      for (Index c = 0; c < width; ++c) out((r / factor) * w + c / factor, s) += scale * x(r * width + c, s);
  return out;
}

ImageData preprocess_images(Matrix x, Index height, Index width, const ImagePreprocess& p,
                            const std::string& source) {
  check_image_preprocess(p);
  if (x.cols() == 0 || height * width == 0)
    throw BadInput(source + ": no images; expected at least one image with at least one pixel");
  if (height % p.downscale != 0 || width % p.downscale != 0)
    throw BadInput(source + ": images of " + std::to_string(height) + " x " + std::to_string(width) +
                   " pixels; data.downscale = " + std::to_string(p.downscale) + " must divide both");
  ImageData out;
  if (p.max_samples > 0 && p.max_samples < x.cols()) x.conservativeResize(Eigen::NoChange, p.max_samples);
  if (p.downscale > 1) x = downscale_images(x, height, width, p.downscale);
  if (p.binarize) {
    const double t = *p.binarize;
    x = x.unaryExpr([t](double v) { return v > t ? 1.0 : 0.0; });
  }
  out.height = height / p.downscale;
  out.width = width / p.downscale;
  out.data.x = std::move(x);
  compute_moments(out.data);
  return out;
}

}  // namespace shortrun

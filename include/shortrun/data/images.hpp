#pragma once
/// Image data sets and their preprocessing (docs/design.md section 3: data.binarize, data.downscale,
/// data.n_samples). An H x W image is a sample column of length H W, pixel (r, c) at unit r W + c
/// (row-major, as the images lie in IDX and HDF5 files); pixel values in [0, 1].
#include <optional>
#include <string>

#include "shortrun/data/dataset.hpp"

namespace shortrun {

struct ImageData {
  Dataset data;      ///< (H W x n) pixels in [0, 1] (or {0, 1} when binarized), with moments
  Index height = 0;  ///< H after downscaling
  Index width = 0;   ///< W after downscaling
};

struct ImagePreprocess {
  Index max_samples = 0;            ///< keep the first n images; 0: all (config: data.n_samples)
  Index downscale = 1;              ///< f in {1, 2, 4}: f x f block averages (config: data.downscale)
  std::optional<double> binarize;   ///< threshold t in [0, 1): pixel -> 1 if > t else 0, after
                                    ///< downscaling (config: data.binarize)
};

/// Throws BadInput naming data.n_samples, data.downscale or data.binarize when a value is
/// impossible (negative cap, factor not 1/2/4, threshold outside [0, 1) or NaN).
void check_image_preprocess(const ImagePreprocess& p);

/// f x f block averages of each column of x, images H x W -> (H/f) x (W/f); f must divide H and W.
Matrix downscale_images(const Matrix& x, Index height, Index width, Index factor);

/// Applies `p` to images x (H W x n, already capped or not) and computes the moments. `source`
/// names the file in error messages: BadInput when f does not divide H and W or no image is left.
ImageData preprocess_images(Matrix x, Index height, Index width, const ImagePreprocess& p,
                            const std::string& source);

}  // namespace shortrun

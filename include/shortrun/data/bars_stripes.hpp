#pragma once
/// Bars-and-stripes images (MacKay 2003, ch. 43): an L x L binary image in which either every row
/// is all on or all off (stripes, each row independently), or every column is (bars). Pixels are
/// flattened row-major, pixel (r, c) -> unit r L + c, so a sample is a column of length N = L^2.
///
/// There are 2^(L+1) - 2 distinct images: 2^L stripe patterns and 2^L bar patterns, the empty and
/// the full image belonging to both. Drawn images follow the usual generative law: orientation
/// with probability 1/2, then each row (or column) on with probability 1/2; so the empty and the
/// full image each have probability 2^-L and every other image 2^-(L+1).
#include <cstdint>

#include "shortrun/data/dataset.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun {

/// Largest side for which every image is listed (n_samples = 0): 2^13 - 2 images of 144 pixels.
inline constexpr Index kMaxBarsStripesSideAll = 12;
/// Largest side accepted at all (4096 pixels).
inline constexpr Index kMaxBarsStripesSide = 64;

struct BarsStripesSpec {
  Index side = 4;           ///< L >= 1 (config: model.n_visible = L^2)
  Index n_samples = 0;      ///< 0: every distinct image once; else draws (config: data.n_samples)
  Spin spin = Spin::zero_one;  ///< off pixel = 0 (01) or -1 (pm1) (config: model.spin)
  std::uint64_t seed = 1;   ///< (config: run.seed)
};

/// Every distinct image once, (L^2 x (2^(L+1) - 2)), in the order: stripes with row pattern
/// c = 0 .. 2^L - 1 (row r on iff bit r of c), then bars with column pattern c = 1 .. 2^L - 2.
/// Throws BadInput when L < 1 or L > kMaxBarsStripesSideAll.
Matrix all_bars_stripes(Index side, Spin spin = Spin::zero_one);

/// n_samples = 0: all_bars_stripes; else n_samples drawn images, sample s from
/// Stream(seed, Purpose::data, s) (one uniform for the orientation, then L for the lines).
/// Moments are computed from the samples. Throws BadInput naming model.n_visible or
/// data.n_samples when L is out of range or n_samples < 0.
Dataset make_bars_stripes_data(const BarsStripesSpec& spec);

/// Side L of an image of N = L^2 pixels; throws BadInput naming model.n_visible when N is not a
/// perfect square.
Index square_side(Index n_visible, const char* what = "model.n_visible");

}  // namespace shortrun

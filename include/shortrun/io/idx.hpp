#pragma once
/// IDX files (LeCun's MNIST format, also Fashion-MNIST), plain or gzip-compressed (detected by
/// the magic bytes 1f 8b, inflated with zlib). Layout, big-endian:
///   bytes 0-1 zero, byte 2 element type (08 u8, 09 i8, 0B i16, 0C i32, 0D f32, 0E f64),
///   byte 3 number of dimensions d, then d u32 sizes, then the elements row-major.
/// An image file is 3-D (n, H, W); a label file 1-D (n). A file must hold exactly the bytes its
/// header announces. Every failure (missing, unreadable, bad gzip, wrong magic, truncated, trailing
/// bytes, wrong rank, empty, values outside [0, 1]) throws BadInput with the file's path.
#include <cstdint>
#include <string>
#include <vector>

#include "shortrun/core/types.hpp"
#include "shortrun/data/images.hpp"

namespace shortrun::io {

/// The raw content of an IDX file.
struct IdxArray {
  std::uint8_t type = 0;          ///< element type code
  std::vector<Index> dims;        ///< sizes, outermost first
  std::vector<double> values;     ///< the elements converted to double, row-major
};

/// Reads a whole IDX file (plain or gzip).
IdxArray read_idx(const std::string& path);

/// Writes an IDX file of u8 elements (gzip-compressed when gzip is true): for tests and tools.
void write_idx_u8(const std::string& path, const std::vector<Index>& dims,
                  const std::vector<std::uint8_t>& values, bool gzip);

/// Images of a 3-D IDX file as sample columns scaled to [0, 1]: u8 pixels are divided by 255;
/// f32/f64 pixels are taken as they are and must lie in [0, 1]; other types are an error. Then the
/// preprocessing `p` (cap, downscale, binarize) and the moments (config: data.source = idx,
/// data.path, data.n_samples, data.downscale, data.binarize).
ImageData read_idx_images(const std::string& path, const ImagePreprocess& p = {});

/// Labels of a 1-D integer IDX file, the first max_labels of them (0: all).
std::vector<std::int64_t> read_idx_labels(const std::string& path, Index max_labels = 0);

}  // namespace shortrun::io

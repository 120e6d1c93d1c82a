#pragma once
/// Data sets from HDF5 files (config: data.source = hdf5, data.path = FILE.h5:/DATASET): a 2-D
/// numeric dataset with one sample per row (docs/design.md section 4: samples are rows on disk), read as doubles
/// and returned with samples as columns.
#include <string>
#include <utility>

#include "shortrun/data/dataset.hpp"

namespace shortrun::io {

/// Splits "FILE.h5:/DATASET" at the last ":/" into (FILE.h5, /DATASET); BadInput naming
/// data.path when there is none or either side is empty.
std::pair<std::string, std::string> split_hdf5_path(const std::string& spec);

/// Reads the dataset, keeps its first max_samples rows (0: all), computes the moments. Throws
/// BadInput with the path when the file or dataset is missing or unreadable, the dataset is not
/// 2-D or not numeric, has no row or no column, or holds a NaN or Inf.
Dataset read_hdf5_samples(const std::string& spec, Index max_samples = 0);

}  // namespace shortrun::io

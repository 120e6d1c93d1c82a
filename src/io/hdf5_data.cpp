#include "shortrun/io/hdf5_data.hpp"

#include <algorithm>
#include <filesystem>
#include <string>

#include "shortrun/core/error.hpp"
#include "shortrun/io/h5.hpp"

namespace shortrun::io {
namespace {
/// The most values read from an HDF5 data set (README, Errors: caps): 16 GiB as doubles.
constexpr std::int64_t kMaxHdf5DataValues = std::int64_t{1} << 31;
}  // namespace

std::pair<std::string, std::string> split_hdf5_path(const std::string& spec) {
  const std::size_t at = spec.rfind(":/");
  if (at == std::string::npos || at == 0 || at + 2 >= spec.size())
    throw BadInput("data.path: " + spec + "; expected FILE.h5:/DATASET for data.source = hdf5");
  return {spec.substr(0, at), spec.substr(at + 1)};
}

Dataset read_hdf5_samples(const std::string& spec, Index max_samples) {
  if (max_samples < 0)
    throw BadInput("data.n_samples: " + std::to_string(max_samples) + "; expected >= 0 (0: all)");
  const auto [file, name] = split_hdf5_path(spec);
  {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))
      throw BadInput("HDF5 data " + spec + ": " + file + " is a directory; expected FILE.h5:/DATASET (data.path)");
  }
  Matrix rows;
  try {
    const h5::File f(file, h5::File::Mode::read);
    const auto dims = f.shape(name);
    if (dims.size() != 2)
      throw BadInput("HDF5 data " + spec + ": rank " + std::to_string(dims.size()) +
                     "; expected a 2-D dataset with one sample per row");
    if (dims[0] == 0 || dims[1] == 0)
      throw BadInput("HDF5 data " + spec + ": shape " + std::to_string(dims[0]) + " x " +
                     std::to_string(dims[1]) + "; expected at least one row and one column");
    {
      const h5::Object ds = f.open_dataset(name);
      const h5::Handle type(H5Dget_type(ds.id()), H5Tclose);
      const H5T_class_t cls = H5Tget_class(type.id());
      if (cls != H5T_INTEGER && cls != H5T_FLOAT)
        throw BadInput("HDF5 data " + spec + ": not numeric; expected integer or float samples");
      // Sizes declared vs. stored, before anything is allocated: a small file may declare a huge
      // dataset (its space is allocated lazily) and a read would then fail for want of memory.
      const double values = static_cast<double>(dims[0]) * static_cast<double>(dims[1]);
      if (values > static_cast<double>(kMaxHdf5DataValues))
        throw BadInput("HDF5 data " + spec + ": shape " + std::to_string(dims[0]) + " x " + std::to_string(dims[1]) +
                       ", above the cap of " + std::to_string(kMaxHdf5DataValues) + " values (README, Errors)");
      const double stored = static_cast<double>(H5Dget_storage_size(ds.id()));
      const h5::Handle plist(H5Dget_create_plist(ds.id()), H5Pclose);
      const bool contiguous = H5Pget_layout(plist.id()) != H5D_CHUNKED;
      const double declared = values * static_cast<double>(H5Tget_size(type.id()));
      if (stored == 0 || (contiguous && stored < declared))
        throw BadInput("HDF5 data " + spec + ": declares " + std::to_string(dims[0]) + " x " + std::to_string(dims[1]) +
                       " values (" + std::to_string(static_cast<long long>(declared)) + " bytes) but stores " +
                       std::to_string(static_cast<long long>(stored)) + " bytes; expected a dataset written in full");
    }
    rows = f.read_matrix(name);
  } catch (const h5::Error& e) {
    throw BadInput("HDF5 data " + spec + ": cannot read it (" + e.what() + ")");
  }
  if (!rows.allFinite())
    throw BadInput("HDF5 data " + spec + ": holds a NaN or Inf; expected finite values");
  const Index n = max_samples > 0 ? std::min<Index>(max_samples, rows.rows()) : rows.rows();
  Dataset d;
  d.x = rows.topRows(n).transpose();
  compute_moments(d);
  return d;
}

}  // namespace shortrun::io

#include "shortrun/io/provenance.hpp"

#include <Eigen/Core>

#include "shortrun/core/matrix_backend.hpp"
#include "shortrun/version.hpp"

namespace shortrun::io {

Provenance build_provenance() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return {
      {"build_flags", kBuildFlags},
      {"compiler", kCompiler},
      {"git_dirty", kGitDirty < 0 ? "unknown" : std::to_string(kGitDirty)},
      {"eigen_version", std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
                            std::to_string(EIGEN_MINOR_VERSION)},
      {"hdf5_version", std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release)},
      {"matrix_products", matrix_backend()},
  };
}

void write_provenance(h5::Group& root, const Provenance& extra) {
  for (const auto& [name, value] : build_provenance()) root.attr(name, value);
  for (const auto& [name, value] : extra) root.attr(name, value);
}

}  // namespace shortrun::io

#pragma once
/// Provenance written as root attributes of every run file and sweep manifest: what ran, where,
/// with which build and libraries (docs/hdf5-schema.md, section 1). The app adds what only it
/// knows (command line, hosts of the team, MPI library, SLURM ids, start time) as `extra`.
#include <string>
#include <utility>
#include <vector>

#include "shortrun/io/h5.hpp"

namespace shortrun::io {

using Provenance = std::vector<std::pair<std::string, std::string>>;

/// The build and library facts of this binary: build_flags, compiler, git_dirty ("1", "0" or
/// "unknown"), eigen_version, hdf5_version, matrix_products.
Provenance build_provenance();

/// Writes build_provenance() and `extra` as string attributes of `root`.
void write_provenance(h5::Group& root, const Provenance& extra);

}  // namespace shortrun::io

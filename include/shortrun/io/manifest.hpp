#pragma once
/// The sweep manifest `<out>/sweep.h5` (docs/hdf5-schema.md): one row per configuration, as
/// equal-length column datasets under /runs, and /links/<run_id> external links to the run files.
/// Rewritten whole under a temporary name and renamed, so it is readable at any time during a sweep.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "shortrun/config/run_config.hpp"
#include "shortrun/io/provenance.hpp"

namespace shortrun::io {

inline constexpr const char* kSweepSchema = "shortrun.sweep";
inline constexpr std::int64_t kSweepSchemaVersion = 1;

struct ManifestRow {
  std::string run_id;
  std::string file;    ///< relative to the manifest's folder: runs/<run_id>.h5
  RunStatus status = RunStatus::pending;
  std::int64_t team = -1;
  double wall_s = std::numeric_limits<double>::quiet_NaN();
  double theory_gap = std::numeric_limits<double>::quiet_NaN();
  /// Measurement of the last checkpoint: corr_err (mean_err for spins) at t = k, its minimum over
  /// t, and at equilibrium (NaN when not measured or no equilibrium).
  double err_k = std::numeric_limits<double>::quiet_NaN();
  double err_min = std::numeric_limits<double>::quiet_NaN();
  double err_eq = std::numeric_limits<double>::quiet_NaN();
  /// Standard errors of err_k, err_min and err_eq (jackknife over chain groups; 0 for an exact
  /// law; NaN where the error is NaN).
  double err_k_se = std::numeric_limits<double>::quiet_NaN();
  double err_min_se = std::numeric_limits<double>::quiet_NaN();
  double err_eq_se = std::numeric_limits<double>::quiet_NaN();
  const RunConfig* config = nullptr;  ///< the row's configuration (typed axis columns)
};

struct ManifestMeta {
  std::string name;
  std::string config_text;  ///< the sweep's INI text with its axes
  std::string created;
  std::string status;       ///< running | completed | finished_with_failures | interrupted | failed
  std::int64_t mpi_ranks = 1;
  std::int64_t ranks_per_run = 1;
  Provenance provenance;  ///< from the app: argv, hosts, mpi_library, started, SLURM ids
};

/// Writes the whole manifest to `path` (via `path`.tmp and a rename).
void write_manifest(const std::string& path, const ManifestMeta& meta,
                    const std::vector<std::string>& axes, const std::vector<ManifestRow>& rows);

}  // namespace shortrun::io

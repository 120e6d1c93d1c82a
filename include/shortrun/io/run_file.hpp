#pragma once
/// The run file of one configuration (docs/hdf5-schema.md). Written by the team leader only, under
/// `<path>.tmp`, and renamed to `<path>` by finish(): a file at the final name is always whole and
/// its root attribute `status` says how the run ended.
#include <cstdint>
#include <string>
#include <vector>

#include "shortrun/core/config.hpp"
#include "shortrun/core/parameters.hpp"
#include "shortrun/data/dataset.hpp"
#include "shortrun/io/h5.hpp"
#include "shortrun/training/trainer.hpp"

namespace shortrun::io {

inline constexpr const char* kRunSchema = "shortrun.run";
inline constexpr std::int64_t kRunSchemaVersion = 1;
/// Covariances are stored in /data only up to this dimension.
inline constexpr Index kMaxStoredCovDim = 1024;

struct RunMeta {
  std::string run_id;
  int mpi_ranks = 1;
};

class RunWriter {
 public:
  /// Creates `<final_path>.tmp` with the root attributes (status "running") and /config.
  RunWriter(std::string final_path, const RunConfig& config, const RunMeta& meta);

  h5::File& file() { return file_; }

  /// /data: mean [N], cov [N,N] (N <= 1024), n_samples, population flag.
  void write_data(const Dataset& data);
  /// /checkpoints/<step>/params/<block> for every block of the layout.
  void write_checkpoint(Index step, const Layout& layout, const Vector& params);
  /// /train: step, wall_s, grad_norm, param_norm (one row per logging interval).
  void write_train_log(const std::vector<TrainLogRow>& rows);
  /// Sets status, reason and `finished`, links /final to the last checkpoint, closes the file and
  /// renames it to its final name.
  void finish(const std::string& status, const std::string& reason);

  /// Closes and deletes the temporary file (bad input found after it was created).
  void discard();

  const std::string& final_path() const { return final_path_; }

 private:
  std::string final_path_;
  std::string tmp_path_;
  h5::File file_;
  Index last_checkpoint_ = -1;
};

/// Writes the training log as columns step, wall_s, grad_norm, param_norm under `group` (the run
/// file's /train, the resume checkpoint's /log).
void write_train_log(h5::Group& group, const std::vector<TrainLogRow>& rows);

/// The steps of a run file's /checkpoints groups, increasing.
std::vector<std::int64_t> checkpoint_steps(const h5::File& file);

/// ISO 8601 UTC time stamp, e.g. 2026-11-27T08:00:00Z.
std::string utc_now();

/// Reads a run file's root attributes and checks the schema; throws BadInput naming the file when it
/// is not a shortrun run file.
void check_run_schema(const h5::File& file);

}  // namespace shortrun::io

#pragma once
/// The run file of one configuration (docs/hdf5-schema.md). Written by the team leader only, under
/// `<path>.tmp`, and renamed to `<path>` by finish(): a file at the final name is always whole and
/// its root attribute `status` says how the run ended.
#include <cstdint>
#include <string>
#include <vector>

#include "shortrun/config/run_config.hpp"
#include "shortrun/core/parameters.hpp"
#include "shortrun/data/dataset.hpp"
#include "shortrun/io/h5.hpp"
#include "shortrun/io/provenance.hpp"
#include "shortrun/measure/checkpoint_measurement.hpp"
#include "shortrun/theory/theory_tables.hpp"
#include "shortrun/training/trainer.hpp"

namespace shortrun::io {

inline constexpr const char* kRunSchema = "shortrun.run";
inline constexpr std::int64_t kRunSchemaVersion = 1;
/// Covariances are stored in /data only up to this dimension.
inline constexpr Index kMaxStoredCovDim = 1024;

struct RunMeta {
  std::string run_id;
  int mpi_ranks = 1;
  Provenance provenance;  ///< from the app: argv, hosts, mpi_library, started, SLURM ids
};

/// Writes `tables` as the group `parent`/theory (attributes and datasets).
void write_theory(h5::Group& parent, const TheoryTables& tables);

/// Writes /dynamics (attrs: the measurement settings) and /equilibrium with one group per step
/// under `root` (docs/hdf5-schema.md). image_side > 0: samples are stored as [.., L, L] images.
void write_measurements(h5::Group& root, const RunConfig& config, Index image_side,
                        const std::vector<CheckpointMeasurement>& measurements);

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
  /// /theory: a family's closed forms.
  void write_theory(const TheoryTables& tables) { io::write_theory(file_, tables); }
  /// /data/examples [n, L, L]: the first n data images (square images of L x L pixels).
  void write_image_examples(const Dataset& data, Index n);
  /// /dynamics and /equilibrium, one group per measured checkpoint.
  void write_measurements(const RunConfig& config, Index image_side,
                          const std::vector<CheckpointMeasurement>& measurements) {
    io::write_measurements(file_, config, image_side, measurements);
  }
  /// Sets status, reason and `finished`, links /final to the last checkpoint, closes the file and
  /// renames it to its final name.
  void finish(RunStatus status, const std::string& reason);

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

/// Checks a file's root attributes `schema` and `schema_version` against what this build reads;
/// BadInput naming the file, and both versions when they differ.
void check_schema(const h5::File& file, const char* schema, std::int64_t version);
/// check_schema for run files (kRunSchema, kRunSchemaVersion).
void check_run_schema(const h5::File& file);

/// Reads /checkpoints/<step>/params of a run file into one flat vector of `layout`. BadInput naming
/// the file and block when a block is missing or has the wrong shape.
Vector read_checkpoint_params(const h5::File& file, Index step, const Layout& layout);

}  // namespace shortrun::io

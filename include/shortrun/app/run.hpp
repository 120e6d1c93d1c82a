#pragma once
/// One configuration's run on one team: prepare (data, paths), execute (train, theory, finish the
/// file). Shared by `train` (the world is one team) and `sweep` (many teams).
#include <functional>
#include <limits>
#include <string>

#include "shortrun/core/config.hpp"
#include "shortrun/data/gaussian_data.hpp"
#include "shortrun/io/run_file.hpp"
#include "shortrun/parallel/mpi.hpp"

namespace shortrun::cli {

struct PreparedRun {
  RunConfig config;
  std::string run_id;  ///< file stem under <run.out>/runs/
  std::string path;    ///< <run.out>/runs/<run_id>.h5
  GaussianData data;
};

/// Builds the data and the output path of a validated configuration. Throws BadInput.
PreparedRun prepare_run(const RunConfig& config, const std::string& run_id);

struct RunResult {
  std::string status;  ///< completed | diverged
  std::string reason;
  Index updates_done = 0;
  double wall_s = 0;
  /// Max over modes of |trained - closed-form fixed point the scheme should reach|; NaN when
  /// there is no theory or the run diverged.
  double theory_gap = std::numeric_limits<double>::quiet_NaN();
  std::string table;  ///< trained vs theory per mode, for the terminal
};

/// Trains on `team`; the leader's writer (null elsewhere) receives checkpoints, the training log
/// and /theory, and is finished (renamed) before returning. `tick` runs after every update.
RunResult execute_run(const PreparedRun& run, mpi::Communicator& team, io::RunWriter* writer,
                      bool show_progress, const std::function<void()>& tick = [] {});

/// Creates the folder of run.path and the writer with /data written (leader only).
io::RunWriter open_run_writer(const PreparedRun& run, int mpi_ranks);

}  // namespace shortrun::cli

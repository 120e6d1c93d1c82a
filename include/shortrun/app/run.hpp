#pragma once
/// One configuration's run on one team: prepare (data, paths, what exists on disk), execute
/// (resume if a checkpoint exists, train, write the run file). Shared by `train` (the world is one
/// team) and `sweep` (many teams).
#include <functional>
#include <limits>
#include <string>

#include "shortrun/app/stop_control.hpp"
#include "shortrun/app/train_loop.hpp"
#include "shortrun/config/run_config.hpp"
#include "shortrun/data/dataset.hpp"
#include "shortrun/io/run_file.hpp"
#include "shortrun/parallel/mpi.hpp"

namespace shortrun::cli {

struct PreparedRun {
  RunConfig config;
  std::string run_id;  ///< file stem under <run.out>/runs/
  std::string path;    ///< <run.out>/runs/<run_id>.h5
  std::string resume_path;  ///< <run.out>/runs/<run_id>.ckpt.h5
  Dataset data;  ///< the family's data set (families::make_data)
};

/// Builds the data (families::make_data, which also checks the measure.* keys against the model)
/// and the output paths of a validated configuration. Throws BadInput.
PreparedRun prepare_run(const RunConfig& config, const std::string& run_id);

/// What a run's files on disk say, for `train` and `sweep` deciding what to do.
enum class OnDisk {
  nothing,    ///< start from update 1
  completed,  ///< a completed (or diverged) run file of this configuration: skip
  resumable,  ///< a resume checkpoint of this configuration: continue from it
};

/// <run.out>/runs/<run_id>.log.jsonl: the training log as JSON lines (step, wall_s, grad_norm,
/// param_norm), written as training goes.
std::string log_path(const PreparedRun& run);

/// Creates `folder` and checks that files can be written there; BadInput naming it otherwise.
void ensure_output_folder(const std::string& folder);

/// Phase 1 of every MPI command: runs `phase1` on this rank, catching bad input (BadInput, and
/// h5::Error from reading input files). Returns true on every rank when any rank had bad input;
/// world rank 0 then prints the lowest rank's message.
bool agree_on_bad_input(const mpi::Communicator& world, const std::function<void()>& phase1);

/// Inspects <run_id>.h5 and <run_id>.ckpt.h5 (leader only). Files of another configuration, or
/// unreadable ones, are BadInput unless `force`, which deletes them. A stale .tmp is removed.
OnDisk inspect_on_disk(const std::string& run_path, const std::string& resume_path,
                       const RunConfig& config, bool force);

struct RunResult {
  RunStatus status = RunStatus::completed;  ///< completed, diverged or interrupted
  std::string reason;
  Index updates_done = 0;
  double wall_s = 0;
  /// Max over modes of |trained - closed-form fixed point the scheme should reach|; NaN when
  /// there is no theory or the run did not complete.
  double theory_gap = std::numeric_limits<double>::quiet_NaN();
  /// Measurement of the last measured checkpoint (measurement_errors); NaN when not measured.
  double err_k = std::numeric_limits<double>::quiet_NaN();
  double err_min = std::numeric_limits<double>::quiet_NaN();
  double err_eq = std::numeric_limits<double>::quiet_NaN();
  std::string table;  ///< trained vs theory per mode, for the terminal
};

/// Collective over `team`. Continues from the resume checkpoint when one exists (the leader reads
/// it, the team receives it), trains, and the leader writes the run file (temporary name, then
/// renamed) with status completed, diverged or interrupted; the resume checkpoint is kept only
/// for an interrupted run. An exception marks nothing complete and propagates (the job aborts).
/// `hooks`: progress, stop control and tick from the caller; execute_run adds resume and save.
RunResult execute_run(const PreparedRun& run, mpi::Communicator& team, TrainHooks hooks);

}  // namespace shortrun::cli

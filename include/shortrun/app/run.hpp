#pragma once
/// One configuration's run on one team: prepare (data, paths, what exists on disk), execute
/// (resume if a checkpoint exists, train, write the run file). Shared by `train` (the world is one
/// team) and `sweep` (many teams).
#include <exception>
#include <functional>
#include <limits>
#include <string>

#include "shortrun/app/stop_control.hpp"
#include "shortrun/app/train_loop.hpp"
#include "shortrun/config/run_config.hpp"
#include "shortrun/data/dataset.hpp"
#include "shortrun/io/resume_file.hpp"
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

/// A result file (run file, manifest) that must not be overwritten: BadInput "<path>: <why>;
/// <advice>" unless `force`; with `force` it is renamed to <stem>.replaced-<UTC time>.h5 (a name
/// not yet taken; a result is never deleted) and one line on stderr names the copy.
void set_aside_result(const std::string& path, const std::string& what, const std::string& why, bool force,
                      const std::string& advice);

/// What a run's files on disk say, for `train` and `sweep` deciding what to do.
enum class OnDisk {
  nothing,    ///< start from update 1
  completed,  ///< a completed run file of this configuration: skip
  diverged,   ///< a diverged run file of this configuration: skip (train exits 3 again)
  resumable,  ///< a resume checkpoint of this configuration: continue from it
};

/// <run.out>/runs/<run_id>.log.jsonl: the training log as JSON lines (step, wall_s, grad_norm,
/// param_norm), written as training goes.
std::string log_path(const PreparedRun& run);
/// The same for the run file at `run_file` (<dir>/<run_id>.h5 -> <dir>/<run_id>.log.jsonl).
std::string log_path(const std::string& run_file);

/// Creates `folder` and checks that files can be written there; BadInput naming it otherwise.
void ensure_output_folder(const std::string& folder);

/// An output file about to be (re)written by a rename into its folder: BadInput naming it when it
/// is a directory (or another non-file), when its folder is missing or not writable, or, with
/// `must_be_writable` (a file updated in place, `measure`), when the file itself is read-only.
void check_output_file(const std::string& path, bool must_be_writable = false);

/// The memory one rank may use, in bytes: run.max_memory when set, else the smaller of the cgroup
/// limit and physical memory, shared by the ranks of this node (the launcher's local size).
double memory_limit_bytes(const RunConfig& config);

/// Refuses (BadInput naming the key of the largest item) a configuration whose memory estimate
/// (families::memory_estimate) exceeds memory_limit_bytes. `dim`: 0 before the data are read.
void check_memory(const RunConfig& config, Index dim);

/// Phase 1 of every MPI command: runs `phase1` on this rank. Bad input (BadInput, and h5::Error
/// from reading input files) gives exit code 2, any other exception 1 (an internal error, e.g. an
/// allocation that failed). Returns 0 on every rank when every rank succeeded, else the code of
/// the lowest failing rank, on every rank; world rank 0 then prints that rank's message (one line).
int agree_on_bad_input(const mpi::Communicator& world, const std::function<void()>& phase1);

/// After phase 1: every rank's resolved configuration (`text`, INI as RunConfig::to_ini writes it)
/// must be rank 0's. Ranks started with different arguments (an MPMD launch, a wrapper script that
/// varies them) would otherwise wait on each other in different collectives. Collective; returns 0,
/// or 2 on every rank with one line naming the lowest differing rank and its first differing key.
int agree_on_one_configuration(const mpi::Communicator& world, const std::string& text);

/// Phase 2's one error path: an exception after phase 1 (on any rank, while other ranks may be
/// inside a collective). Prints one line (`shortrun: error: ...` for BadInput, exit 2; `shortrun:
/// internal error on rank R: ...` otherwise, exit 1), then ends the whole job with that code
/// (MPI_Abort when there are other ranks to stop; a single rank returns the code).
int fail_job(const std::exception& e);

/// A test hook of the one error path (tests/integration/hostile.sh): throws an internal error on the
/// world rank named by the environment variable SHORTRUN_INJECT_FAULT, as phase 2 starts.
void inject_fault_for_tests();

/// Inspects <run_id>.h5 and <run_id>.ckpt.h5 (leader only). Files whose result keys differ from
/// `config` (RunConfig::differences; operational keys such as run.out may differ), or
/// unreadable ones, are BadInput naming each differing key unless `force`: then a checkpoint is
/// deleted and a run file renamed to <run_id>.replaced-<UTC time>.h5 (a result is never deleted).
/// A stale .tmp is removed. A resume checkpoint is validated against the configuration
/// (validate_resume; `n_params` gives the model's parameter count, called only when there is a
/// checkpoint). A run file path that is a directory is BadInput even with `force`.
OnDisk inspect_on_disk(const std::string& run_path, const std::string& resume_path,
                       const RunConfig& config, bool force, const std::function<Index()>& n_params);

/// Checks a resume state read back against its configuration: result keys, step in
/// [0, train.updates], the parameter vector's length, the checkpoints (steps, lengths), the log's
/// columns, finite values. BadInput naming `path` and what is wrong.
void validate_resume(const io::ResumeState& s, const RunConfig& config, Index n_params, const std::string& path);

struct RunResult {
  RunStatus status = RunStatus::completed;  ///< completed, diverged or interrupted
  std::string reason;
  Index updates_done = 0;
  double wall_s = 0;
  /// This rank's peak resident memory during training (set-up and measurement excluded), MiB.
  double train_peak_rss_mb = 0;
  /// Max over modes of |trained - closed-form fixed point the scheme should reach|; NaN when
  /// there is no theory or the run did not complete.
  double theory_gap = std::numeric_limits<double>::quiet_NaN();
  /// Measurement of the last measured checkpoint (measurement_errors); NaN when not measured.
  double err_k = std::numeric_limits<double>::quiet_NaN();
  double err_min = std::numeric_limits<double>::quiet_NaN();
  double err_eq = std::numeric_limits<double>::quiet_NaN();
  double err_k_se = std::numeric_limits<double>::quiet_NaN();  ///< standard errors of the three above
  double err_min_se = std::numeric_limits<double>::quiet_NaN();
  double err_eq_se = std::numeric_limits<double>::quiet_NaN();
  std::string table;  ///< trained vs theory per mode, for the terminal
};

/// Collective over `team`. Continues from the resume checkpoint when one exists (the leader reads
/// it, the team receives it), trains, and the leader writes the run file (temporary name, then
/// renamed) with status completed, diverged or interrupted; the resume checkpoint is kept only
/// for an interrupted run. An exception marks nothing complete and propagates (the job aborts).
/// `hooks`: progress and stop control from the caller; execute_run adds resume and save.
RunResult execute_run(const PreparedRun& run, mpi::Communicator& team, TrainHooks hooks);

}  // namespace shortrun::cli

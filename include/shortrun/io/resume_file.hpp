#pragma once
/// The resume checkpoint `<out>/runs/<run_id>.ckpt.h5`: everything needed to continue a run after
/// update `step` and to produce the same final run file as an uninterrupted run. Streams are
/// addressed by (seed, purpose, index, update, step), so no generator state is stored: the update
/// number is the stream position. The estimator's and the optimizer's state are stored as their
/// named blocks (core/state.hpp) under /estimator and /optimizer, team-split blocks gathered in
/// global column order. Written to `<path>.tmp` and renamed: never a torn file.
///
/// The file is also where training keeps its scheduled checkpoints (/checkpoints/<step>): a resume
/// checkpoint is written at every one of them, so the file always holds all of them up to its
/// step, and training keeps only their steps in memory (a parameter vector each would otherwise
/// stay in memory until the run file is written). Each new resume checkpoint copies them from the
/// file it replaces, file to file (H5Ocopy), without holding any of them in memory.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shortrun/core/parameters.hpp"
#include "shortrun/core/state.hpp"
#include "shortrun/io/h5.hpp"
#include "shortrun/training/trainer.hpp"

namespace shortrun::io {

inline constexpr const char* kResumeSchema = "shortrun.resume";
/// 2: estimator and optimizer state as named blocks (1: fixed datasets chains, moments_*, optimizer).
inline constexpr std::int64_t kResumeSchemaVersion = 2;

struct ResumeState {
  std::string config_text;  ///< RunConfig::to_ini() of the run; a resume must match it
  Index step = 0;           ///< updates applied
  double elapsed_s = 0;     ///< training wall time so far
  std::string started;      ///< when the run first started (UTC ISO 8601), kept across resumes
  /// The training segments up to `step`, one line each, "updates A-B: <setup>" (the app's
  /// training_setup); empty in checkpoints written before they were recorded.
  std::string segments;
  Vector params;
  State estimator;          ///< team-wide: split blocks hold every column
  State optimizer;
  std::vector<TrainLogRow> log;
  /// The scheduled checkpoints so far, increasing: their steps only. Their parameters are in the
  /// file (read_resume_checkpoint), except the one at `step` itself, which is `params`.
  std::vector<Index> checkpoint_steps;
};

/// Writes `state` to `path` (through `<path>.tmp`). Each scheduled checkpoint but the one at
/// state.step is copied from the resume checkpoint already at `path` (std::logic_error if it is
/// not there: the caller lost track of its file); the one at state.step is state.params.
void write_resume_state(const std::string& path, const ResumeState& state);
/// Reads a resume checkpoint (its scheduled checkpoints' steps, not their parameters); h5::Error
/// when the file is damaged, BadInput when it is of another schema or schema_version (naming both).
ResumeState read_resume_state(const std::string& path);
/// The parameters of the scheduled checkpoint at `step` in the resume checkpoint `path`.
Vector read_resume_checkpoint(const std::string& path, Index step);

/// Checks a resume state read back from `path` against the run it should continue (whose
/// configuration the caller compares: RunConfig::differences): step in [0, updates], the parameter
/// vector's length (`n_params`), the checkpoints (named by steps up to `step`, each of n_params
/// values, read from `path` one at a time), the log's steps, the optimizer's blocks (one value or
/// n_params), finite values everywhere. BadInput naming `path` and what is wrong.
void check_resume_state(const ResumeState& s, Index updates, Index n_params, const std::string& path);

/// A State as the datasets of `group` (one per block; split blocks carry the attribute `split` = 1).
void write_state(h5::Group& group, const State& state);
State read_state(const h5::Group& group);

}  // namespace shortrun::io

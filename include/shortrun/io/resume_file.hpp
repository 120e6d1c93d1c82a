#pragma once
/// The resume checkpoint `<out>/runs/<run_id>.ckpt.h5`: everything needed to continue a run after
/// update `step` and to produce the same final run file as an uninterrupted run. Streams are
/// addressed by (seed, purpose, index, update, step), so no generator state is stored: the update
/// number is the stream position. The estimator's and the optimizer's state are stored as their
/// named blocks (core/state.hpp) under /estimator and /optimizer, team-split blocks gathered in
/// global column order. Written to `<path>.tmp` and renamed: never a torn file.
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
  Vector params;
  State estimator;          ///< team-wide: split blocks hold every column
  State optimizer;
  std::vector<TrainLogRow> log;
  std::vector<std::pair<Index, Vector>> checkpoints;  ///< scheduled checkpoints so far (step, params)
};

void write_resume_state(const std::string& path, const ResumeState& state);
/// Reads a resume checkpoint; h5::Error when the file is damaged, BadInput when it is of another
/// schema or schema_version (naming both).
ResumeState read_resume_state(const std::string& path);

/// Checks a resume state read back against the run it should continue (whose configuration the
/// caller compares: RunConfig::differences): step in [0, updates], the parameter vector's length (`n_params`), the checkpoints (named by
/// steps up to `step`, each of n_params values), the log's steps, the optimizer's blocks (one value
/// or n_params), finite values everywhere. BadInput naming `path` and what is wrong.
void check_resume_state(const ResumeState& s, Index updates, Index n_params, const std::string& path);

/// A State as the datasets of `group` (one per block; split blocks carry the attribute `split` = 1).
void write_state(h5::Group& group, const State& state);
State read_state(const h5::Group& group);

}  // namespace shortrun::io

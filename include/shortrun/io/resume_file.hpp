#pragma once
/// The resume checkpoint `<out>/runs/<run_id>.ckpt.h5`: everything needed to continue a run after
/// update `step` and to produce the same final run file as an uninterrupted run. Streams are
/// addressed by (seed, purpose, index, update, step), so no generator state is stored: the update
/// number is the stream position. Written to `<path>.tmp` and renamed: never a torn file.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shortrun/core/parameters.hpp"
#include "shortrun/training/trainer.hpp"

namespace shortrun::io {

inline constexpr const char* kResumeSchema = "shortrun.resume";

struct ResumeState {
  std::string config_text;  ///< RunConfig::to_ini() of the run; a resume must match it
  Index step = 0;           ///< updates applied
  double elapsed_s = 0;     ///< training wall time so far
  Vector params;
  Matrix chains;            ///< pcd: every chain of the team, (N x R), in global chain order
  bool chains_started = false;
  Vector moments_mean;      ///< pcd with exact moments: the persistent law
  Matrix moments_cov;
  Vector optimizer;         ///< the optimizer's state, flat (SGD momentum; Adam t, m, v)
  std::vector<TrainLogRow> log;
  std::vector<std::pair<Index, Vector>> checkpoints;  ///< scheduled checkpoints so far (step, params)
};

void write_resume_state(const std::string& path, const ResumeState& state);
/// Reads a resume checkpoint; h5::Error when the file is damaged or of another schema.
ResumeState read_resume_state(const std::string& path);

}  // namespace shortrun::io

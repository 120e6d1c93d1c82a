#pragma once
/// Reads an INI configuration (Boost.Program_options) into a RunConfig: every key of
/// RunConfig::visit is known, unknown keys are errors, `--set section.key=value` overrides the file,
/// and every value is parsed with a message naming the key.
#include <string>
#include <vector>

#include "shortrun/config/run_config.hpp"

namespace shortrun::cli {

struct ConfigSource {
  std::string path;               ///< the INI file
  std::vector<std::string> sets;  ///< "section.key=value" overrides, applied in order
  std::string out;                ///< --out DIR, overrides run.out when not empty
  /// INI text to read instead of the file (e.g. a run file's stored config); `path` then only
  /// names it in messages.
  std::string text;
};

/// One configuration (no sweep axes): a list given to a sweepable key is a BadInput naming it.
/// Fills the defaults that depend on other values (run.name from the file stem, run.out), then
/// validates.
RunConfig load_run_config(const ConfigSource& source, const std::string& command);

/// A sweep: every sweepable key given a comma-separated list is an axis. The grid is the Cartesian
/// product with the axes in RunConfig::visit order (run.seed, model.n_hidden, sampler.type,
/// sampler.step, init.sigma, train.scheme, train.k, train.lr) and the last axis varying fastest;
/// identical on every rank.
struct SweepPlan {
  std::vector<std::string> axes;      ///< keys with more than one value, in grid order
  std::vector<RunConfig> configs;     ///< one per grid point, validated; run_out set
  std::vector<std::string> run_ids;   ///< file stems, e.g. "k20_lr0.01" (run.name when no axis)
  std::string name;                   ///< run.name of the sweep
  std::string out;                    ///< output folder of the sweep
  std::string config_text;            ///< the sweep's INI text with its lists
};

/// Reads a sweep configuration. BadInput for an empty list item, a value given twice on one axis,
/// or any invalid configuration of the grid (naming the key and the run).
SweepPlan load_sweep(const ConfigSource& source);

}  // namespace shortrun::cli

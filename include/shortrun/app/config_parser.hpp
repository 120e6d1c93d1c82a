#pragma once
/// Reads an INI configuration (Boost.Program_options) into a RunConfig: every key of
/// RunConfig::visit is known, unknown keys are errors, `--set section.key=value` overrides the file,
/// and every value is parsed with a message naming the key.
#include <string>
#include <vector>

#include "shortrun/core/config.hpp"

namespace shortrun::cli {

struct ConfigSource {
  std::string path;               ///< the INI file
  std::vector<std::string> sets;  ///< "section.key=value" overrides, applied in order
  std::string out;                ///< --out DIR, overrides run.out when not empty
};

/// One configuration (no sweep axes): a list given to a sweepable key is a BadInput naming it.
/// Fills the defaults that depend on other values (run.name from the file stem, run.out), then
/// validates.
RunConfig load_run_config(const ConfigSource& source, const std::string& command);

}  // namespace shortrun::cli

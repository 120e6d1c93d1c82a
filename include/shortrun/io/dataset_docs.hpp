#pragma once
/// The one table of what every dataset shortrun writes means (docs/hdf5-schema.md, "Units,
/// descriptions and dimension scales"): its units, a one-sentence description and, for curves, the
/// dataset beside it that indexes its first dimension. describe_datasets() applies it to a finished
/// file (run file, sweep manifest, theory file) just before it is closed: every dataset gets the
/// string attributes `units` and `description`, and the axes become HDF5 dimension scales attached
/// to dimension 0 of the datasets they index.
#include <string>
#include <string_view>
#include <vector>

#include "shortrun/io/h5.hpp"

namespace shortrun::io {

struct DatasetDoc {
  /// Absolute path; each component may hold `*`, matching any run of characters but '/' (a
  /// checkpoint step, a parameter block name, `conv*_W`).
  const char* pattern;
  /// "1" dimensionless, "sweeps" sampler sweeps (sampling time), "updates" parameter updates,
  /// "s" wall-clock seconds, "none" text (no unit).
  const char* units;
  /// One sentence, as in docs/hdf5-schema.md.
  const char* description;
  /// Name of the sibling dataset (same group) whose values index dimension 0 of this one ("t",
  /// "step", ...), made a dimension scale and attached; nullptr for none.
  const char* axis = nullptr;
};

/// Written on a dataset that has no entry in the table (a writer added one and not its entry):
/// visible in the file and caught by the tests, without failing a user's run.
inline constexpr const char* kUndocumentedUnits = "unknown";
inline constexpr const char* kUndocumentedDescription =
    "undocumented dataset: no entry in shortrun's dataset table (src/io/dataset_docs.cpp)";

/// Every entry, first match wins.
const std::vector<DatasetDoc>& dataset_docs();

/// Whether `path` (absolute, e.g. "/dynamics/20/mean") matches `pattern` component by component.
bool path_matches(std::string_view pattern, std::string_view path);

/// The table's entry for `path`, or nullptr.
const DatasetDoc* find_dataset_doc(std::string_view path);

/// Writes `units` and `description` on every dataset below `root` (the file's root group), makes
/// every axis a dimension scale and attaches it to dimension 0 of the datasets it indexes (when
/// their first dimension has the axis's length). A dataset without an entry gets
/// kUndocumentedUnits and kUndocumentedDescription and a warning on stderr; its absolute path is
/// returned.
std::vector<std::string> describe_datasets(h5::Group& root);

}  // namespace shortrun::io

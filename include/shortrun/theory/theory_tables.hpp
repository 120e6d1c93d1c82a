#pragma once
/// The /theory group of a run file as plain data: a family fills it with its closed forms, the
/// run-file writer (io) stores it, so the families need no HDF5.
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "shortrun/core/types.hpp"

namespace shortrun {

struct TheoryTables {
  using Attr = std::variant<std::int64_t, double, std::string>;
  using Data = std::variant<Vector, Matrix, std::vector<std::int64_t>>;
  std::vector<std::pair<std::string, Attr>> attrs;
  std::vector<std::pair<std::string, Data>> datasets;
  void attr(std::string name, Attr value) { attrs.emplace_back(std::move(name), std::move(value)); }
  void write(std::string name, Data value) { datasets.emplace_back(std::move(name), std::move(value)); }
};

}  // namespace shortrun

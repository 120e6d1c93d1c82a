#pragma once
/// The persistent state of a training component (an estimator's chains or propagated law, an
/// optimizer's moments) as named blocks, so one routine checkpoints, broadcasts and restores any of
/// them (app: resume checkpoints) and no component's state needs a field of its own elsewhere.
/// A block whose columns are split over a team (chains: each rank holds its share) says so; the
/// checkpoint routine gathers those into the team-wide matrix in global column order, and gives
/// each rank back its own columns on restore, so a checkpoint does not depend on the team size.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shortrun/core/types.hpp"

namespace shortrun {

struct StateBlock {
  std::string name;
  Matrix value;  ///< a vector is a one-column matrix, a scalar a 1 x 1 one
  /// Columns split over the team: this rank holds columns first_column .. + value.cols() of a
  /// matrix of total_columns columns. False: the same value on every rank.
  bool split = false;
  Index first_column = 0;
  Index total_columns = 0;
};

class State {
 public:
  void add(std::string name, Matrix value) { blocks_.push_back({std::move(name), std::move(value)}); }
  void add(std::string name, const Vector& value) { add(std::move(name), Matrix(value)); }
  void add_scalar(std::string name, double value) { add(std::move(name), Matrix(Matrix::Constant(1, 1, value))); }
  /// This rank's columns [first, first + value.cols()) of a team-wide matrix of `total` columns.
  void add_split(std::string name, Matrix value, Index first, Index total) {
    blocks_.push_back({std::move(name), std::move(value), true, first, total});
  }

  /// The block called `name`, or nullptr (a component restores what it finds).
  const StateBlock* find(const std::string& name) const {
    for (const auto& b : blocks_)
      if (b.name == name) return &b;
    return nullptr;
  }
  std::optional<Vector> vector(const std::string& name) const {
    const StateBlock* b = find(name);
    if (b == nullptr) return std::nullopt;
    return Vector(Eigen::Map<const Vector>(b->value.data(), b->value.size()));
  }
  std::optional<double> scalar(const std::string& name) const {
    const StateBlock* b = find(name);
    if (b == nullptr || b->value.size() != 1) return std::nullopt;
    return b->value(0, 0);
  }

  /// Moves the values of block `name` out as one column, as vector() reads them (empty when there
  /// is no such block); the block stays, empty.
  Matrix take_column(const std::string& name) {
    for (auto& b : blocks_)
      if (b.name == name) {
        Matrix out = std::move(b.value);
        out.resize(out.size(), 1);  // same size: the values stay where they are
        return out;
      }
    return Matrix(0, 1);
  }

  std::vector<StateBlock>& blocks() { return blocks_; }
  const std::vector<StateBlock>& blocks() const { return blocks_; }
  bool empty() const { return blocks_.empty(); }

 private:
  std::vector<StateBlock> blocks_;
};

}  // namespace shortrun

#pragma once
/// All parameters of a model live in one contiguous vector; named blocks (J, h, W, a, b ...) are
/// views into it. A gradient has the same layout, so one MPI_Allreduce reduces a whole gradient and
/// one routine checkpoints it (mlpack's aliasing, done with Eigen::Map).
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "shortrun/core/types.hpp"

namespace shortrun {

/// A named rectangular block of the flat vector, column-major (Eigen's order).
struct Block {
  std::string name;
  Index offset = 0;
  Index rows = 0;
  Index cols = 1;
  Index size() const { return rows * cols; }
};

/// The layout of a parameter vector: an ordered list of blocks.
class Layout {
 public:
  Layout() = default;
  /// Appends a block; returns its index.
  std::size_t add(std::string name, Index rows, Index cols = 1) {
    blocks_.push_back(Block{std::move(name), size_, rows, cols});
    size_ += rows * cols;
    return blocks_.size() - 1;
  }
  Index size() const { return size_; }
  const std::vector<Block>& blocks() const { return blocks_; }
  const Block& block(const std::string& name) const {
    for (const auto& b : blocks_)
      if (b.name == name) return b;
    throw std::out_of_range("no parameter block named " + name);
  }

 private:
  std::vector<Block> blocks_;
  Index size_ = 0;
};

/// Matrix view of block b inside the flat vector theta.
inline Eigen::Map<Matrix> view(Vector& theta, const Block& b) {
  return {theta.data() + b.offset, b.rows, b.cols};
}
inline Eigen::Map<const Matrix> view(const Vector& theta, const Block& b) {
  return {theta.data() + b.offset, b.rows, b.cols};
}

inline std::span<double> as_span(Vector& v) {
  return {v.data(), static_cast<std::size_t>(v.size())};
}

}  // namespace shortrun

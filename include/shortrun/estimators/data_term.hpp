#pragma once
/// The positive (data) phase of the NLL gradient, split over a team's ranks:
///   grad += (1/B) sum_{i in minibatch} dE/dtheta(x_i).
/// The minibatch of update u is drawn by index from Purpose::minibatch streams (with
/// replacement), so it is the same whatever the team size. batch = 0 (or >= n) uses all data.
/// With set_noise(sigma) > 0 (data.noise), every update adds fresh N(0, sigma^2) noise to each
/// minibatch entry, from Stream(seed, Purpose::data_noise, minibatch position, update).
#include <cstdint>
#include <stdexcept>
#include <string>

#include "shortrun/core/random.hpp"
#include "shortrun/core/team_share.hpp"
#include "shortrun/data/dataset.hpp"

namespace shortrun {

class DataTerm {
 public:
  DataTerm(const Dataset& data, Index batch, std::uint64_t seed, int rank, int size)
      : data_(data), seed_(seed), rank_(rank) {
    const Index n = data.n_samples();
    full_ = data.population || batch <= 0 || batch >= n;
    global_batch_ = data.population ? 0 : (full_ ? n : batch);
    local_ = share_of(global_batch_, rank, size);
    if (full_ && !data.population) batch_ = data.x.middleCols(local_.begin, local_.count);
  }

  /// True when the moments are exact population moments (no samples to run chains from).
  bool population() const { return data_.population; }
  Index global_batch() const { return global_batch_; }
  const Dataset& data() const { return data_; }
  /// This rank's positions in the minibatch.
  Share local_share() const { return local_; }

  /// Standard deviation of the Gaussian noise added to the data at every update (0: none).
  void set_noise(double sigma) { noise_ = sigma; }
  double noise() const { return noise_; }

  /// This rank's columns of the minibatch of update u.
  const Matrix& local_batch(std::uint64_t update) {
    if (!full_) {
      batch_.resize(data_.dim(), local_.count);
      for (Index j = 0; j < local_.count; ++j) {
        Stream s(seed_, Purpose::minibatch, static_cast<std::uint64_t>(local_.begin + j), update);
        batch_.col(j) = data_.x.col(s.below(data_.n_samples()));
      }
    } else if (noise_ > 0) {
      batch_ = data_.x.middleCols(local_.begin, local_.count);
    }
    if (noise_ > 0) {
      for (Index j = 0; j < local_.count; ++j) {
        Stream s(seed_, Purpose::data_noise, static_cast<std::uint64_t>(local_.begin + j), update);
        for (Index i = 0; i < batch_.rows(); ++i) batch_(i, j) += noise_ * s.normal();
      }
    }
    return batch_;
  }

  template <class Model>
  void accumulate(const Model& model, std::uint64_t update, Vector& grad) {
    if (data_.population) {
      // Exact moments are counted once per team: by its first rank. Only models whose energy is
      // linear in (x, x x^T) can use them; the others (RBM) need samples.
      if constexpr (requires { model.accumulate_grad_energy_moments(data_.mean, data_.cov, 1.0, grad); }) {
        if (rank_ == 0) model.accumulate_grad_energy_moments(data_.mean, data_.second_moment(), 1.0, grad);
      } else {
        throw std::invalid_argument(std::string(Model::kName) + " needs data samples, not population moments");
      }
      return;
    }
    model.accumulate_grad_energy(local_batch(update), 1.0 / static_cast<double>(global_batch_), grad);
  }

 private:
  const Dataset& data_;
  std::uint64_t seed_;
  int rank_;
  bool full_ = true;
  Index global_batch_ = 0;
  double noise_ = 0;
  Share local_;
  Matrix batch_;
};

}  // namespace shortrun

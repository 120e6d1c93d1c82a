#pragma once
/// The positive (data) phase of the NLL gradient, split over a team's ranks:
///   grad += (1/B) sum_{i in minibatch} dE/dtheta(x_i).
/// The minibatch of update u is drawn by index from Purpose::minibatch streams (with
/// replacement), so it is the same whatever the team size. batch = 0 (or >= n) uses all data.
/// With set_noise(sigma) > 0 (data.noise), every update adds fresh N(0, sigma^2) noise to each
/// minibatch entry, from Stream(seed, Purpose::data_noise, minibatch position, update).
/// The whole data set (batch = 0 or >= n) without noise is the same batch at every update: for
/// energies linear in (x, x x^T) (gaussian, spins, bm) its sums over this rank's columns are then
/// computed once, in double, and every update adds the gradient from them.
///
/// Scalar is the working precision of the minibatch and of the gradient statistics
/// (model.precision): double, or float (each minibatch is converted from the double data as it is
/// drawn; the statistics are computed in float by the model's working copy,
/// models/working_precision.hpp, and added to the double gradient).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "shortrun/core/random.hpp"
#include "shortrun/core/team_share.hpp"
#include "shortrun/data/dataset.hpp"
#include "shortrun/models/working_precision.hpp"

namespace shortrun {

template <class Scalar>
class DataTermOf {
 public:
  using Mat = MatrixOf<Scalar>;

  DataTermOf(const Dataset& data, Index batch, std::uint64_t seed, int rank, int size)
      : data_(data), seed_(seed), rank_(rank) {
    const Index n = data.n_samples();
    full_ = data.population || batch <= 0 || batch >= n;
    global_batch_ = data.population ? 0 : (full_ ? n : batch);
    local_ = share_of(global_batch_, rank, size);
    // Population moments: <x x^T> once, not at every update.
    if (data.population) second_ = data.second_moment();
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

  /// This rank's columns of the minibatch of update u, in the working precision, converted from
  /// the data as read column by column: float32 training holds no float copy of the whole data
  /// set, only of the minibatch. The whole data set without noise is copied on the first call
  /// only, so the energies whose data term uses the cached sums below never copy it.
  const Mat& local_batch(std::uint64_t update) {
    if (!full_) {
      batch_.resize(data_.dim(), local_.count);
      for (Index j = 0; j < local_.count; ++j) {
        Stream s(seed_, Purpose::minibatch, static_cast<std::uint64_t>(local_.begin + j), update);
        batch_.col(j) = data_.x.col(s.below(data_.n_samples())).template cast<Scalar>();
      }
    } else if (noise_ > 0 || !whole_set_) {
      batch_ = local_columns();
      whole_set_ = noise_ == 0;
    }
    if (noise_ > 0) {
      for (Index j = 0; j < local_.count; ++j) {
        Stream s(seed_, Purpose::data_noise, static_cast<std::uint64_t>(local_.begin + j), update);
        for (Index i = 0; i < batch_.rows(); ++i) batch_(i, j) += static_cast<Scalar>(noise_ * s.normal());
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
        if (rank_ == 0) model.accumulate_grad_energy_moments(data_.mean, second_, 1.0, grad);
      } else {
        throw std::invalid_argument(std::string(Model::kName) + " needs data samples, not population moments");
      }
      return;
    }
    if (full_ && noise_ == 0) {
      // The whole data set without noise: the same batch at every update. For energies linear in
      // (x, x x^T) the data term is then a fixed function of the batch's sums, computed once (in
      // double, from the data as read) instead of an N x N x n product per update.
      if constexpr (requires { model.accumulate_grad_energy_moments(data_.mean, second_, 1.0, grad); }) {
        if (!sums_cached_) {
          const auto local = data_.x.middleCols(local_.begin, local_.count);
          sum_ = local.rowwise().sum();
          sum_second_.noalias() = local * local.transpose();
          sums_cached_ = true;
        }
        model.accumulate_grad_energy_moments(sum_, sum_second_, 1.0 / static_cast<double>(global_batch_), grad);
        return;
      }
    }
    const Mat& batch = local_batch(update);
    const auto& working = working_precision<Scalar>(model);
    working.accumulate_grad_energy(batch, 1.0 / static_cast<double>(global_batch_), grad);
  }

 private:
  /// This rank's columns of the whole data set, in the working precision.
  Mat local_columns() const { return data_.x.middleCols(local_.begin, local_.count).template cast<Scalar>(); }

  const Dataset& data_;
  std::uint64_t seed_;
  int rank_;
  bool full_ = true;
  Index global_batch_ = 0;
  double noise_ = 0;
  Share local_;
  Matrix second_;  ///< population moments: <x x^T> = cov + mean mean^T
  bool sums_cached_ = false;  ///< whole data, no noise, moment-linear energy: the local batch's sums below
  Vector sum_;                ///< sum of this rank's batch columns
  Matrix sum_second_;         ///< sum of x x^T over them
  Mat batch_;  ///< the local minibatch
  bool whole_set_ = false;  ///< batch_ holds this rank's columns of the whole data set, without noise
};

/// The double-precision data term (the solvable models, exact moments).
using DataTerm = DataTermOf<double>;

/// The working precision of an estimator: its `Scalar` where it names one (sampled chains), else
/// double (exact moments).
template <class Estimator>
struct ScalarOfEstimator {
  using type = double;
};
template <class Estimator>
  requires requires { typename Estimator::Scalar; }
struct ScalarOfEstimator<Estimator> {
  using type = typename Estimator::Scalar;
};
template <class Estimator>
using ScalarOf = typename ScalarOfEstimator<Estimator>::type;

}  // namespace shortrun

#include "shortrun/observables/chain_statistics.hpp"

#include <algorithm>
#include <string>

#include <Eigen/Eigenvalues>

namespace shortrun {

namespace {

double rms(const Eigen::Ref<const Matrix>& x) {
  return x.size() ? std::sqrt(x.squaredNorm() / static_cast<double>(x.size())) : 0.0;
}

/// sqrt(mean_{i<j} D_ij^2) of a symmetric difference D; 0 when N < 2.
double upper_rms(const Matrix& d) {
  const Index n = d.rows();
  if (n < 2) return 0.0;
  double sum = 0;
  for (Index j = 1; j < n; ++j)
    for (Index i = 0; i < j; ++i) sum += d(i, j) * d(i, j);
  return std::sqrt(sum / (0.5 * static_cast<double>(n) * static_cast<double>(n - 1)));
}

bool finite(double x) { return std::isfinite(x); }

}  // namespace

DataReference make_reference(const Dataset& data, Index n_components) {
  const Index n = data.dim();
  if (n > kMaxMomentDim)
    throw std::invalid_argument("measurement statistics over " + std::to_string(n) + " units; at most " +
                                std::to_string(kMaxMomentDim));
  DataReference ref;
  ref.mean = data.mean;
  ref.cov = data.cov;
  if (n > kMaxStoredCovDim) {
    const Index m = std::clamp<Index>(n_components, 1, n);
    Eigen::SelfAdjointEigenSolver<Matrix> es(0.5 * (data.cov + data.cov.transpose()));
    // Eigenvalues come ascending: the last m columns, reversed, are the top components.
    ref.components = es.eigenvectors().rightCols(m).rowwise().reverse();
  }
  return ref;
}

ChainSums::ChainSums(Index dim, Index n_hidden) : n_(dim), nh_(n_hidden) {
  if (dim > kMaxMomentDim)
    throw std::invalid_argument("chain sums over " + std::to_string(dim) + " units; at most " +
                                std::to_string(kMaxMomentDim));
  flat_ = Vector::Zero(3 + n_ + n_ * n_ + nh_ + n_ * nh_);
}

ChainSums& ChainSums::operator+=(const ChainSums& other) {
  if (other.flat_.size() != flat_.size()) throw std::invalid_argument("ChainSums of different shapes");
  flat_ += other.flat_;
  return *this;
}

void ChainSums::add(const Matrix& x, const Vector& energy, const DataReference& ref) {
  if (x.rows() != n_ || energy.size() != x.cols()) throw std::invalid_argument("ChainSums::add: shapes");
  const Matrix d = x.colwise() - ref.mean;
  flat_[0] += static_cast<double>(x.cols());
  Eigen::Map<Vector>(flat_.data() + 1, n_) += d.rowwise().sum();
  Eigen::Map<Matrix>(flat_.data() + 1 + n_, n_, n_).noalias() += d * d.transpose();
  const double shift = std::isfinite(ref.energy_mean) ? ref.energy_mean : 0.0;
  const auto e = energy.array() - shift;
  flat_[1 + n_ + n_ * n_] += e.sum();
  flat_[2 + n_ + n_ * n_] += e.square().sum();
}

void ChainSums::add_hidden(const Matrix& v, const Matrix& hbar) {
  if (hbar.rows() != nh_ || v.rows() != n_ || v.cols() != hbar.cols())
    throw std::invalid_argument("ChainSums::add_hidden: shapes");
  const Index at = 3 + n_ + n_ * n_;
  Eigen::Map<Vector>(flat_.data() + at, nh_) += hbar.rowwise().sum();
  Eigen::Map<Matrix>(flat_.data() + at + nh_, n_, nh_).noalias() += v * hbar.transpose();
}

ChainStatistics finish(const ChainSums& sums, const DataReference& ref) {
  const double r = sums.count();
  if (!(r > 0)) throw std::invalid_argument("finish: no chains were added");
  const Vector dm = sums.sum_d() / r;
  Matrix cov = sums.sum_dd() / r - dm * dm.transpose();
  cov = 0.5 * (cov + cov.transpose());
  const double shift = std::isfinite(ref.energy_mean) ? ref.energy_mean : 0.0;
  const double e1 = sums.sum_e() / r;
  const double var = std::max(0.0, sums.sum_e2() / r - e1 * e1);
  Vector h_mean;
  Matrix vh;
  if (sums.n_hidden() > 0) {
    h_mean = sums.sum_h() / r;
    vh = sums.sum_vh() / r;
  }
  ChainStatistics s = from_moments(ref.mean + dm, cov, shift + e1, std::sqrt(var), ref, h_mean, vh);
  // From the shifted sum directly: no rounding of m^D + dm - m^D.
  s.mean_err = rms(dm);
  s.n_chains = r;
  // Sums always carry energies: here NaN is an overflow, not an unknown.
  s.finite = s.finite && finite(s.mean_err) && finite(s.energy_mean) && finite(s.energy_std);
  return s;
}

ChainStatistics from_moments(const Vector& mean, const Matrix& cov, double energy_mean, double energy_std,
                             const DataReference& ref, const Vector& h_mean, const Matrix& vh) {
  ChainStatistics s;
  s.mean = mean;
  s.mean_err = rms(mean - ref.mean);
  s.corr_err = upper_rms(cov - ref.cov);
  if (ref.components.size() > 0) {
    s.cov = ref.components.transpose() * cov * ref.components;
    s.cov_components = ref.components.cols();
  } else {
    s.cov = cov;
  }
  s.energy_mean = energy_mean;
  s.energy_std = energy_std;
  bool ok = mean.allFinite() && cov.allFinite() && finite(s.mean_err) && finite(s.corr_err);
  // An unknown energy (NaN on both) is not an overflow; an infinite one is.
  if (!std::isnan(energy_mean) || !std::isnan(energy_std)) ok = ok && finite(energy_mean) && finite(energy_std);
  if (ref.n_hidden() > 0 && h_mean.size() == ref.n_hidden()) {
    s.h_mean = h_mean;
    s.h_err = rms(h_mean - ref.h_mean);
    s.vh_err = rms(vh - ref.vh);
    ok = ok && h_mean.allFinite() && finite(s.vh_err);
  }
  s.finite = ok;
  return s;
}

Vector mode_variances(const Matrix& cov, const Matrix& basis) {
  return (basis.transpose() * cov * basis).diagonal();
}

}  // namespace shortrun

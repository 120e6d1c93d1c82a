#include "shortrun/observables/chain_statistics.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

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

namespace {

/// Adds x (N x n) with energies to one ChainSums layout at `flat` (see ChainSums).
void add_block(double* flat, Index n, const Matrix& x, const Vector& energy, const DataReference& ref) {
  const Matrix d = x.colwise() - ref.mean;
  flat[0] += static_cast<double>(x.cols());
  Eigen::Map<Vector>(flat + 1, n) += d.rowwise().sum();
  Eigen::Map<Matrix>(flat + 1 + n, n, n).noalias() += d * d.transpose();
  const double shift = std::isfinite(ref.energy_mean) ? ref.energy_mean : 0.0;
  const auto e = energy.array() - shift;
  flat[1 + n + n * n] += e.sum();
  flat[2 + n + n * n] += e.square().sum();
}

void add_hidden_block(double* flat, Index n, Index nh, const Matrix& v, const Matrix& hbar) {
  const Index at = 3 + n + n * n;
  Eigen::Map<Vector>(flat + at, nh) += hbar.rowwise().sum();
  Eigen::Map<Matrix>(flat + at + nh, n, nh).noalias() += v * hbar.transpose();
}

/// Columns j of x with (first + j) mod g == group.
std::vector<Index> group_columns(Index cols, Index first, Index g, Index group) {
  std::vector<Index> out;
  Index j = ((group - first) % g + g) % g;
  for (; j < cols; j += g) out.push_back(j);
  return out;
}

Matrix columns_of(const Matrix& x, const std::vector<Index>& idx) {
  Matrix out(x.rows(), static_cast<Index>(idx.size()));
  for (std::size_t c = 0; c < idx.size(); ++c) out.col(static_cast<Index>(c)) = x.col(idx[c]);
  return out;
}

}  // namespace

void ChainSums::add(const Matrix& x, const Vector& energy, const DataReference& ref) {
  if (x.rows() != n_ || energy.size() != x.cols()) throw std::invalid_argument("ChainSums::add: shapes");
  add_block(flat_.data(), n_, x, energy, ref);
}

void ChainSums::add_hidden(const Matrix& v, const Matrix& hbar) {
  if (hbar.rows() != nh_ || v.rows() != n_ || v.cols() != hbar.cols())
    throw std::invalid_argument("ChainSums::add_hidden: shapes");
  add_hidden_block(flat_.data(), n_, nh_, v, hbar);
}

GroupedChainSums::GroupedChainSums(const DataReference& ref, Index groups)
    : n_(ref.dim()), nh_(ref.n_hidden()), g_(groups) {
  if (groups < 1) throw std::invalid_argument("GroupedChainSums: needs at least one group");
  size_ = ChainSums(n_, nh_).flat().size();
  flat_ = Vector::Zero(g_ * size_);
}

void GroupedChainSums::add(const Matrix& x, const Vector& energy, const DataReference& ref, Index first_chain) {
  if (x.rows() != n_ || energy.size() != x.cols()) throw std::invalid_argument("GroupedChainSums::add: shapes");
  for (Index g = 0; g < g_; ++g) {
    const std::vector<Index> idx = group_columns(x.cols(), first_chain, g_, g);
    if (idx.empty()) continue;
    Vector e(static_cast<Index>(idx.size()));
    for (std::size_t c = 0; c < idx.size(); ++c) e[static_cast<Index>(c)] = energy[idx[c]];
    add_block(flat_.data() + g * size_, n_, columns_of(x, idx), e, ref);
  }
}

void GroupedChainSums::add_hidden(const Matrix& v, const Matrix& hbar, Index first_chain) {
  if (hbar.rows() != nh_ || v.rows() != n_ || v.cols() != hbar.cols())
    throw std::invalid_argument("GroupedChainSums::add_hidden: shapes");
  for (Index g = 0; g < g_; ++g) {
    const std::vector<Index> idx = group_columns(v.cols(), first_chain, g_, g);
    if (idx.empty()) continue;
    add_hidden_block(flat_.data() + g * size_, n_, nh_, columns_of(v, idx), columns_of(hbar, idx));
  }
}

ChainSums GroupedChainSums::group(Index g) const {
  if (g < 0 || g >= g_) throw std::out_of_range("GroupedChainSums::group");
  ChainSums out(n_, nh_);
  out.flat() = flat_.segment(g * size_, size_);
  return out;
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
  s.mean_err_corrected = s.mean_err;
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
  s.mean_err_corrected = s.mean_err;
  s.corr_err_corrected = s.corr_err;
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

namespace {

/// The statistics a jackknife replicate needs, from sums (no projection, no checks).
struct Replicate {
  Vector dm;
  Matrix cov;
  double theta[6] = {0, 0, 0, 0, 0, 0};  ///< mean_err, corr_err, energy_mean, energy_std, h_err, vh_err
};

Replicate replicate_of(const ChainSums& sums, const DataReference& ref) {
  Replicate out;
  const double r = sums.count();
  out.dm = sums.sum_d() / r;
  out.cov = sums.sum_dd() / r - out.dm * out.dm.transpose();
  out.cov = 0.5 * (out.cov + out.cov.transpose());
  const double e1 = sums.sum_e() / r;
  out.theta[0] = rms(out.dm);
  out.theta[1] = upper_rms(out.cov - ref.cov);
  out.theta[2] = e1;  // shifted by E_ref: the shift cancels in deviations
  out.theta[3] = std::sqrt(std::max(0.0, sums.sum_e2() / r - e1 * e1));
  if (sums.n_hidden() > 0) {
    out.theta[4] = rms(Vector(sums.sum_h() / r) - ref.h_mean);
    out.theta[5] = rms(Matrix(sums.sum_vh() / r) - ref.vh);
  }
  return out;
}

}  // namespace

ChainStatistics finish(const ChainSums& sums, const GroupedChainSums& groups, const DataReference& ref) {
  ChainStatistics s = finish(sums, ref);
  const Index n = sums.dim();
  const Replicate full = replicate_of(sums, ref);
  // Delete-a-group jackknife over the groups that hold chains: with replicates theta_(g) (all chains
  // but group g), Var = (G-1)/G sum_g (theta_(g) - mean_g theta_(g))^2, accumulated as deviations
  // from the full-sample value (exact for any reference point, and well conditioned).
  double dev[6] = {0, 0, 0, 0, 0, 0}, dev2[6] = {0, 0, 0, 0, 0, 0};
  Vector dm_dev = Vector::Zero(n), dm_dev2 = Vector::Zero(n);
  Matrix cov_dev = Matrix::Zero(n, n), cov_dev2 = Matrix::Zero(n, n);
  Index used = 0;
  for (Index g = 0; g < groups.groups(); ++g) {
    ChainSums rest = groups.group(g);
    if (!(rest.count() > 0)) continue;
    rest.flat() = sums.flat() - rest.flat();
    if (!(rest.count() > 0.5)) continue;  // every chain in this one group: no replicate
    const Replicate rep = replicate_of(rest, ref);
    for (int q = 0; q < 6; ++q) {
      const double d = rep.theta[q] - full.theta[q];
      dev[q] += d;
      dev2[q] += d * d;
    }
    const Vector ddm = rep.dm - full.dm;
    dm_dev += ddm;
    dm_dev2 += ddm.cwiseAbs2();
    const Matrix dcov = rep.cov - full.cov;
    cov_dev += dcov;
    cov_dev2 += dcov.cwiseAbs2();
    ++used;
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (used < 2) {
    s.mean_err_se = s.corr_err_se = s.energy_mean_se = s.energy_std_se = s.h_err_se = s.vh_err_se = nan;
    s.mean_err_noise = s.corr_err_noise = nan;
    s.mean_err_corrected = s.mean_err;
    s.corr_err_corrected = s.corr_err;
    return s;
  }
  const double gu = static_cast<double>(used), factor = (gu - 1) / gu;
  double se[6];
  for (int q = 0; q < 6; ++q) se[q] = std::sqrt(std::max(0.0, factor * (dev2[q] - dev[q] * dev[q] / gu)));
  s.mean_err_se = se[0];
  s.corr_err_se = se[1];
  s.energy_mean_se = se[2];
  s.energy_std_se = se[3];
  if (sums.n_hidden() > 0) {
    s.h_err_se = se[4];
    s.vh_err_se = se[5];
  }
  // Noise parts: the mean over units (pairs i < j) of the jackknife variances of m_i (C_ij).
  const Vector var_m = (factor * (dm_dev2 - dm_dev.cwiseAbs2() / gu)).cwiseMax(0.0);
  const Matrix var_c = (factor * (cov_dev2 - cov_dev.cwiseAbs2() / gu)).cwiseMax(0.0);
  s.mean_err_noise = n > 0 ? var_m.mean() : 0.0;
  double pairs = 0;
  for (Index j = 1; j < n; ++j)
    for (Index i = 0; i < j; ++i) pairs += var_c(i, j);
  s.corr_err_noise = n > 1 ? pairs / (0.5 * static_cast<double>(n) * static_cast<double>(n - 1)) : 0.0;
  s.mean_err_corrected = std::sqrt(std::max(0.0, s.mean_err * s.mean_err - s.mean_err_noise));
  s.corr_err_corrected = std::sqrt(std::max(0.0, s.corr_err * s.corr_err - s.corr_err_noise));
  return s;
}

Vector mode_variances(const Matrix& cov, const Matrix& basis) {
  return (basis.transpose() * cov * basis).diagonal();
}

}  // namespace shortrun

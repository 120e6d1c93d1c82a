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
  // Lower triangle only: half the flops of d d^T (a syrk through OpenBLAS).
  Eigen::Map<Matrix>(flat + 1 + n, n, n).selfadjointView<Eigen::Lower>().rankUpdate(d);
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

namespace {
/// Applies f(offset, length) to the contiguous runs of one ChainSums layout that add_block and
/// add_hidden_block write: everything but the strict upper triangle of sum d d^T (column j of
/// the N x N block from row j down), which is 0 from construction on and never written.
template <class F>
void for_each_written_run(Index n, Index size, F&& f) {
  const Index dd = 1 + n;
  f(Index(0), dd);  // count, sum d
  for (Index j = 0; j < n; ++j) f(dd + j * n + j, n - j);
  f(dd + n * n, size - dd - n * n);  // sum e, sum e^2, sum h, sum v h^T
}
}  // namespace

void GroupedChainSums::clear() {
  // At every recorded time of a dynamics measurement: 161 MB for a 784 x 500 rbm, of which the
  // upper triangles (30 %) are left alone.
  for (Index g = 0; g < g_; ++g)
    for_each_written_run(n_, size_, [&](Index at, Index len) { flat_.segment(g * size_ + at, len).setZero(); });
}

void GroupedChainSums::total(ChainSums& out) const {
  if (out.flat().size() != size_) throw std::invalid_argument("GroupedChainSums::total: shapes");
  out.flat() = flat_.head(size_);
  for (Index g = 1; g < g_; ++g)
    for_each_written_run(n_, size_, [&](Index at, Index len) {
      out.flat().segment(at, len) += flat_.segment(g * size_ + at, len);
    });
}

ChainStatistics finish(const ChainSums& sums, const DataReference& ref) {
  const double r = sums.count();
  if (!(r > 0)) throw std::invalid_argument("finish: no chains were added");
  const Vector dm = sums.sum_d() / r;
  Matrix cov = sums.sum_dd().selfadjointView<Eigen::Lower>();
  cov = cov / r - dm * dm.transpose();
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

/// One delete-a-group replicate of the jackknife: the sums of every chain but group g's, read as
/// S - G (G null for the full sample) without forming them.
struct Replicate {
  const double* group = nullptr;  ///< the group's ChainSums layout; null: the full sample
  double r = 0;                   ///< chains in the replicate
  Vector dm;                      ///< mean deviation from m^D
  double theta[6] = {0, 0, 0, 0, 0, 0};  ///< mean_err, corr_err, energy_mean, energy_std, h_err, vh_err
};

/// A pair tile's edge: its four 64 x 64 scratch tiles of doubles sit in L2.
constexpr Index kPairTile = 64;

/// Sum_d, the energies and the hidden sums of a replicate (everything but the N x N and Nv x Nh
/// blocks, which finish() goes through tile by tile).
void small_terms(const ChainSums& sums, const DataReference& ref, Replicate& rep) {
  const Index n = sums.dim(), nh = sums.n_hidden();
  const double* s = sums.flat().data();
  const double* g = rep.group;
  auto rest = [&](Index k) { return g != nullptr ? s[k] - g[k] : s[k]; };
  rep.dm.resize(n);
  for (Index i = 0; i < n; ++i) rep.dm[i] = rest(1 + i) / rep.r;
  rep.theta[0] = rms(rep.dm);
  const Index at_e = 1 + n + n * n;
  const double e1 = rest(at_e) / rep.r;
  rep.theta[2] = e1;  // shifted by E_ref: the shift cancels in deviations
  rep.theta[3] = std::sqrt(std::max(0.0, rest(at_e + 1) / rep.r - e1 * e1));
  if (nh > 0) {
    double sq = 0;
    for (Index k = 0; k < nh; ++k) {
      const double d = rest(at_e + 2 + k) / rep.r - ref.h_mean[k];
      sq += d * d;
    }
    rep.theta[4] = std::sqrt(sq / static_cast<double>(nh));
  }
}

}  // namespace

ChainStatistics finish(const ChainSums& sums, const GroupedChainSums& groups, const DataReference& ref) {
  ChainStatistics s = finish(sums, ref);
  const Index n = sums.dim(), nh = sums.n_hidden();
  // Delete-a-group jackknife over the groups that hold chains: with replicates theta_(g) (all chains
  // but group g), Var = (G-1)/G sum_g (theta_(g) - mean_g theta_(g))^2, accumulated as deviations
  // from the full-sample value (exact for any reference point, and well conditioned).
  // The replicates are never formed: their N x N covariances (and Nv x Nh products) are read as
  // S - G_g tile by tile, all replicates of a tile while it is in cache, so a measurement over
  // 784 units reads each group's sums once and allocates nothing of size N^2.
  if (groups.flat().size() != groups.groups() * sums.flat().size())
    throw std::invalid_argument("finish: group sums of another shape than the sums");
  std::vector<Replicate> reps(1);  // reps[0]: the full sample
  reps[0].r = sums.count();
  for (Index g = 0; g < groups.groups(); ++g) {
    const double* group = groups.flat().data() + g * sums.flat().size();
    const double count = group[0];
    if (!(count > 0)) continue;
    if (!(reps[0].r - count > 0.5)) continue;  // every chain in this one group: no replicate
    Replicate rep;
    rep.group = group;
    rep.r = reps[0].r - count;
    reps.push_back(std::move(rep));
  }
  const Index used = static_cast<Index>(reps.size()) - 1;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (used < 2) {
    s.mean_err_se = s.corr_err_se = s.energy_mean_se = s.energy_std_se = s.h_err_se = s.vh_err_se = nan;
    s.mean_err_noise = s.corr_err_noise = nan;
    s.mean_err_corrected = s.mean_err;
    s.corr_err_corrected = s.corr_err;
    return s;
  }
  for (Replicate& rep : reps) small_terms(sums, ref, rep);
  const double gu = static_cast<double>(used), factor = (gu - 1) / gu;

  // Pairs i < j, in tiles: each replicate's C_ij = S_ji / r - dm_i dm_j with S its summed d d^T
  // (lower triangle, read down column i), its squared distance to C^D summed for corr_err, and
  // the deviations from the full sample's C_ij summed per pair for Var(C_ij hat).
  const double* sf = sums.flat().data();
  const Index at_dd = 1 + n;
  std::vector<double> sq(reps.size(), 0.0);  // sum over pairs of (C_ij - C^D_ij)^2, per replicate
  std::vector<double> full(kPairTile * kPairTile), dev(kPairTile * kPairTile), dev2(kPairTile * kPairTile),
      data(kPairTile * kPairTile);
  double pair_var = 0;
  for (Index i0 = 0; i0 < n; i0 += kPairTile) {
    const Index iw = std::min(kPairTile, n - i0);
    for (Index j0 = i0; j0 < n; j0 += kPairTile) {
      const Index jw = std::min(kPairTile, n - j0);
      std::fill(dev.begin(), dev.end(), 0.0);
      std::fill(dev2.begin(), dev2.end(), 0.0);
      for (Index jj = 0; jj < jw; ++jj)  // C^D_ij (upper, as corr_err reads it) in the tile's order
        for (Index ii = 0; ii < iw; ++ii) data[ii * kPairTile + jj] = ref.cov(i0 + ii, j0 + jj);
      for (std::size_t q = 0; q < reps.size(); ++q) {
        const Replicate& rep = reps[q];
        const double* g = rep.group;
        const double r = rep.r;
        double acc = 0;
        for (Index ii = 0; ii < iw; ++ii) {
          const Index i = i0 + ii, from = std::max<Index>(0, i + 1 - j0);  // columns j > i of this row
          const Index base = at_dd + j0 + i * n;                           // S_ji, j = j0 ..
          const double dmi = rep.dm[i];
          const double* dmj = rep.dm.data() + j0;
          const double* cref = data.data() + ii * kPairTile;
          double* f = full.data() + ii * kPairTile;
          double* dv = dev.data() + ii * kPairTile;
          double* dv2 = dev2.data() + ii * kPairTile;
          for (Index jj = from; jj < jw; ++jj) {
            const double sji = g != nullptr ? sf[base + jj] - g[base + jj] : sf[base + jj];
            const double c = sji / r - dmi * dmj[jj];
            const double d = c - cref[jj];
            acc += d * d;
            if (q == 0) {
              f[jj] = c;
            } else {
              const double e = c - f[jj];
              dv[jj] += e;
              dv2[jj] += e * e;
            }
          }
        }
        sq[q] += acc;
      }
      for (Index ii = 0; ii < iw; ++ii)
        for (Index jj = std::max<Index>(0, i0 + ii + 1 - j0); jj < jw; ++jj) {
          const double dv = dev[ii * kPairTile + jj];
          pair_var += std::max(0.0, factor * (dev2[ii * kPairTile + jj] - dv * dv / gu));
        }
    }
  }
  const double n_pairs = 0.5 * static_cast<double>(n) * static_cast<double>(n - 1);
  for (std::size_t q = 0; q < reps.size(); ++q) reps[q].theta[1] = n > 1 ? std::sqrt(sq[q] / n_pairs) : 0.0;

  // RBM: vh_err of every replicate, the Nv x Nh block a slice at a time.
  if (nh > 0) {
    const Index at_vh = 3 + n + n * n + nh, size = n * nh;
    constexpr Index kSlice = 4096;
    std::vector<double> vsq(reps.size(), 0.0);
    for (Index k0 = 0; k0 < size; k0 += kSlice) {
      const Index w = std::min(kSlice, size - k0);
      const double* vref = ref.vh.data() + k0;
      for (std::size_t q = 0; q < reps.size(); ++q) {
        const double* g = reps[q].group;
        const double inv = 1.0 / reps[q].r;
        double acc = 0;
        for (Index k = 0; k < w; ++k) {
          const double v = g != nullptr ? sf[at_vh + k0 + k] - g[at_vh + k0 + k] : sf[at_vh + k0 + k];
          const double d = v * inv - vref[k];
          acc += d * d;
        }
        vsq[q] += acc;
      }
    }
    for (std::size_t q = 0; q < reps.size(); ++q) reps[q].theta[5] = std::sqrt(vsq[q] / static_cast<double>(size));
  }

  double dev_theta[6] = {0, 0, 0, 0, 0, 0}, dev2_theta[6] = {0, 0, 0, 0, 0, 0};
  Vector dm_dev = Vector::Zero(n), dm_dev2 = Vector::Zero(n);
  for (std::size_t q = 1; q < reps.size(); ++q) {
    for (int k = 0; k < 6; ++k) {
      const double d = reps[q].theta[k] - reps[0].theta[k];
      dev_theta[k] += d;
      dev2_theta[k] += d * d;
    }
    const Vector ddm = reps[q].dm - reps[0].dm;
    dm_dev += ddm;
    dm_dev2 += ddm.cwiseAbs2();
  }
  double se[6];
  for (int k = 0; k < 6; ++k)
    se[k] = std::sqrt(std::max(0.0, factor * (dev2_theta[k] - dev_theta[k] * dev_theta[k] / gu)));
  s.mean_err_se = se[0];
  s.corr_err_se = se[1];
  s.energy_mean_se = se[2];
  s.energy_std_se = se[3];
  if (nh > 0) {
    s.h_err_se = se[4];
    s.vh_err_se = se[5];
  }
  // Noise parts: the mean over units (pairs i < j) of the jackknife variances of m_i (C_ij).
  const Vector var_m = (factor * (dm_dev2 - dm_dev.cwiseAbs2() / gu)).cwiseMax(0.0);
  s.mean_err_noise = n > 0 ? var_m.mean() : 0.0;
  s.corr_err_noise = n > 1 ? pair_var / n_pairs : 0.0;
  s.mean_err_corrected = std::sqrt(std::max(0.0, s.mean_err * s.mean_err - s.mean_err_noise));
  s.corr_err_corrected = std::sqrt(std::max(0.0, s.corr_err * s.corr_err - s.corr_err_noise));
  return s;
}

Vector mode_variances(const Matrix& cov, const Matrix& basis) {
  return (basis.transpose() * cov * basis).diagonal();
}

}  // namespace shortrun

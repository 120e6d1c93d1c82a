#pragma once
/// Statistics of a set of chains against data (docs/theory.md section 5; docs/design.md section 4):
///   m_i = <x_i>,   C_ij = <x_i x_j> - m_i m_j   (connected, 1/R normalisation like the data's),
///   mean_err = sqrt(mean_i (m_i - m^D_i)^2),   corr_err = sqrt(mean_{i<j} (C_ij - C^D_ij)^2),
///   energy mean and standard deviation over the chains,
///   RBM: <hbar> with hbar = sigmoid(b + W^T v) (the expected hidden units given v), and the errors
///   h_err = sqrt(mean_k (<hbar_k> - <hbar_k>^D)^2), vh_err = sqrt(mean_{ik} (<v_i hbar_k> - D)^2).
/// A team's chains are split over its ranks: each rank adds its chains to a GroupedChainSums,
/// G = kJackknifeGroups sums of the chains with global index c = g (mod G), the team sums the flat
/// vector (Reducer::sum_inplace: one all-reduce), the groups' total is the ChainSums of all chains,
/// and finish() turns it into ChainStatistics. Exact laws give ChainStatistics through
/// from_moments(). Standard errors (docs/theory.md section 5): finish(sums, groups, ref) adds the
/// delete-a-group jackknife standard error of every scalar statistic, and the noise-corrected
/// mean_err and corr_err. Groups are fixed by the global chain index, so the errors do not depend
/// on how the chains are split over ranks.
#include <algorithm>
#include <cmath>
#include <concepts>
#include <limits>
#include <stdexcept>

#include "shortrun/core/types.hpp"
#include "shortrun/data/dataset.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun {

/// Largest N whose full covariance a ChainStatistics holds (docs/design.md section 4: cov [N,N] for N <= 64).
/// Above it, `cov` is the projection U_m^T C U_m on the data's top m principal components.
inline constexpr Index kMaxStoredCovDim = 64;
/// Number G of chain groups of the delete-a-group jackknife (fixed: documented in docs/theory.md).
inline constexpr Index kJackknifeGroups = 20;
/// Largest N whose full second moment is accumulated (N^2 doubles per sum; corr_err needs it).
inline constexpr Index kMaxMomentDim = 1024;

/// Models whose chains hold visible units only, with hidden units summed out (BernoulliRbm).
template <class Model>
concept HasHiddenUnits = requires(const Model m, const Matrix& v) {
  { m.n_hidden() } -> std::convertible_to<Index>;
  { m.hidden_input(v) } -> std::convertible_to<Matrix>;
};

/// What chains are compared against: the data's moments, and the model-dependent data terms.
struct DataReference {
  Vector mean;        ///< m^D, (N)
  Matrix cov;         ///< C^D, connected, (N x N)
  Matrix components;  ///< U_m, (N x m): top-m eigenvectors of C^D, largest first; empty when N <= kMaxStoredCovDim
  /// <E>_D of the data under the model measured (NaN if unknown); also the shift of energy sums.
  double energy_mean = std::numeric_limits<double>::quiet_NaN();
  Vector h_mean;      ///< RBM: <hbar>^D, (Nh); empty for other models
  Matrix vh;          ///< RBM: <v hbar^T>^D, (Nv x Nh)

  Index dim() const { return mean.size(); }
  Index n_hidden() const { return h_mean.size(); }
};

/// What the sums (of chains, and add_model_terms of the data) need of states x besides the
/// states: their energies and, for an RBM, hbar = sigmoid(b + W^T v), both from one product
/// W^T v where the model offers energy_from_hidden_input (BernoulliRbm: its free energy from the
/// same pre-activations).
struct ChainTerms {
  Vector energy;  ///< (n)
  Matrix hbar;    ///< RBM: (Nh x n); empty otherwise
};

template <class Model>
ChainTerms chain_terms(const Model& model, const Matrix& x) {
  ChainTerms t;
  if constexpr (HasHiddenUnits<Model>) {
    const Matrix in = model.hidden_input(x);
    if constexpr (requires { model.energy_from_hidden_input(x, in); })
      t.energy = model.energy_from_hidden_input(x, in);
    else
      t.energy = model.energy(x);
    t.hbar = in.unaryExpr([](double y) { return sigmoid(y); });
  } else {
    t.energy = model.energy(x);
  }
  return t;
}

/// The model-free part of the reference: data mean, covariance and (N > kMaxStoredCovDim) the
/// top-n_components principal components. Throws std::invalid_argument when N > kMaxMomentDim.
DataReference make_reference(const Dataset& data, Index n_components = kMaxStoredCovDim);

/// Adds the model's data terms to a model-free reference: <E>_D (from samples, or for population
/// data from the moments: <E> = theta . <dE/dtheta> for an energy linear in its parameters), and for
/// the RBM <hbar>^D and <v hbar^T>^D (needs data samples). The model-free part (with its principal
/// components) can so be computed once for many checkpoints.
template <class Model>
DataReference add_model_terms(const Model& model, const Dataset& data, DataReference ref, Index block_columns = 0) {
  // The data go through the model a block of columns at a time (about 8 MB of hidden inputs), not
  // all at once: 60 000 images and 500 hidden units would otherwise hold two 240 MB matrices.
  // Data of one block get the single products they always had, bit for bit.
  const Index n_cols = data.x.cols();
  Index rows = data.x.rows();
  if constexpr (HasHiddenUnits<Model>) rows = std::max(rows, model.n_hidden());
  const Index block = column_block(rows, block_columns);
  if (data.population) {
    if constexpr (HasHiddenUnits<Model>) throw std::invalid_argument("an RBM reference needs data samples");
    if constexpr (requires(Vector g) { model.accumulate_grad_energy_moments(data.mean, data.cov, 1.0, g); }) {
      Vector g = Vector::Zero(model.params().size());
      model.accumulate_grad_energy_moments(data.mean, data.second_moment(), 1.0, g);
      ref.energy_mean = model.params().dot(g);
    }
    return ref;
  }
  // Energies and (RBM) hbar of each block from chain_terms: one W^T x for both.
  Vector energy(n_cols), h_sum;
  Matrix vh_sum;
  if constexpr (HasHiddenUnits<Model>) {
    h_sum = Vector::Zero(model.n_hidden());
    vh_sum = Matrix::Zero(data.x.rows(), model.n_hidden());
  }
  for (Index first = 0; first < n_cols; first += block) {
    const Index width = std::min(block, n_cols - first);
    const Matrix x = data.x.middleCols(first, width);
    const ChainTerms t = chain_terms(model, x);
    energy.segment(first, width) = t.energy;
    if constexpr (HasHiddenUnits<Model>) {
      h_sum += t.hbar.rowwise().sum();
      vh_sum.noalias() += x * t.hbar.transpose();
    }
  }
  ref.energy_mean = energy.mean();
  if constexpr (HasHiddenUnits<Model>) {
    const double n = static_cast<double>(n_cols);
    ref.h_mean = h_sum / n;
    ref.vh = vh_sum / n;
  }
  return ref;
}

/// make_reference plus the model's data terms (add_model_terms).
template <class Model>
DataReference make_reference(const Model& model, const Dataset& data, Index n_components = kMaxStoredCovDim) {
  return add_model_terms(model, data, make_reference(data, n_components));
}

/// Statistics of one set of chains (or of an exact law) against a DataReference.
struct ChainStatistics {
  double n_chains = 0;   ///< samples pooled (chains x recorded steps); 0 for an exact law
  Vector mean;           ///< m, (N)
  /// C, (N x N) when cov_components = 0; else U_m^T C U_m, (m x m) with m = cov_components.
  Matrix cov;
  Index cov_components = 0;
  double mean_err = 0;   ///< sqrt(mean_i (m_i - m^D_i)^2)
  double corr_err = 0;   ///< sqrt(mean_{i<j} (C_ij - C^D_ij)^2), on the full C; 0 when N < 2
  double energy_mean = std::numeric_limits<double>::quiet_NaN();  ///< <E>; NaN if unknown
  double energy_std = std::numeric_limits<double>::quiet_NaN();   ///< sqrt(<E^2> - <E>^2)
  Vector h_mean;         ///< RBM: <hbar>, (Nh); empty otherwise
  double h_err = 0;      ///< RBM: sqrt(mean_k (<hbar_k> - <hbar_k>^D)^2)
  double vh_err = 0;     ///< RBM: sqrt(mean_{ik} (<v_i hbar_k> - <v_i hbar_k>^D)^2)
  /// Standard errors of the statistics above (delete-a-group jackknife over chains); 0 for an exact
  /// law (no sampling noise), NaN when fewer than 2 groups hold chains.
  double mean_err_se = 0, corr_err_se = 0, energy_mean_se = 0, energy_std_se = 0, h_err_se = 0, vh_err_se = 0;
  /// Expected sampling-noise part of mean_err^2 and corr_err^2: mean_i Var(m_i hat) and
  /// mean_{i<j} Var(C_ij hat), each variance the jackknife's; 0 for an exact law.
  double mean_err_noise = 0, corr_err_noise = 0;
  /// Noise-corrected errors sqrt(max(0, err^2 - noise)); equal to the raw errors for an exact law.
  double mean_err_corrected = 0, corr_err_corrected = 0;
  /// Every number above is finite. False means the chains overflowed (no equilibrium).
  bool finite = true;
};

/// Sufficient sums of chains, as one flat vector a Reducer sums over a team:
///   [ R | sum d (N) | sum d d^T (N*N, column-major: the lower triangle and the diagonal; the
///     upper triangle stays 0) | sum e | sum e^2 | sum hbar (Nh) | sum v hbar^T (Nv*Nh, column-major) ],
/// with d = x - m^D and e = E - E_ref (E_ref = ref.energy_mean, or 0 when NaN): shifting by the
/// data's values keeps the differences of sums well conditioned.
class ChainSums {
 public:
  ChainSums(Index dim, Index n_hidden = 0);
  /// Sized for a reference (N and Nh from it).
  explicit ChainSums(const DataReference& ref) : ChainSums(ref.dim(), ref.n_hidden()) {}

  Index dim() const { return n_; }
  Index n_hidden() const { return nh_; }
  Vector& flat() { return flat_; }
  const Vector& flat() const { return flat_; }
  void clear() { flat_.setZero(); }
  ChainSums& operator+=(const ChainSums& other);

  /// Adds the columns of x (N x n) with their energies (n).
  void add(const Matrix& x, const Vector& energy, const DataReference& ref);
  /// RBM: adds hbar (Nh x n) of the same columns v (Nv x n).
  void add_hidden(const Matrix& v, const Matrix& hbar);

  double count() const { return flat_[0]; }
  Eigen::Map<const Vector> sum_d() const { return {flat_.data() + 1, n_}; }
  /// sum d d^T: its lower triangle and diagonal (a symmetric rank update), the upper triangle 0.
  Eigen::Map<const Matrix> sum_dd() const { return {flat_.data() + 1 + n_, n_, n_}; }
  double sum_e() const { return flat_[1 + n_ + n_ * n_]; }
  double sum_e2() const { return flat_[2 + n_ + n_ * n_]; }
  Eigen::Map<const Vector> sum_h() const { return {flat_.data() + 3 + n_ + n_ * n_, nh_}; }
  Eigen::Map<const Matrix> sum_vh() const { return {flat_.data() + 3 + n_ + n_ * n_ + nh_, n_, nh_}; }

 private:
  Index n_;
  Index nh_;
  Vector flat_;
};

/// The sums of G fixed groups of chains, one ChainSums layout after the other in one flat vector
/// (G times the size of ChainSums: a Reducer sums it over a team like ChainSums). Column j of a
/// block added with first_chain = c0 is global chain c0 + j, and goes to group (c0 + j) mod G.
class GroupedChainSums {
 public:
  explicit GroupedChainSums(const DataReference& ref, Index groups = kJackknifeGroups);

  Index groups() const { return g_; }
  /// The G layouts one after the other. Writers (the team's sum) must keep every group's strict
  /// upper triangle of sum d d^T at 0, as add does: clear and total skip it.
  Vector& flat() { return flat_; }
  const Vector& flat() const { return flat_; }
  /// Zeroes every group's sums (all but the upper triangles, which stay 0).
  void clear();

  /// Adds the columns of x (N x n), global chains first_chain .., with their energies (n).
  void add(const Matrix& x, const Vector& energy, const DataReference& ref, Index first_chain);
  /// RBM: adds hbar (Nh x n) of the same columns v (Nv x n).
  void add_hidden(const Matrix& v, const Matrix& hbar, Index first_chain);
  /// The sums of group g, as a ChainSums.
  ChainSums group(Index g) const;
  /// The sums of all groups' chains: out = the groups' sum (out sized like one group).
  void total(ChainSums& out) const;

 private:
  Index n_;
  Index nh_;
  Index g_;
  Index size_;  ///< the size of one ChainSums
  Vector flat_;
};

/// Adds chains x (N x n) of `model` to sums: energies, and hbar for an RBM.
template <class Model>
void accumulate_chains(const Model& model, const Matrix& x, const DataReference& ref, ChainSums& sums) {
  const ChainTerms t = chain_terms(model, x);
  sums.add(x, t.energy, ref);
  if constexpr (HasHiddenUnits<Model>) sums.add_hidden(x, t.hbar);
}

/// Adds chains x (N x n), global chains first_chain .., with their terms to the group sums. The
/// sums of all chains are the groups' total (GroupedChainSums::total), taken after the team's
/// reduction: each chain's outer products are formed once.
inline void accumulate_chains(const Matrix& x, const ChainTerms& t, const DataReference& ref, GroupedChainSums& groups,
                              Index first_chain) {
  groups.add(x, t.energy, ref, first_chain);
  if (t.hbar.rows() > 0) groups.add_hidden(x, t.hbar, first_chain);
}

template <class Model>
void accumulate_chains(const Model& model, const Matrix& x, const DataReference& ref, GroupedChainSums& groups,
                       Index first_chain) {
  accumulate_chains(x, chain_terms(model, x), ref, groups, first_chain);
}

/// Statistics from team-summed sums (every rank gets the same numbers from the same sums).
/// The standard errors stay 0 and the corrected errors equal the raw ones: use the overload with
/// the group sums for those.
ChainStatistics finish(const ChainSums& sums, const DataReference& ref);

/// finish(sums, ref) plus, from the team-summed group sums of the same chains, the delete-a-group
/// jackknife standard errors and the noise-corrected mean_err and corr_err (docs/theory.md
/// section 5). The statistics themselves are those of finish(sums, ref), bit for bit.
ChainStatistics finish(const ChainSums& sums, const GroupedChainSums& groups, const DataReference& ref);

/// Statistics of a law given by its moments (exact paths, equilibrium references).
/// energy_mean / energy_std may be NaN (unknown); h_mean and vh are used when ref has hidden units.
ChainStatistics from_moments(const Vector& mean, const Matrix& cov, double energy_mean, double energy_std,
                             const DataReference& ref, const Vector& h_mean = {}, const Matrix& vh = {});

/// Variances of C along the columns of basis: diag(U^T C U), (m). With U the data's eigenbasis,
/// these are the v_alpha(t) of docs/theory.md section 2.
Vector mode_variances(const Matrix& cov, const Matrix& basis);

}  // namespace shortrun

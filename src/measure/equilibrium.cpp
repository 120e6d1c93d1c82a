#include "shortrun/measure/equilibrium.hpp"

#include <cstdio>
#include <numbers>

#include <Eigen/Eigenvalues>

#include "shortrun/core/format.hpp"

namespace shortrun {

namespace {

constexpr Index kStateChunk = 4096;  // states per block when summing over 2^n states

EquilibriumResult no_equilibrium(EquilibriumMethod method, std::string note) {
  EquilibriumResult out;
  out.method = method;
  out.exists = false;
  out.note = std::move(note);
  out.stats.finite = false;
  return out;
}

double log_sum_exp(const Vector& x) {
  const double top = x.maxCoeff();
  return top + std::log((x.array() - top).exp().sum());
}

}  // namespace

EquilibriumResult gaussian_theory_equilibrium(const GaussianEnergy& model, const gaussian_theory::Ula& ula,
                                              const DataReference& ref) {
  const Matrix J = model.J();
  Eigen::SelfAdjointEigenSolver<Matrix> es(0.5 * (J + J.transpose()));
  const Vector lambda = es.eigenvalues();
  for (Index a = 0; a < lambda.size(); ++a)
    if (!(lambda[a] > 0.0 && lambda[a] < 2.0 / ula.step))
      return no_equilibrium(EquilibriumMethod::theory, "no equilibrium: J has eigenvalue " + std::to_string(lambda[a]) +
                                          " outside (0, 2/eta) = (0, " + std::to_string(2.0 / ula.step) +
                                          "), so ULA has no stationary law");
  EquilibriumResult out;
  out.method = EquilibriumMethod::theory;
  out.stats = gaussian_law_statistics(model, gaussian_theory::stationary(J, model.h(), ula), ref);
  const Vector he = es.eigenvectors().transpose() * Vector(model.h());
  const double temp = ula.temperature;
  // Scalar logs: Eigen's vectorised log trips a GCC 12 -Wuninitialized false positive (AVX-512).
  double log_z = 0;
  for (Index a = 0; a < lambda.size(); ++a)
    log_z += 0.5 * std::log(2.0 * std::numbers::pi * temp / lambda[a]) + he[a] * he[a] / (2.0 * temp * lambda[a]);
  out.log_z = log_z;
  out.note = "stationary law of ULA (step " + std::to_string(ula.step) + ")";
  return out;
}

EquilibriumResult spins_theory_equilibrium(const IndependentSpins& model, const DataReference& ref) {
  const Spin spin = model.spin();
  const Index n = model.dim();
  const double low = spin_low(spin), gap = spin_gap(spin);
  Vector mean(n), var(n);
  double log_z = 0;
  for (Index i = 0; i < n; ++i) {
    const double h = model.h()(i, 0);
    const double p_up = prob_up(spin, h);
    mean[i] = low + gap * p_up;
    var[i] = gap * gap * p_up * (1.0 - p_up);
    // log(e^{h up} + e^{h low}) = h low + softplus(gap h)
    log_z += h * low + softplus(gap * h);
  }
  const Vector h = model.h();
  EquilibriumResult out;
  out.method = EquilibriumMethod::theory;
  out.stats = from_moments(mean, Matrix(var.asDiagonal()), -h.dot(mean),
                           std::sqrt(h.cwiseAbs2().dot(var)), ref);
  out.log_z = log_z;
  out.note = spin == Spin::pm1 ? "independent units: <s_i> = tanh h_i" : "independent units: <s_i> = sigmoid h_i";
  return out;
}

EquilibriumResult enumerated_exact_equilibrium(const exact::PairwiseModel& model, const DataReference& ref) {
  EquilibriumResult out;
  out.method = EquilibriumMethod::exact;
  const Vector minus_e = exact::log_weights(model);
  out.log_z = log_sum_exp(minus_e);
  const Vector p = (minus_e.array() - out.log_z).exp().matrix();
  out.stats = pairwise_law_statistics(model, p, ref);
  out.note = "enumeration of 2^" + std::to_string(model.dim()) + " states";
  return out;
}

EquilibriumResult exact_equilibrium(const BernoulliRbm& rbm, const DataReference& ref, bool over_hidden) {
  const Index nv = rbm.n_visible(), nh = rbm.n_hidden();
  if (std::min(nv, nh) > exact::kMaxEnumerableUnits) return streamed_exact_equilibrium(rbm, ref);
  EquilibriumResult out;
  out.method = EquilibriumMethod::exact;
  out.log_z = exact::rbm_log_partition(rbm);
  if (!over_hidden && nv <= exact::kMaxEnumerableUnits) {
    const Vector minus_f = -rbm.energy(exact::states(nv, Spin::zero_one, 0, Index{1} << nv));
    out.stats = rbm_law_statistics(rbm, (minus_f.array() - out.log_z).exp().matrix(), ref);
    out.note = "enumeration of 2^" + std::to_string(nv) + " visible states";
    return out;
  }
  if (nh > exact::kMaxEnumerableUnits)
    throw std::invalid_argument("exact RBM equilibrium: both layers above " +
                                std::to_string(exact::kMaxEnumerableUnits) + " units");
  // Over the hidden states: p(h) = exp(-F(h)) / Z, F(h) = -b^T h - sum_i softplus((a + W h)_i), and
  // v | h independent with means sigma = sigmoid(a + W h):
  //   <v> = sum p sigma, <v v^T> = sum p (sigma sigma^T + diag(sigma (1 - sigma))), <v h^T> = sum p sigma h^T.
  // <hbar> = <E[h | v]> = <h> and <v hbar^T> = <v h^T>.
  const Index total = Index{1} << nh;
  Vector mean = Vector::Zero(nv), h_mean = Vector::Zero(nh);
  Matrix second = Matrix::Zero(nv, nv), vh = Matrix::Zero(nv, nh);
  for (Index first = 0; first < total; first += kStateChunk) {
    const Index count = std::min(kStateChunk, total - first);
    const Matrix hid = exact::states(nh, Spin::zero_one, first, count);
    const Matrix in = rbm.visible_input(hid);
    Vector minus_f = hid.transpose() * Vector(rbm.b());
    for (Index c = 0; c < count; ++c)
      for (Index i = 0; i < nv; ++i) minus_f[c] += softplus(in(i, c));
    const Vector p = (minus_f.array() - out.log_z).exp().matrix();
    const Matrix sig = in.unaryExpr([](double y) { return sigmoid(y); });
    const Matrix sig_p = (sig.array().rowwise() * p.transpose().array()).matrix();
    mean.noalias() += sig * p;
    second.noalias() += sig_p * sig.transpose();
    second.diagonal() += (sig.array() * (1.0 - sig.array())).matrix() * p;
    h_mean.noalias() += hid * p;
    vh.noalias() += sig_p * hid.transpose();
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.stats = from_moments(mean, second - mean * mean.transpose(), nan, nan, ref, h_mean, vh);
  out.note = "enumeration of 2^" + std::to_string(nh) + " hidden states; mean free energy not computed (NaN)";
  return out;
}

Matrix DiagnosedStatistics::evaluate(const Matrix& x, const Vector& e) const {
  Matrix out(size(), x.cols());
  out.row(0) = e.transpose();
  Index r = 1;
  if (x.rows() > 1) out.row(r++) = x.colwise().mean();
  for (Index i : units) out.row(r++) = x.row(i);
  for (const auto& [i, j] : pairs) out.row(r++) = x.row(i).cwiseProduct(x.row(j));
  return out;
}

DiagnosedStatistics diagnosed_statistics(const DataReference& ref, Index n_top) {
  const Index n = ref.dim();
  DiagnosedStatistics d;
  d.names.push_back("energy");
  if (n < 2) return d;
  d.names.push_back("magnetisation");
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](Index a, Index b) { return std::abs(ref.mean[a]) > std::abs(ref.mean[b]); });
  for (Index k = 0; k < std::min(n_top, n); ++k) {
    const Index i = order[static_cast<std::size_t>(k)];
    d.units.push_back(i);
    d.names.push_back("unit_" + std::to_string(i));
  }
  if (ref.cov.rows() != n || ref.cov.cols() != n) return d;
  // The n_top largest |C_ij|, i < j, by a partial selection over the upper triangle.
  std::vector<std::pair<Index, Index>> pairs;
  pairs.reserve(static_cast<std::size_t>(n * (n - 1) / 2));
  for (Index j = 1; j < n; ++j)
    for (Index i = 0; i < j; ++i) pairs.emplace_back(i, j);
  auto larger = [&](const std::pair<Index, Index>& a, const std::pair<Index, Index>& b) {
    const double ca = std::abs(ref.cov(a.first, a.second)), cb = std::abs(ref.cov(b.first, b.second));
    return ca != cb ? ca > cb : a < b;
  };
  const auto top = static_cast<std::ptrdiff_t>(std::min<std::size_t>(static_cast<std::size_t>(std::max<Index>(n_top, 0)), pairs.size()));
  std::partial_sort(pairs.begin(), pairs.begin() + top, pairs.end(), larger);
  for (std::ptrdiff_t k = 0; k < top; ++k) {
    const auto [i, j] = pairs[static_cast<std::size_t>(k)];
    d.pairs.emplace_back(i, j);
    d.names.push_back("pair_" + std::to_string(i) + "_" + std::to_string(j));
  }
  return d;
}

void diagnose_draws(const Matrix& draws, Index n_draws, const DiagnosedStatistics& stats, ConvergenceCheck& c) {
  c.statistics.clear();
  c.rhat_max = -std::numeric_limits<double>::infinity();
  c.ess_min = std::numeric_limits<double>::infinity();
  c.iat_max = 0;
  const double every = static_cast<double>(std::max<Index>(c.draw_every, 1));
  for (Index s = 0; s < stats.size(); ++s) {
    const diagnostics::Diagnostic d = diagnostics::diagnose(draws.middleRows(s * n_draws, n_draws));
    StatisticDiagnostic sd{stats.names[static_cast<std::size_t>(s)], d.rhat, d.ess, every * d.iat};
    // NaN (never expected from finite draws) counts as the worst value.
    if (!(sd.rhat <= c.rhat_max)) c.rhat_max = std::isnan(sd.rhat) ? sd.rhat : std::max(c.rhat_max, sd.rhat);
    if (!(sd.ess >= c.ess_min)) c.ess_min = std::isnan(sd.ess) ? sd.ess : std::min(c.ess_min, sd.ess);
    c.iat_max = std::max(c.iat_max, sd.iat);
    c.statistics.push_back(std::move(sd));
  }
}

std::string conclude_long_run(ConvergenceCheck& c, Index n) {
  c.failing_statistic.clear();
  c.reason.clear();
  const std::string z_name = c.worst == n ? "energy" : "unit_" + std::to_string(c.worst);
  if (c.statistics.empty()) {
    c.reason = "window of " + std::to_string(c.window) + " sweeps too short for R-hat (needs >= 4 draws per chain)";
  } else {
    const StatisticDiagnostic* worst_rhat = nullptr;
    const StatisticDiagnostic* worst_ess = nullptr;
    for (const auto& s : c.statistics) {
      if (!(s.rhat < c.rhat_threshold) && (!worst_rhat || !(s.rhat <= worst_rhat->rhat))) worst_rhat = &s;
      if (!(s.ess >= c.ess_threshold) && (!worst_ess || !(s.ess >= worst_ess->ess))) worst_ess = &s;
    }
    if (worst_rhat) {
      c.failing_statistic = worst_rhat->name;
      c.reason = "R-hat " + format_number(worst_rhat->rhat) + " on " + worst_rhat->name + " (threshold " +
                 format_number(c.rhat_threshold) + ")";
    } else if (worst_ess) {
      c.failing_statistic = worst_ess->name;
      c.reason = "ESS " + format_number(worst_ess->ess) + " on " + worst_ess->name + " (minimum " +
                 format_number(c.ess_threshold) + ")";
    } else if (!c.z_passed) {
      c.failing_statistic = z_name;
      c.reason = "|z| " + format_number(c.max_abs_z) + " on " + z_name + " between the halves of the window (threshold " +
                 format_number(c.z_threshold) + ")";
    }
  }
  c.converged = c.reason.empty();
  const std::string checks =
      "R-hat max " + format_number(c.rhat_max) + " (< " + format_number(c.rhat_threshold) + "), ESS min " +
      format_number(c.ess_min) + " (>= " + format_number(c.ess_threshold) + "), IAT max " + format_number(c.iat_max) +
      " sweeps, max |z| " + format_number(c.max_abs_z) + " on " + z_name + " (< " + format_number(c.z_threshold) +
      "); chains from p0 and " + (c.data_started ? "data" : "p0 again");
  return c.converged ? "converged: " + checks : "NOT converged: " + c.reason + "; " + checks;
}

}  // namespace shortrun

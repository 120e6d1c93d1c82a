#include "shortrun/families/gaussian.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>

#include "shortrun/core/error.hpp"
#include "shortrun/core/log_grid.hpp"
#include "shortrun/data/gaussian_data.hpp"

namespace shortrun::families {

namespace gt = gaussian_theory;

namespace {

/// Which closed-form fixed point a scheme should reach, as its /theory dataset name.
const char* expected_fixed_point(const RunConfig& c) {
  if (c.scheme == Scheme::rdm) return "J_star";
  if (c.scheme == Scheme::exact) return "J_ml";
  return "J_eq";
}

gt::FixedPoints fixed_points(const RunConfig& c, const Dataset& data) {
  return gt::fixed_points(data, static_cast<double>(c.k), c.p0_sigma(), Gaussian::ula(c));
}

}  // namespace

void Gaussian::resolve_defaults(RunConfig& c) {
  if (!c.data_source) c.data_source = DataSource::gaussian;
  if (!c.sampler_type) c.sampler_type = SamplerType::langevin;
  if (!c.init_type) c.init_type = P0Type::gaussian;
}

void Gaussian::validate(const RunConfig& c) {
  expect_float64(c);
  expect_one_of("data.source", c.source(), std::array{DataSource::gaussian});
  expect_one_of("sampler.type", c.sampler(), std::array{SamplerType::langevin});
  expect_one_of("init.type", c.p0(), std::array{P0Type::gaussian, P0Type::zeros});
  expect(!c.spectrum.empty(), "data.spectrum", "a list of covariance eigenvalues, e.g. 0.2,0.8,2,5");
  for (double v : c.spectrum) expect(std::isfinite(v) && v > 0, "data.spectrum", "positive finite eigenvalues");
  const auto n = static_cast<std::int64_t>(c.spectrum.size());
  expect(c.n_visible == 0 || c.n_visible == n || n == 1, "model.n_visible",
         "the number of data.spectrum values (" + std::to_string(n) + ") or 0, got " + std::to_string(c.n_visible));
  const std::int64_t dim = n == 1 && c.n_visible > 0 ? c.n_visible : n;
  expect(c.data_mean.empty() || c.data_mean.size() == 1 || static_cast<std::int64_t>(c.data_mean.size()) == dim,
         "data.mean", "one value or " + std::to_string(dim) + " values");
  for (double m : c.data_mean) expect(std::isfinite(m), "data.mean", "finite values");
  if (c.data_noise > 0)
    throw BadInput("data.noise: only the convnet adds noise to its data; expected 0 for model.type = gaussian");
  if (c.moments == MomentsMode::sampled && c.scheme != Scheme::exact && c.n_samples == 0)
    throw BadInput("data.n_samples: 0 (population moments) needs train.moments = exact; give a sample size");
  // The sample covariance (about the sample mean) of n samples has rank at most n - 1: below
  // dim + 1 samples some c_alpha is 0 and that mode has no fixed point (J_ml = T / 0).
  if (c.n_samples > 0 && c.n_samples <= dim)
    throw BadInput("data.n_samples: " + std::to_string(c.n_samples) + " samples of " + std::to_string(dim) +
                   " units give a singular data covariance (some c_alpha = 0, no fixed point); expected at least " +
                   std::to_string(dim + 1) + ", or 0 for population moments");
}

Dataset Gaussian::make_data(const RunConfig& c) {
  GaussianDataSpec spec;
  const Index n = c.spectrum.size() == 1 && c.n_visible > 0 ? c.n_visible : static_cast<Index>(c.spectrum.size());
  spec.spectrum = c.spectrum.size() == 1 ? Vector::Constant(n, c.spectrum[0])
                                         : Eigen::Map<const Vector>(c.spectrum.data(), n).eval();
  if (c.data_mean.empty()) spec.mean = Vector::Zero(n);
  else if (c.data_mean.size() == 1) spec.mean = Vector::Constant(n, c.data_mean[0]);
  else spec.mean = Eigen::Map<const Vector>(c.data_mean.data(), n);
  spec.n_samples = c.n_samples;
  spec.seed = static_cast<std::uint64_t>(c.data_seed);
  return make_gaussian_data(spec).data;
}

void Gaussian::check_measurement(const RunConfig& c, Index) {
  if (c.equilibrium == EquilibriumMethod::exact)
    throw BadInput("measure.equilibrium: exact enumeration is for binary models; use theory for gaussian");
  if (c.equilibrium == EquilibriumMethod::ptt)
    throw BadInput("measure.equilibrium: ptt (trajectory tempering) is for binary models (spins, bm, rbm); use theory, "
                   "pt (Langevin at temperatures T / beta) or long-run for gaussian");
}

std::optional<TheoryTables> Gaussian::theory(const RunConfig& c, const Dataset& data, const Vector* params) {
  const gt::Ula u = ula(c);
  const double sigma0 = c.p0_sigma();
  const gt::FixedPoints fp = fixed_points(c, data);
  TheoryTables g;
  g.attr("model", std::string("gaussian"));
  g.attr("k", c.k);
  g.attr("eta", c.step);
  g.attr("temperature", c.temperature);
  g.attr("sigma0", sigma0);
  g.attr("expected", std::string(expected_fixed_point(c)));
  g.write("c", fp.c);
  g.write("basis", fp.basis);
  g.write("J_star", fp.j_star);
  g.write("J_eq", fp.j_eq);
  g.write("J_ml", fp.j_ml);
  g.write("h_star", fp.h_star);

  const auto t = log_grid(c.effective_t_max(), c.t_points, true, {c.k});
  const Index n = fp.c.size();
  const auto n_t = static_cast<Index>(t.size());
  Matrix v_theory(n_t, n);
  for (Index i = 0; i < n_t; ++i)
    for (Index a = 0; a < n; ++a)
      v_theory(i, a) = std::isfinite(fp.j_star[a])
                           ? gt::mode_variance(fp.j_star[a], static_cast<double>(t[static_cast<std::size_t>(i)]), sigma0, u)
                           : std::numeric_limits<double>::quiet_NaN();
  g.write("t", std::vector<std::int64_t>(t.begin(), t.end()));
  g.write("v_theory", v_theory);

  if (params != nullptr) {
    GaussianEnergy model(n);
    set_params(model, *params);
    const Matrix J = model.J();
    const Matrix j_eig = fp.basis.transpose() * J * fp.basis;
    g.write("J_trained", Vector(j_eig.diagonal()));
    Matrix off = j_eig;
    off.diagonal().setZero();
    g.attr("J_trained_offdiag_max", off.cwiseAbs().maxCoeff());
    const gt::Moments start{Vector::Zero(n), sigma0 * sigma0 * Matrix::Identity(n, n)};
    Matrix v_trained(n_t, n);
    const Vector h0 = Vector::Zero(n);
    for (Index i = 0; i < n_t; ++i) {
      const gt::Moments m = gt::propagate(J, h0, start, static_cast<double>(t[static_cast<std::size_t>(i)]), u);
      v_trained.row(i) = (fp.basis.transpose() * m.cov * fp.basis).diagonal().transpose();
    }
    g.write("v_trained", v_trained);
  }
  return g;
}

std::string Gaussian::summary(const RunConfig& c, const Dataset& data, const Vector& params, double* max_gap) {
  const auto fp = fixed_points(c, data);
  GaussianEnergy model(data.dim());
  set_params(model, params);
  const Matrix j_eig = fp.basis.transpose() * Matrix(model.J()) * fp.basis;
  const std::string expected = expected_fixed_point(c);
  const Vector& target = expected == "J_star" ? fp.j_star : expected == "J_eq" ? fp.j_eq : fp.j_ml;
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "  %4s %10s %12s %12s %12s %12s   (expected: %s)\n", "mode", "c_alpha",
                "J_trained", ("J*(k=" + std::to_string(c.k) + ")").c_str(), "J_eq", "J_ml", expected.c_str());
  out += line;
  double gap = 0;
  Index unreachable = 0;
  for (Index a = 0; a < fp.c.size(); ++a) {
    std::snprintf(line, sizeof line, "  %4lld %10.4g %12.6g %12.6g %12.6g %12.6g\n", static_cast<long long>(a + 1),
                  fp.c[a], j_eig(a, a), fp.j_star[a], fp.j_eq[a], fp.j_ml[a]);
    out += line;
    if (std::isfinite(target[a])) gap = std::max(gap, std::abs(j_eig(a, a) - target[a]));
    else ++unreachable;
  }
  // A mode without a fixed point (c_alpha <= 2 eta T): no finite gap to theory.
  if (unreachable > 0)
    out += "  " + std::to_string(unreachable) + " mode(s) have no fixed point (nan): theory_gap = inf\n";
  if (max_gap != nullptr) *max_gap = unreachable > 0 ? std::numeric_limits<double>::infinity() : gap;
  return out;
}

std::string Gaussian::theory_table(const RunConfig& c, const Dataset& data) {
  const gt::Ula u = ula(c);
  const auto fp = fixed_points(c, data);
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "gaussian model, ULA eta = %g, T = %g, p0 sigma0 = %g, k = %lld, %s data\n", c.step,
                c.temperature, c.p0_sigma(), static_cast<long long>(c.k),
                data.population ? "population" : (std::to_string(data.n_samples()) + "-sample").c_str());
  out += line;
  std::snprintf(line, sizeof line, "%4s %12s %14s %14s %14s %14s\n", "mode", "c_alpha", "J*(k)", "J_eq", "J_ml",
                "v_inf(J*)");
  out += line;
  for (Index a = 0; a < fp.c.size(); ++a) {
    std::snprintf(line, sizeof line, "%4lld %12.6g %14.8g %14.8g %14.8g %14.6g\n", static_cast<long long>(a + 1),
                  fp.c[a], fp.j_star[a], fp.j_eq[a], fp.j_ml[a], gt::stationary_variance(fp.j_star[a], u));
    out += line;
  }
  return out;
}

void Gaussian::add_mode_variances(const RunConfig& c, const Dataset& data, const GaussianEnergy& model,
                                  const P0& start, const DataReference& ref, const std::vector<Index>& times,
                                  CheckpointMeasurement& out) {
  const Matrix basis = fixed_points(c, data).basis;
  const DynamicsResult law = c.measurement_path() == MomentsMode::exact
                                 ? out.dynamics
                                 : gaussian_exact_dynamics(model, ula(c), start, times, ref);
  out.theory_name = "mode_var_theory";
  out.theory_t = law.t;
  out.theory.resize(static_cast<Index>(law.t.size()), model.dim());
  for (Index i = 0; i < out.theory.rows(); ++i)
    out.theory.row(i) = mode_variances(law.stats[static_cast<std::size_t>(i)].cov, basis).transpose();
  const auto& st = out.dynamics.stats;
  if (!st.empty() && st.front().cov_components == 0) {
    out.mode_var.resize(static_cast<Index>(st.size()), model.dim());
    for (Index i = 0; i < out.mode_var.rows(); ++i)
      out.mode_var.row(i) = mode_variances(st[static_cast<std::size_t>(i)].cov, basis).transpose();
    if (out.equilibrium.exists && out.equilibrium.stats.cov_components == 0 && out.equilibrium.stats.cov.size() > 0)
      out.equilibrium_mode_var = mode_variances(out.equilibrium.stats.cov, basis);
  }
}

}  // namespace shortrun::families

#include "shortrun/app/gaussian_run.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "shortrun/app/train_loop.hpp"
#include "shortrun/core/team_share.hpp"
#include "shortrun/core/log_grid.hpp"
#include "shortrun/estimators/gaussian_exact_moments.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/models/gaussian_energy.hpp"
#include "shortrun/optim/sgd.hpp"
#include "shortrun/samplers/langevin.hpp"
#include "shortrun/training/trainer.hpp"

namespace shortrun::cli {

namespace gt = gaussian_theory;

GaussianData make_gaussian_data(const RunConfig& config) {
  GaussianDataSpec spec;
  const Index n = config.spectrum.size() == 1 && config.n_visible > 0
                      ? config.n_visible
                      : static_cast<Index>(config.spectrum.size());
  spec.spectrum = config.spectrum.size() == 1
                      ? Vector::Constant(n, config.spectrum[0])
                      : Eigen::Map<const Vector>(config.spectrum.data(), n).eval();
  if (config.data_mean.empty()) spec.mean = Vector::Zero(n);
  else if (config.data_mean.size() == 1) spec.mean = Vector::Constant(n, config.data_mean[0]);
  else spec.mean = Eigen::Map<const Vector>(config.data_mean.data(), n);
  spec.n_samples = config.n_samples;
  spec.seed = static_cast<std::uint64_t>(config.data_seed);
  return shortrun::make_gaussian_data(spec);
}

gt::Ula ula_of(const RunConfig& config) { return {config.step, config.temperature}; }

const char* expected_fixed_point(const RunConfig& config) {
  if (config.scheme == "rdm") return "J_star";
  if (config.scheme == "exact") return "J_ml";
  return "J_eq";
}

Matrix gaussian_basis(const RunConfig& config, const GaussianData& data) {
  const double sigma0 = config.init_type == "zeros" ? 0.0 : config.init_sigma;
  return gt::fixed_points(data.data, static_cast<double>(config.k), sigma0, ula_of(config)).basis;
}

void write_gaussian_theory(h5::Group& parent, const RunConfig& config, const GaussianData& data,
                           const Matrix* trained_J) {
  const gt::Ula ula = ula_of(config);
  const double sigma0 = config.init_type == "zeros" ? 0.0 : config.init_sigma;
  const gt::FixedPoints fp = gt::fixed_points(data.data, static_cast<double>(config.k), sigma0, ula);
  h5::Group g = parent.create_group("theory");
  g.attr("model", "gaussian");
  g.attr("k", config.k);
  g.attr("eta", config.step);
  g.attr("temperature", config.temperature);
  g.attr("sigma0", sigma0);
  g.attr("expected", expected_fixed_point(config));
  g.write("c", fp.c);
  g.write("basis", fp.basis);
  g.write("J_star", fp.j_star);
  g.write("J_eq", fp.j_eq);
  g.write("J_ml", fp.j_ml);
  g.write("h_star", fp.h_star);

  const auto t = log_grid(config.effective_t_max(), config.t_points, true, {config.k});
  const Index n = fp.c.size();
  const auto n_t = static_cast<Index>(t.size());
  Matrix v_theory(n_t, n);
  for (Index i = 0; i < n_t; ++i)
    for (Index a = 0; a < n; ++a)
      v_theory(i, a) = std::isfinite(fp.j_star[a])
                           ? gt::mode_variance(fp.j_star[a], static_cast<double>(t[static_cast<std::size_t>(i)]), sigma0, ula)
                           : std::numeric_limits<double>::quiet_NaN();
  g.write("t", std::vector<std::int64_t>(t.begin(), t.end()));
  g.write("v_theory", v_theory);

  if (trained_J != nullptr) {
    const Matrix j_eig = fp.basis.transpose() * (*trained_J) * fp.basis;
    g.write("J_trained", Vector(j_eig.diagonal()));
    Matrix off = j_eig;
    off.diagonal().setZero();
    g.attr("J_trained_offdiag_max", off.cwiseAbs().maxCoeff());
    const gt::Moments p0{Vector::Zero(n), sigma0 * sigma0 * Matrix::Identity(n, n)};
    Matrix v_trained(n_t, n);
    const Vector h0 = Vector::Zero(n);
    for (Index i = 0; i < n_t; ++i) {
      const gt::Moments m = gt::propagate(*trained_J, h0, p0, static_cast<double>(t[static_cast<std::size_t>(i)]), ula);
      v_trained.row(i) = (fp.basis.transpose() * m.cov * fp.basis).diagonal().transpose();
    }
    g.write("v_trained", v_trained);
  }
}

ModelOutcome train_gaussian(const RunConfig& config, const GaussianData& data,
                               mpi::Communicator& team, const TrainHooks& hooks) {
  const Index n = data.data.dim();
  GaussianEnergy model(n);
  model.J() = config.init_coupling * Matrix::Identity(n, n);
  const auto seed = static_cast<std::uint64_t>(config.seed);
  DataTerm data_term(data.data, config.batch, seed, team.rank(), team.size());
  Sgd sgd(config.lr);
  const Scheme scheme = scheme_from_name(config.scheme);
  const double sigma0 = config.init_type == "zeros" ? 0.0 : config.init_sigma;

  TrainRecord record;
  if (config.moments == "exact" || scheme == Scheme::exact) {
    GaussianExactMoments est(scheme, config.k, n, sigma0, ula_of(config), team.rank());
    record = train_with_hooks(
        model, data_term, est, sgd, team, config, hooks,
        [](GaussianExactMoments& e, io::ResumeState& s) {
          s.moments_mean = e.persistent().mean;
          s.moments_cov = e.persistent().cov;
        },
        [n](GaussianExactMoments& e, const io::ResumeState& s) {
          if (s.moments_mean.size() == n) e.restore({s.moments_mean, s.moments_cov});
        });
  } else {
    using Chains = SampledChains<Langevin>;
    Chains est(scheme, config.k, config.chains, n, P0::from_name(config.init_type, config.init_sigma),
               Langevin(config.step, config.temperature), seed, team.rank(), team.size());
    record = train_with_hooks(model, data_term, est, sgd, team, config, hooks,
                              chains_saver<Chains>(team, n, config.chains),
                              chains_restorer<Chains>(team, config.chains));
  }
  return {std::move(record), model.layout(), model.params()};
}

std::string gaussian_summary_table(const RunConfig& config, const GaussianData& data, const Matrix& J,
                                   double* max_gap) {
  const double sigma0 = config.init_type == "zeros" ? 0.0 : config.init_sigma;
  const auto fp = gt::fixed_points(data.data, static_cast<double>(config.k), sigma0, ula_of(config));
  const Matrix j_eig = fp.basis.transpose() * J * fp.basis;
  const std::string expected = expected_fixed_point(config);
  const Vector& target = expected == "J_star" ? fp.j_star : expected == "J_eq" ? fp.j_eq : fp.j_ml;
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "  %4s %10s %12s %12s %12s %12s   (expected: %s)\n", "mode", "c_alpha",
                "J_trained", ("J*(k=" + std::to_string(config.k) + ")").c_str(), "J_eq", "J_ml",
                expected.c_str());
  out += line;
  double gap = 0;
  for (Index a = 0; a < fp.c.size(); ++a) {
    std::snprintf(line, sizeof line, "  %4lld %10.4g %12.6g %12.6g %12.6g %12.6g\n",
                  static_cast<long long>(a + 1), fp.c[a], j_eig(a, a), fp.j_star[a], fp.j_eq[a], fp.j_ml[a]);
    out += line;
    gap = std::max(gap, std::abs(j_eig(a, a) - target[a]));
  }
  if (max_gap != nullptr) *max_gap = gap;
  return out;
}

}  // namespace shortrun::cli

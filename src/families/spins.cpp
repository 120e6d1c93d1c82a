#include "shortrun/families/spins.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "shortrun/core/log_grid.hpp"
#include "shortrun/theory/spin_theory.hpp"

namespace shortrun::families {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct SpinsTheory {
  Vector h_ml, h_star;
};

SpinsTheory spins_theory(const RunConfig& c, const Dataset& data) {
  const Spin spin = c.units();
  const BinaryP0 p0 = binary::p0(c, data);
  const Index n = data.dim();
  const SiteDynamics dynamics = binary::site_dynamics(c.sampler());
  SpinsTheory th;
  th.h_ml.resize(n);
  th.h_star.resize(n);
  for (Index i = 0; i < n; ++i) {
    const double m0 = p0.mean()[i];
    th.h_ml[i] = spin_theory::h_ml(spin, data.mean[i]);
    // NaN where no fixed point exists (the run then reports divergence).
    th.h_star[i] = spin_theory::h_star(spin, dynamics, data.mean[i], m0, n, c.k);
  }
  return th;
}

const Vector& expected_fields(const RunConfig& c, const SpinsTheory& th) {
  return c.scheme == Scheme::rdm ? th.h_star : th.h_ml;
}

}  // namespace

void Spins::validate(const RunConfig& c) {
  expect_float64(c);
  binary::validate(c);
  expect_one_of("sampler.type", c.sampler(), binary::kSiteSamplers);
}

// Independent spins have exact moments in closed form at any N.
Dataset Spins::make_data(const RunConfig& c) { return binary::make_data(c); }

std::optional<TheoryTables> Spins::theory(const RunConfig& c, const Dataset& data, const Vector* params) {
  const Spin spin = c.units();
  const SpinsTheory th = spins_theory(c, data);
  TheoryTables g;
  g.attr("model", std::string("spins"));
  g.attr("k", c.k);
  g.attr("sampler", std::string(name_of(c.sampler())));
  g.attr("spin", std::string(name_of(spin)));
  g.attr("expected", std::string(c.scheme == Scheme::rdm ? "h_star" : "h_ml"));
  g.write("m_data", data.mean);
  g.write("h_ml", th.h_ml);
  g.write("h_star", th.h_star);
  const auto t = log_grid(c.effective_t_max(), c.t_points, true, {c.k});
  g.write("t", std::vector<std::int64_t>(t.begin(), t.end()));
  if (params == nullptr) return g;
  IndependentSpins model(data.dim(), spin);
  set_params(model, *params);
  const Vector h = model.h().col(0);
  g.write("h_trained", h);
  const BinaryP0 p0 = binary::p0(c, data);
  const SiteDynamics dynamics = binary::site_dynamics(c.sampler());
  Matrix m(static_cast<Index>(t.size()), data.dim());
  for (Index r = 0; r < m.rows(); ++r)
    for (Index i = 0; i < m.cols(); ++i)
      m(r, i) = spin_theory::mean_at(spin, dynamics, h[i], p0.mean()[i], data.dim(),
                                     static_cast<double>(t[static_cast<std::size_t>(r)]));
  g.write("m_theory", m);
  return g;
}

std::string Spins::summary(const RunConfig& c, const Dataset& data, const Vector& params, double* max_gap) {
  const SpinsTheory th = spins_theory(c, data);
  const Vector& target = expected_fields(c, th);
  IndependentSpins model(data.dim(), c.units());
  set_params(model, params);
  const Vector h = model.h().col(0);
  std::string out;
  char line[200];
  std::snprintf(line, sizeof line, "  %4s %10s %12s %12s %12s   (expected: %s)\n", "site", "m_data", "h_trained",
                ("h*(k=" + std::to_string(c.k) + ")").c_str(), "h_ml", c.scheme == Scheme::rdm ? "h_star" : "h_ml");
  out += line;
  double gap = 0;
  Index unreachable = 0;
  for (Index i = 0; i < data.dim(); ++i) {
    if (std::isfinite(target[i])) gap = std::max(gap, std::abs(h[i] - target[i]));
    else ++unreachable;
    if (i < 8) {
      std::snprintf(line, sizeof line, "  %4lld %10.4g %12.6g %12.6g %12.6g\n", static_cast<long long>(i + 1),
                    data.mean[i], h[i], th.h_star[i], th.h_ml[i]);
      out += line;
    }
  }
  if (data.dim() > 8) out += "  ... (" + std::to_string(data.dim() - 8) + " more sites in /theory)\n";
  // A site without a fixed point has its field running away: the run has no finite gap to theory.
  if (unreachable > 0)
    out += "  " + std::to_string(unreachable) + " site(s) have no fixed point (h* = nan): theory_gap = inf\n";
  if (max_gap != nullptr) *max_gap = unreachable > 0 ? std::numeric_limits<double>::infinity() : gap;
  return out;
}

std::string Spins::theory_table(const RunConfig& c, const Dataset& data) {
  const SpinsTheory th = spins_theory(c, data);
  const Spin spin = c.units();
  const BinaryP0 p0 = binary::p0(c, data);
  const SiteDynamics dynamics = binary::site_dynamics(c.sampler());
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "independent spins (%s), sampler %s, p0 %s, k = %lld, N = %lld, %s data\n",
                name_of(spin), name_of(c.sampler()), name_of(c.p0()), static_cast<long long>(c.k),
                static_cast<long long>(data.dim()),
                data.population ? "population" : (std::to_string(data.n_samples()) + "-sample").c_str());
  out += line;
  std::snprintf(line, sizeof line, "%4s %12s %14s %14s %14s %14s\n", "site", "m_data", "h*(k)", "h_ml", "m_k(h*)",
                "m_inf(h*)");
  out += line;
  for (Index i = 0; i < data.dim(); ++i) {
    const double h = th.h_star[i];
    const double m_k = std::isfinite(h) ? spin_theory::mean_at(spin, dynamics, h, p0.mean()[i], data.dim(),
                                                               static_cast<double>(c.k))
                                        : kNaN;
    const double m_inf = std::isfinite(h) ? spin_theory::equilibrium_mean(spin, h) : kNaN;
    std::snprintf(line, sizeof line, "%4lld %12.6g %14.8g %14.8g %14.8g %14.8g\n", static_cast<long long>(i + 1),
                  data.mean[i], h, th.h_ml[i], m_k, m_inf);
    out += line;
  }
  out += "  h*(k): rdm fixed point (nan: none, the field runs away); h_ml: cd / pcd / exact fixed point;\n"
         "  m_k(h*): the mean after k sweeps from p0 (= m_data); m_inf(h*): where the samples relax to\n";
  return out;
}

void Spins::add_mean_theory(const RunConfig& c, const IndependentSpins& model, SiteDynamics dynamics,
                            const BinaryP0& p0, const std::vector<Index>& times, CheckpointMeasurement& out) {
  const Spin spin = c.units();
  const Vector m0 = p0.mean();
  out.theory_name = "mean_theory";
  out.theory_t = times;
  out.theory.resize(static_cast<Index>(times.size()), model.dim());
  for (Index r = 0; r < out.theory.rows(); ++r)
    for (Index i = 0; i < model.dim(); ++i)
      out.theory(r, i) = spin_theory::mean_at(spin, dynamics, model.h()(i, 0), m0[i], model.dim(),
                                              static_cast<double>(times[static_cast<std::size_t>(r)]));
}

}  // namespace shortrun::families

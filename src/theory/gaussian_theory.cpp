#include "shortrun/theory/gaussian_theory.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <Eigen/Eigenvalues>

namespace shortrun::gaussian_theory {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// a^t for a = 1 - x, t >= 0 real (t is an integer in every use; a < 0 only for integer t).
double power(double x, double t) {
  const double a = 1.0 - x;
  if (a > 0) return std::exp(t * std::log1p(-x));
  return std::pow(a, t);
}

}  // namespace

double geometric_sum(double eta_j, double t) {
  if (eta_j == 0.0) return t;
  if (eta_j < 1.0) return -std::expm1(t * std::log1p(-eta_j)) / eta_j;  // a > 0
  return (1.0 - power(eta_j, t)) / eta_j;
}

double geometric_sum_sq(double eta_j, double t) {
  const double one_minus_a2 = eta_j * (2.0 - eta_j);  // 1 - a^2, exact near a = 1
  if (one_minus_a2 == 0.0) return t;
  const double a = 1.0 - eta_j;
  if (a == 0.0) return t >= 1.0 ? 1.0 : 0.0;
  const double log_a2 = a > 0 ? 2.0 * std::log1p(-eta_j) : 2.0 * std::log(-a);
  return -std::expm1(t * log_a2) / one_minus_a2;
}

double mode_variance(double j, double t, double sigma0, const Ula& ula) {
  const double x = ula.step * j;
  const double a2t = std::pow(power(x, t), 2.0);
  return a2t * sigma0 * sigma0 + 2.0 * ula.step * ula.temperature * geometric_sum_sq(x, t);
}

double stationary_variance(double j, const Ula& ula) {
  if (!(j > 0.0 && j < 2.0 / ula.step)) return kInf;
  return ula.temperature / (j * (1.0 - 0.5 * ula.step * j));
}

double j_star(double c, double k, double sigma0, const Ula& ula) {
  const double floor = 2.0 * ula.step * ula.temperature;  // v(k; 1/eta) for k >= 1
  if (!(c > floor))
    throw std::domain_error("no rdm fixed point: data variance " + std::to_string(c) +
                            " <= 2 eta T = " + std::to_string(floor));
  if (sigma0 == 0.0 && k <= 1.0)
    throw std::domain_error("no rdm fixed point: from sigma0 = 0, one ULA step gives variance 2 eta T whatever J");
  // v(k; J) is strictly decreasing on (-inf, 1/eta] and unbounded as J -> -inf; bracket the root,
  // then bisect.
  double hi = 1.0 / ula.step;
  double lo = -1.0;
  while (mode_variance(lo, k, sigma0, ula) < c) {
    lo *= 2.0;
    if (lo < -1e300) throw std::domain_error("no rdm fixed point: cannot bracket the root of F1");
  }
  for (int it = 0; it < 2000; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid == lo || mid == hi) break;
    if (mode_variance(mid, k, sigma0, ula) > c) lo = mid;
    else hi = mid;
  }
  // Return the end whose residual is smaller.
  return std::abs(mode_variance(lo, k, sigma0, ula) - c) <
                 std::abs(mode_variance(hi, k, sigma0, ula) - c)
             ? lo
             : hi;
}

double j_eq(double c, const Ula& ula) {
  const double r = 1.0 - 2.0 * ula.step * ula.temperature / c;
  if (r < 0) throw std::domain_error("no equilibrium fixed point: c < 2 eta T");
  // (1 - sqrt(r)) / eta, written to avoid cancellation when r -> 1.
  return (1.0 - r) / (ula.step * (1.0 + std::sqrt(r)));
}

namespace {

struct Eig {
  Vector lambda;
  Matrix v;
};
Eig eig(const Matrix& J) {
  Eigen::SelfAdjointEigenSolver<Matrix> es(0.5 * (J + J.transpose()));
  return {es.eigenvalues(), es.eigenvectors()};
}

}  // namespace

Moments propagate(const Matrix& J, const Vector& h, const Moments& start, double t, const Ula& ula) {
  const Eig e = eig(J);
  const Index n = J.rows();
  Vector at(n), s1(n), s2(n);
  for (Index i = 0; i < n; ++i) {
    const double x = ula.step * e.lambda[i];
    at[i] = power(x, t);
    s1[i] = geometric_sum(x, t);
    s2[i] = geometric_sum_sq(x, t);
  }
  const Vector mean_e = at.cwiseProduct(e.v.transpose() * start.mean) +
                        ula.step * s1.cwiseProduct(e.v.transpose() * h);
  Matrix cov_e = e.v.transpose() * start.cov * e.v;
  cov_e = at.asDiagonal() * cov_e * at.asDiagonal();
  cov_e.diagonal() += 2.0 * ula.step * ula.temperature * s2;
  return {e.v * mean_e, e.v * cov_e * e.v.transpose()};
}

Moments stationary(const Matrix& J, const Vector& h, const Ula& ula) {
  const Eig e = eig(J);
  const Index n = J.rows();
  Vector var(n), mean_e = e.v.transpose() * h;
  for (Index i = 0; i < n; ++i) {
    var[i] = stationary_variance(e.lambda[i], ula);
    mean_e[i] = std::isfinite(var[i]) ? mean_e[i] / e.lambda[i] : kInf;
  }
  return {e.v * mean_e, e.v * var.asDiagonal() * e.v.transpose()};
}

Moments boltzmann(const Matrix& J, const Vector& h, const Ula& ula) {
  const Eig e = eig(J);
  Vector inv(e.lambda.size());
  for (Index i = 0; i < inv.size(); ++i) inv[i] = e.lambda[i] > 0 ? 1.0 / e.lambda[i] : kInf;
  const Matrix j_inv = e.v * inv.asDiagonal() * e.v.transpose();
  return {j_inv * h, ula.temperature * j_inv};
}

FixedPoints fixed_points(const Dataset& data, double k, double sigma0, const Ula& ula) {
  const Eig e = eig(data.cov);
  const Index n = data.dim();
  FixedPoints fp;
  fp.c = e.lambda;
  fp.basis = e.v;
  fp.j_star.resize(n);
  fp.j_eq.resize(n);
  fp.j_ml.resize(n);
  Vector h_e = e.v.transpose() * data.mean;
  for (Index i = 0; i < n; ++i) {
    const double c = e.lambda[i];
    const double floor = 2.0 * ula.step * ula.temperature;
    fp.j_star[i] = c > floor && (sigma0 > 0.0 || k > 1.0) ? j_star(c, k, sigma0, ula) : kNaN;
    fp.j_eq[i] = c >= floor ? j_eq(c, ula) : kNaN;
    fp.j_ml[i] = j_ml(c, ula);
    // mu_k = eta S1(a, k) h in the mode basis (p0 mean 0).
    h_e[i] /= ula.step * geometric_sum(ula.step * fp.j_star[i], k);
  }
  fp.J_star = e.v * fp.j_star.asDiagonal() * e.v.transpose();
  fp.h_star = e.v * h_e;
  return fp;
}

}  // namespace shortrun::gaussian_theory

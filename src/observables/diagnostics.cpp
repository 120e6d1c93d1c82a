#include "shortrun/observables/diagnostics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace shortrun::diagnostics {

double inverse_normal_cdf(double p) {
  if (!(p > 0.0 && p < 1.0)) {
    if (p == 0.0) return -std::numeric_limits<double>::infinity();
    if (p == 1.0) return std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  // P. J. Acklam's rational approximation (relative error 1.15e-9), refined by one Halley step.
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01,  -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double p_low = 0.02425;
  double x;
  if (p < p_low || p > 1.0 - p_low) {
    const double q = std::sqrt(-2.0 * std::log(p < p_low ? p : 1.0 - p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
    if (p > p_low) x = -x;
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  const double e = 0.5 * std::erfc(-x / std::numbers::sqrt2) - p;
  const double u = e * std::sqrt(2.0 * std::numbers::pi) * std::exp(0.5 * x * x);
  return x - u / (1.0 + 0.5 * x * u);
}

Matrix split_chains(const Matrix& draws) {
  const Index n = draws.rows(), m = draws.cols(), half = n / 2;
  Matrix out(half, 2 * m);
  out.leftCols(m) = draws.topRows(half);
  out.rightCols(m) = draws.bottomRows(half);  // skips the middle draw when n is odd
  return out;
}

Matrix rank_normalize(const Matrix& draws) {
  const Index s = draws.size();
  std::vector<Index> order(static_cast<std::size_t>(s));
  std::iota(order.begin(), order.end(), Index{0});
  const double* x = draws.data();
  std::stable_sort(order.begin(), order.end(), [x](Index i, Index j) { return x[i] < x[j]; });
  Matrix out(draws.rows(), draws.cols());
  double* z = out.data();
  const double denominator = static_cast<double>(s) + 0.25;  // S - 2 (3/8) + 1
  for (Index i = 0; i < s;) {
    Index j = i;
    while (j + 1 < s && x[order[static_cast<std::size_t>(j + 1)]] == x[order[static_cast<std::size_t>(i)]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;  // average of the 1-based ranks i+1 .. j+1
    const double score = inverse_normal_cdf((rank - 0.375) / denominator);
    for (Index k = i; k <= j; ++k) z[order[static_cast<std::size_t>(k)]] = score;
    i = j + 1;
  }
  return out;
}

double basic_rhat(const Matrix& chains) {
  const Index n = chains.rows(), m = chains.cols();
  if (n < 2 || m < 2) throw std::invalid_argument("R-hat needs at least 2 draws and 2 chains");
  const double dn = static_cast<double>(n);
  const Vector means = chains.colwise().mean().transpose();
  const double within =
      (chains.rowwise() - means.transpose()).array().square().sum() / (static_cast<double>(m) * (dn - 1.0));
  const double between_n = (means.array() - means.mean()).square().sum() / static_cast<double>(m - 1);  // B / n
  if (within == 0.0) return between_n == 0.0 ? 1.0 : std::numeric_limits<double>::infinity();
  return std::sqrt(((dn - 1.0) / dn * within + between_n) / within);
}

namespace {

bool constant(const Matrix& x) { return x.size() == 0 || (x.array() == x(0, 0)).all(); }

double median(const Matrix& x) {
  std::vector<double> v(x.data(), x.data() + x.size());
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  return 0.5 * (upper + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)));
}

}  // namespace

double rank_rhat(const Matrix& draws) {
  if (draws.rows() < 4) throw std::invalid_argument("split R-hat needs at least 4 draws per chain");
  if (constant(draws)) return 1.0;
  const double bulk = basic_rhat(rank_normalize(split_chains(draws)));
  const Matrix folded = (draws.array() - median(draws)).abs().matrix();
  const double tail = constant(folded) ? 1.0 : basic_rhat(rank_normalize(split_chains(folded)));
  return std::max(bulk, tail);
}

double autocorrelation_time(const Matrix& chains) {
  const Index n = chains.rows(), m = chains.cols();
  if (n < 2 || m < 1) throw std::invalid_argument("autocorrelation time needs at least 2 draws and 1 chain");
  const double dn = static_cast<double>(n), dm = static_cast<double>(m), total = dn * dm;
  if (constant(chains)) return 1.0;
  const Vector means = chains.colwise().mean().transpose();
  const Matrix centered = chains.rowwise() - means.transpose();
  // mean over chains of the biased autocovariance (1/n) sum_i c_i c_{i+t}
  auto acov = [&](Index t) { return (centered.topRows(n - t).array() * centered.bottomRows(n - t).array()).sum() / total; };
  const double mean_var = acov(0) * dn / (dn - 1.0);
  double var_plus = mean_var * (dn - 1.0) / dn;
  if (m > 1) var_plus += (means.array() - means.mean()).square().sum() / (dm - 1.0);
  auto rho = [&](Index t) { return 1.0 - (mean_var - acov(t)) / var_plus; };
  std::vector<double> r(static_cast<std::size_t>(n) + 1, 0.0);
  auto at = [&r](Index t) -> double& { return r[static_cast<std::size_t>(t)]; };
  double even = 1.0, odd = rho(1);
  at(0) = even;
  at(1) = odd;
  Index t = 0;
  while (t < n - 5 && std::isfinite(even + odd) && even + odd > 0.0) {
    t += 2;
    even = rho(t);
    odd = rho(t + 1);
    if (even + odd >= 0.0) {
      at(t) = even;
      at(t + 1) = odd;
    }
  }
  const Index max_t = t;
  if (even > 0.0) at(max_t) = even;
  // Geyer's initial monotone sequence: pair sums may not increase.
  for (t = 2; t <= max_t - 2; t += 2)
    if (at(t) + at(t + 1) > at(t - 2) + at(t - 1)) at(t) = at(t + 1) = 0.5 * (at(t - 2) + at(t - 1));
  double sum = at(0);
  for (t = 1; t < max_t; ++t) sum += at(t);
  const double tau = -1.0 + 2.0 * sum + at(max_t);
  return std::max(tau, 1.0 / std::log10(total));
}

double effective_sample_size(const Matrix& chains) {
  return static_cast<double>(chains.size()) / autocorrelation_time(chains);
}

Diagnostic diagnose(const Matrix& draws) {
  if (draws.rows() < 4 || draws.cols() < 1)
    throw std::invalid_argument("diagnostics need at least 4 draws per chain and 1 chain");
  Diagnostic d;
  const Matrix split = split_chains(draws);
  const auto s = static_cast<double>(split.size());
  if (constant(draws)) return {1.0, s, 1.0};
  d.rhat = rank_rhat(draws);
  d.ess = effective_sample_size(rank_normalize(split));
  d.iat = s / d.ess;
  return d;
}

}  // namespace shortrun::diagnostics

#include "shortrun/theory/ais.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "shortrun/core/error.hpp"
#include "shortrun/core/format.hpp"
#include "shortrun/core/random.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/block_gibbs.hpp"

namespace shortrun {

Vector ais_base_bias(const Vector& data_mean, double mean_clip) {
  if (!(mean_clip > 0.0 && mean_clip < 0.5))
    throw BadInput("AIS mean clip " + std::to_string(mean_clip) + "; expected a value in (0, 1/2)");
  if (!data_mean.allFinite())
    throw BadInput("AIS base model: the data means have a NaN or Inf; expected values in [0, 1]");
  Vector a(data_mean.size());
  for (Index i = 0; i < a.size(); ++i) {
    const double mu = std::clamp(data_mean[i], mean_clip, 1.0 - mean_clip);
    a[i] = std::log(mu) - std::log1p(-mu);
  }
  return a;
}

Vector ais_linear_schedule(Index n_temperatures) {
  if (n_temperatures < 1)
    throw BadInput("AIS temperatures: " + std::to_string(n_temperatures) + "; expected >= 1");
  return Vector::LinSpaced(n_temperatures + 1, 0.0, 1.0);
}

double ais_base_log_partition(const Vector& base_bias, Index n_hidden) {
  double log_z = static_cast<double>(n_hidden) * std::log(2.0);
  for (Index i = 0; i < base_bias.size(); ++i) log_z += softplus(base_bias[i]);
  return log_z;
}

namespace {

/// The intermediate RBM p_k at inverse temperature beta (see the header).
void set_tempered(const BernoulliRbm& target, const Vector& base_bias, double beta, BernoulliRbm& out) {
  out.params() = beta * target.params();
  out.a().col(0) += (1.0 - beta) * base_bias;
}

}  // namespace

void check_ais_schedule(Index n, const Vector& base, const Vector& betas) {
  const Index k_max = betas.size() - 1;
  if (base.size() != n)
    throw BadInput("AIS base: " + std::to_string(base.size()) + " values; expected " + std::to_string(n) +
                   " (one per visible unit)");
  if (k_max < 1 || betas[0] != 0.0 || betas[k_max] != 1.0)
    throw BadInput("AIS schedule: expected at least two inverse temperatures from 0 to 1");
  for (Index k = 1; k <= k_max; ++k)
    if (!(betas[k] > betas[k - 1]))
      throw BadInput("AIS schedule: inverse temperatures must increase strictly");
}

void check_ais_start(Index n, const Matrix& start) {
  if (start.rows() != n || start.cols() == 0)
    throw BadInput("reverse AIS: " + std::to_string(start.rows()) + " x " + std::to_string(start.cols()) +
                   " start states; expected " + std::to_string(n) + " rows and at least one column");
}

Vector rbm_ais_log_weights(const BernoulliRbm& rbm, const Vector& base_bias, const Vector& betas,
                           Index first_run, Index n_runs, std::uint64_t seed) {
  check_ais_schedule(rbm.n_visible(), base_bias, betas);
  if (n_runs == 0) return Vector::Zero(0);
  const ChainStreams rng{seed, Purpose::ais, static_cast<std::uint64_t>(first_run), 0, 0};
  Matrix v(rbm.n_visible(), n_runs);
  const Vector p_base = base_bias.unaryExpr([](double x) { return sigmoid(x); });
  BinaryP0::data_mean(Spin::zero_one, p_base).draw(v, rng);
  auto tempered = [&](double beta, BernoulliRbm& out) { set_tempered(rbm, base_bias, beta, out); };
  return anneal_log_weights(rbm, BlockGibbs{}, tempered, betas, v, rng, 0);
}

Vector rbm_reverse_ais_log_weights(const BernoulliRbm& rbm, const Vector& base_bias, const Vector& betas,
                                   const Matrix& start, Index first_run, Index n_runs, std::uint64_t seed) {
  check_ais_schedule(rbm.n_visible(), base_bias, betas);
  check_ais_start(rbm.n_visible(), start);
  if (n_runs == 0) return Vector::Zero(0);
  const ChainStreams rng{seed, Purpose::ais, static_cast<std::uint64_t>(first_run), 0, 1};
  Matrix v(rbm.n_visible(), n_runs);
  for (Index j = 0; j < n_runs; ++j) v.col(j) = start.col((first_run + j) % start.cols());
  auto tempered = [&](double beta, BernoulliRbm& out) { set_tempered(rbm, base_bias, beta, out); };
  return anneal_log_weights(rbm, BlockGibbs{}, tempered, Vector(betas.reverse()), v, rng, 1);
}

AisResult ais_estimate(Vector log_weights, double log_z_base) {
  const Index m = log_weights.size();
  if (m < 2) throw BadInput("AIS runs: " + std::to_string(m) + "; expected at least 2");
  AisResult out;
  const double top = log_weights.maxCoeff();
  const Vector w = (log_weights.array() - top).exp();
  const double mean_w = w.mean();
  const double log_mean_w = top + std::log(mean_w);
  const Vector r = w / mean_w;  // mean 1
  const double dm = static_cast<double>(m);
  out.log_z_base = log_z_base;
  out.log_z = log_z_base + log_mean_w;
  out.effective_runs = dm * dm / r.squaredNorm();
  // (M / ESS - 1) / (M - 1) = sum (r - 1)^2 / (M (M - 1)): the delta method through the ESS.
  out.log_z_stderr = std::sqrt(std::max(0.0, (r.array() - 1.0).square().sum()) / (dm * (dm - 1.0)));
  out.reliable = out.effective_runs >= kAisMinEss && out.effective_runs >= kAisMinEssFraction * dm;
  out.log_weights = std::move(log_weights);
  return out;
}

AisResult reverse_ais_estimate(Vector log_weights, double log_z_base) {
  AisResult out = ais_estimate(std::move(log_weights), 0.0);
  out.log_z = log_z_base - out.log_z;  // log Z_0 - log mean w_rev
  out.log_z_base = log_z_base;
  return out;
}

AisResult rbm_ais_log_partition(const BernoulliRbm& rbm, const Vector& data_mean,
                                const AisOptions& options) {
  if (data_mean.size() != rbm.n_visible())
    throw BadInput("AIS data means: " + std::to_string(data_mean.size()) + " values; expected " +
                   std::to_string(rbm.n_visible()) + " (one per visible unit)");
  if (options.n_runs < 2)
    throw BadInput("AIS runs: " + std::to_string(options.n_runs) + "; expected at least 2");
  const Vector base = ais_base_bias(data_mean, options.mean_clip);
  const Vector betas = ais_linear_schedule(options.n_temperatures);
  return ais_estimate(rbm_ais_log_weights(rbm, base, betas, 0, options.n_runs, options.seed),
                      ais_base_log_partition(base, rbm.n_hidden()));
}

Vector bm_ais_base_field(const Vector& data_mean, Spin spin, double mean_clip) {
  if (!(mean_clip > 0.0 && mean_clip < 0.5))
    throw BadInput("AIS mean clip " + std::to_string(mean_clip) + "; expected a value in (0, 1/2)");
  if (!data_mean.allFinite())
    throw BadInput("AIS base model: the data means have a NaN or Inf");
  const double low = spin_low(spin), gap = spin_gap(spin);
  Vector h(data_mean.size());
  for (Index i = 0; i < h.size(); ++i) {
    const double p = std::clamp((data_mean[i] - low) / gap, mean_clip, 1.0 - mean_clip);
    h[i] = (std::log(p) - std::log1p(-p)) / gap;
  }
  return h;
}

double bm_ais_base_log_partition(const Vector& base_field, Spin spin) {
  // log(e^h + e^(h low)) = h low + softplus(h gap)
  const double low = spin_low(spin), gap = spin_gap(spin);
  double log_z = 0;
  for (Index i = 0; i < base_field.size(); ++i) log_z += base_field[i] * low + softplus(base_field[i] * gap);
  return log_z;
}

void bm_ais_tempered(const BoltzmannMachine& target, const Vector& base_field, double beta, BoltzmannMachine& out) {
  out.params() = beta * target.params();
  out.h().col(0) += (1.0 - beta) * base_field;
}

namespace {

std::string log_z_number(double value, double se) { return format_with_se(value, se); }

}  // namespace

LogZReport combine_log_z(const AisResult* forward, const AisResult* reverse, const std::string& reverse_source,
                         bool reverse_converged, double bridge_log_z, double bridge_se, bool bridge_ok) {
  LogZReport r;
  std::vector<std::string> flags, parts;
  const bool has_bridge = std::isfinite(bridge_log_z);
  // The bridge runs along the reference's ladder: temperatures (pt) or training checkpoints (ptt).
  const std::string bridge_name = "bridge(" + (reverse_source.empty() ? std::string("pt") : reverse_source) + ")";
  if (has_bridge) parts.push_back(bridge_name);
  if (forward != nullptr) {
    parts.push_back("ais");
    r.lower = forward->log_z;
    r.lower_se = forward->log_z_stderr;
    r.ess = forward->effective_runs;
    r.runs = static_cast<double>(forward->log_weights.size());
    if (!forward->reliable)
      flags.push_back("forward AIS ESS " + format_number(forward->effective_runs) + " of " +
                      std::to_string(forward->log_weights.size()) + " runs");
  }
  if (reverse != nullptr) {
    parts.push_back("reverse-ais(" + reverse_source + ")");
    r.upper = reverse->log_z;
    r.upper_se = reverse->log_z_stderr;
    r.upper_ess = reverse->effective_runs;
    if (!reverse->reliable)
      flags.push_back("reverse AIS ESS " + format_number(reverse->effective_runs) + " of " +
                      std::to_string(reverse->log_weights.size()) + " runs");
  }
  if (reverse != nullptr && !reverse_converged)
    flags.push_back("reverse AIS started from " + reverse_source + " chains that did not converge");
  if (has_bridge && bridge_ok) {
    r.log_z = bridge_log_z;
    r.log_z_se = bridge_se;
  } else if (forward != nullptr) {
    if (reverse != nullptr) {  // the middle of the bracket, with an error that covers half its width
      r.log_z = 0.5 * (r.lower + r.upper);
      r.log_z_se = std::sqrt(0.25 * (r.upper - r.lower) * (r.upper - r.lower) +
                             0.25 * (r.lower_se * r.lower_se + r.upper_se * r.upper_se));
    } else {
      r.log_z = r.lower;
      r.log_z_se = r.lower_se;
    }
    if (has_bridge) {  // the bridge is stored (pt_bridge_log_z) but not used
      parts.erase(parts.begin());
      flags.push_back(bridge_name + " not used: parallel tempering did not converge");
    }
  } else if (has_bridge) {
    r.log_z = bridge_log_z;
    r.log_z_se = bridge_se;
    flags.push_back("parallel tempering did not converge");
  }
  for (std::size_t i = 0; i < parts.size(); ++i) r.method += (i > 0 ? "+" : "") + parts[i];
  if (forward != nullptr && reverse != nullptr) {
    const double gap = r.upper - r.lower;
    const double se = std::hypot(r.lower_se, r.upper_se);
    if (gap > kLogZWideBracket) {
      r.wide = true;
      flags.push_back("WIDE bracket: upper - lower = " + format_number(gap) + " nats > " + format_number(kLogZWideBracket));
    }
    if (gap < -3.0 * se && gap < -0.1)
      flags.push_back("inverted bracket: upper < lower by " + format_number(-gap) +
                      " nats (reverse AIS did not start from equilibrium)");
  }
  if (std::isfinite(r.log_z) && r.method.rfind("bridge", 0) == 0) {
    const double slack = 3.0 * r.log_z_se;
    if ((std::isfinite(r.lower) && r.log_z + slack < r.lower - 3.0 * r.lower_se) ||
        (std::isfinite(r.upper) && r.log_z - slack > r.upper + 3.0 * r.upper_se))
      flags.push_back("bridge estimate outside the AIS bracket");
  }
  if (!std::isfinite(r.log_z) || !std::isfinite(r.log_z_se)) flags.push_back("not finite");
  r.reliable = flags.empty();
  for (std::size_t i = 0; i < flags.size(); ++i) r.warning += (i > 0 ? "; " : "") + flags[i];
  return r;
}

std::string describe(const LogZReport& r) {
  if (!r.present()) return {};
  std::string out = log_z_number(r.log_z, r.log_z_se) + " [" + r.method + "]";
  if (std::isfinite(r.lower) || std::isfinite(r.upper))
    out += "; bracket [" + (std::isfinite(r.lower) ? log_z_number(r.lower, r.lower_se) : std::string("?")) + ", " +
           (std::isfinite(r.upper) ? log_z_number(r.upper, r.upper_se) : std::string("?")) + "]";
  if (std::isfinite(r.ess)) out += ", AIS ESS " + format_number(r.ess) + " of " + format_number(r.runs);
  out += r.reliable ? "" : "; UNRELIABLE: " + r.warning;
  return out;
}

}  // namespace shortrun

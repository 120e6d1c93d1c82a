#include "shortrun/theory/ais.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "shortrun/core/error.hpp"
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

Vector rbm_ais_log_weights(const BernoulliRbm& rbm, const Vector& base_bias, const Vector& betas,
                           Index first_run, Index n_runs, std::uint64_t seed) {
  const Index nv = rbm.n_visible(), nh = rbm.n_hidden(), k_max = betas.size() - 1;
  if (base_bias.size() != nv)
    throw BadInput("AIS base biases: " + std::to_string(base_bias.size()) + " values; expected " +
                   std::to_string(nv) + " (one per visible unit)");
  if (k_max < 1 || betas[0] != 0.0 || betas[k_max] != 1.0)
    throw BadInput("AIS schedule: expected at least two inverse temperatures from 0 to 1");
  for (Index k = 1; k <= k_max; ++k)
    if (!(betas[k] > betas[k - 1]))
      throw BadInput("AIS schedule: inverse temperatures must increase strictly");

  Vector log_w = Vector::Zero(n_runs);
  if (n_runs == 0) return log_w;
  const ChainStreams rng{seed, Purpose::ais, static_cast<std::uint64_t>(first_run), 0, 0};
  Matrix v(nv, n_runs), work;
  const Vector p_base = base_bias.unaryExpr([](double x) { return sigmoid(x); });
  BinaryP0::data_mean(Spin::zero_one, p_base).draw(v, rng);

  BernoulliRbm prev(nv, nh), next(nv, nh);
  set_tempered(rbm, base_bias, betas[0], prev);
  const BlockGibbs gibbs;
  for (Index k = 1; k <= k_max; ++k) {
    set_tempered(rbm, base_bias, betas[k], next);
    log_w += prev.energy(v) - next.energy(v);  // log p_k*(v) - log p_{k-1}*(v) = F_{k-1} - F_k
    if (k < k_max) gibbs.step(next, v, rng.with_time(static_cast<std::uint64_t>(k)), work);
    std::swap(prev, next);
  }
  return log_w;
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
  const double var_r = (r.array() - 1.0).square().sum() / static_cast<double>(m - 1);
  out.log_z_base = log_z_base;
  out.log_z = log_z_base + log_mean_w;
  out.log_z_stderr = std::sqrt(var_r / static_cast<double>(m));
  out.effective_runs = static_cast<double>(m) * static_cast<double>(m) / r.squaredNorm();
  out.log_weights = std::move(log_weights);
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

}  // namespace shortrun

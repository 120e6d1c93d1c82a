#pragma once
/// Synthetic independent binary spins (docs/theory.md section 3): unit i is up with probability
///   p_i = (1 + m_i) / 2,
/// independently of every other unit and sample, where m_i in [-1, 1] is the magnetisation in
/// pm1 terms. With spin = pm1 the samples are in {-1, +1} and <s_i> = m_i; with spin = 01 the same
/// law is written in {0, 1}, so <s_i> = p_i = (1 + m_i) / 2 (the config value means the same law
/// whatever model.spin says).
/// Sample s draws N uniforms u_i from Stream(seed, Purpose::data, s): unit i is up iff u_i <= p_i.
#include <cstdint>

#include "shortrun/data/dataset.hpp"
#include "shortrun/models/spin.hpp"

namespace shortrun {

struct SpinsDataSpec {
  Vector magnetization;      ///< m_i in [-1, 1], (N) (config: data.magnetization)
  Spin spin = Spin::pm1;     ///< convention of the samples (config: model.spin)
  Index n_samples = 0;       ///< 0: exact population moments, no samples (config: data.n_samples)
  std::uint64_t seed = 1;    ///< (config: run.seed)
};

/// Samples (N x n) and their empirical moments, or with n_samples = 0 the population moments
///   mean_i = low + gap p_i,  cov = diag(gap^2 p_i (1 - p_i)).
/// Throws BadInput (naming data.magnetization or data.n_samples) when N = 0, an m_i is not finite
/// or outside [-1, 1], or n_samples < 0.
Dataset make_spins_data(const SpinsDataSpec& spec);

}  // namespace shortrun

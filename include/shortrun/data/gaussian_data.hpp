#pragma once
/// Synthetic Gaussian data (docs/theory.md section 2): x = mu + U diag(sqrt(c)) z, z ~ N(0, I), with U a
/// random orthonormal basis drawn from the seed (QR of a Gaussian matrix, signs fixed so the law is
/// Haar).
#include <cstdint>

#include "shortrun/data/dataset.hpp"

namespace shortrun {

struct GaussianDataSpec {
  Vector spectrum;  ///< c_alpha, (N), > 0
  Vector mean;      ///< mu_D, (N)
  Index n_samples = 0;  ///< 0: population moments (mean = mu, cov = U diag(c) U^T), no samples
  std::uint64_t seed = 1;
};

struct GaussianData {
  Dataset data;
  Matrix basis;  ///< U, (N x N), orthonormal columns u_alpha
};

GaussianData make_gaussian_data(const GaussianDataSpec& spec);

}  // namespace shortrun

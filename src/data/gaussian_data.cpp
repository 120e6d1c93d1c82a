#include "shortrun/data/gaussian_data.hpp"

#include <Eigen/QR>

#include "shortrun/core/random.hpp"

namespace shortrun {

void compute_moments(Dataset& d) {
  const auto n = static_cast<double>(d.x.cols());
  d.mean = d.x.rowwise().sum() / n;
  const Matrix centred = d.x.colwise() - d.mean;
  d.cov = centred * centred.transpose() / n;
}

GaussianData make_gaussian_data(const GaussianDataSpec& spec) {
  const Index n = spec.spectrum.size();
  Matrix g(n, n);
  for (Index j = 0; j < n; ++j) {
    Stream rng(spec.seed, Purpose::basis, static_cast<std::uint64_t>(j));
    rng.fill_normal(g.col(j));
  }
  Eigen::HouseholderQR<Matrix> qr(g);
  Matrix basis = qr.householderQ();
  // Multiply column j by sign(R_jj): makes the basis Haar-distributed (Mezzadri 2007).
  const Matrix r = qr.matrixQR().triangularView<Eigen::Upper>();
  for (Index j = 0; j < n; ++j)
    if (r(j, j) < 0) basis.col(j) *= -1.0;

  GaussianData out;
  out.basis = basis;
  if (spec.n_samples == 0) {
    out.data.population = true;
    out.data.mean = spec.mean;
    out.data.cov = basis * spec.spectrum.asDiagonal() * basis.transpose();
    return out;
  }
  const Matrix scale = basis * spec.spectrum.cwiseSqrt().asDiagonal();
  Matrix& x = out.data.x;
  x.resize(n, spec.n_samples);
  Vector z(n);
  for (Index s = 0; s < spec.n_samples; ++s) {
    Stream rng(spec.seed, Purpose::data, static_cast<std::uint64_t>(s));
    rng.fill_normal(z);
    x.col(s) = spec.mean + scale * z;
  }
  compute_moments(out.data);
  return out;
}

}  // namespace shortrun

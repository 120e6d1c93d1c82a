#include "shortrun/data/gaussian_data.hpp"

#include <algorithm>

#include <Eigen/QR>

#include "shortrun/core/random.hpp"

namespace shortrun {

void compute_moments(Dataset& d, Index block_columns) {
  const Index dim = d.x.rows(), cols = d.x.cols();
  const auto n = static_cast<double>(cols);
  d.mean = d.x.rowwise().sum() / n;
  // Centred columns a block at a time (about 8 MB of them, one allocation), not a centred copy of
  // the whole data set: 60 000 Fashion-MNIST images would otherwise double the peak memory of a
  // run as they load. A data set of one block (the synthetic ones of a few hundred samples) gets
  // the single product it always had, bit for bit.
  const Index block = column_block(dim, block_columns);
  d.cov = Matrix::Zero(dim, dim);
  Matrix centred(dim, std::min(block, cols));
  for (Index first = 0; first < cols; first += block) {
    const Index width = std::min(block, cols - first);
    centred.leftCols(width) = d.x.middleCols(first, width).colwise() - d.mean;
    d.cov.noalias() += centred.leftCols(width) * centred.leftCols(width).transpose();
  }
  d.cov /= n;
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

// ULA sampled with many chains against the exact moments of p_t (docs/theory.md section 2).
#include <cmath>

#include <catch2/catch.hpp>

#include "shortrun/models/gaussian_energy.hpp"
#include "shortrun/samplers/langevin.hpp"
#include "shortrun/samplers/p0.hpp"
#include "shortrun/theory/gaussian_theory.hpp"

namespace gt = shortrun::gaussian_theory;
using namespace shortrun;

TEST_CASE("ULA chains from p0 have the closed-form mean and covariance and zero skew at every t", "[langevin]") {
  const Index n = 3, chains = 40000;
  GaussianEnergy model(n);
  model.J() << 2.0, 0.5, -0.3, 0.5, 1.0, 0.2, -0.3, 0.2, 0.6;
  model.h() << 0.3, -1.0, 0.5;
  const Langevin ula(0.05, 1.3);
  const P0 p0(P0::Kind::gaussian, 1.5);
  Matrix x(n, chains), work;
  ChainStreams rng{42, Purpose::p0, 0, 0, 0};
  p0.draw(x, rng);
  const gt::Moments start{Vector::Zero(n), 1.5 * 1.5 * Matrix::Identity(n, n)};
  const Matrix J = model.J();
  const Vector h = model.h();
  const double r = static_cast<double>(chains);
  for (int t = 0; t <= 40; ++t) {
    if (t > 0) ula.step(model, x, rng.with_purpose(Purpose::sampler).with_time(static_cast<std::uint64_t>(t)), work);
    if (t != 0 && t != 1 && t != 5 && t != 40) continue;
    const gt::Moments m = gt::propagate(J, h, start, t, gt::Ula{0.05, 1.3});
    const Vector mean = x.rowwise().sum() / r;
    const Matrix centred = x.colwise() - mean;
    const Matrix cov = centred * centred.transpose() / r;
    INFO("t = " << t);
    for (Index i = 0; i < n; ++i) {
      // Standard errors: mean sqrt(S_ii / R); covariance sqrt((S_ii S_jj + S_ij^2) / R);
      // third central moment sqrt(15 S_ii^3 / R). Tolerance 5 standard errors, fixed seed.
      CHECK(std::abs(mean[i] - m.mean[i]) < 5 * std::sqrt(m.cov(i, i) / r));
      for (Index j = 0; j < n; ++j)
        CHECK(std::abs(cov(i, j) - m.cov(i, j)) <
              5 * std::sqrt((m.cov(i, i) * m.cov(j, j) + m.cov(i, j) * m.cov(i, j)) / r));
      const double skew = centred.row(i).array().cube().sum() / r;
      CHECK(std::abs(skew) < 5 * std::sqrt(15 * std::pow(m.cov(i, i), 3) / r));
    }
  }
}

TEST_CASE("a chain's trajectory does not depend on which columns it shares a matrix with", "[langevin]") {
  GaussianEnergy model(2);
  model.J() << 1.0, 0.2, 0.2, 0.5;
  const Langevin ula(0.1, 1.0);
  ChainStreams all{9, Purpose::sampler, 0, 1, 0};
  Matrix x = Matrix::Ones(2, 6), work;
  Matrix tail = x.rightCols(2);
  ChainStreams tail_rng = all;
  tail_rng.first_chain = 4;
  for (std::uint64_t s = 0; s < 5; ++s) {
    ula.step(model, x, all.with_time(1, s), work);
    ula.step(model, tail, tail_rng.with_time(1, s), work);
  }
  CHECK(x.rightCols(2) == tail);
}

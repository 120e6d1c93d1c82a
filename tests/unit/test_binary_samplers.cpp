// Binary samplers and p0 against exact laws: chi-square tests of independent chains at a fixed
// sweep t against p_t propagated exactly (docs/theory.md section 4), so the transient that rdm training
// relies on is tested, not only the stationary law.
#include <cmath>

#include <catch2/catch.hpp>

#include "../support/binary_fixtures.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/block_gibbs.hpp"
#include "shortrun/samplers/single_site.hpp"
#include "shortrun/theory/binary_transition.hpp"

using namespace shortrun;

namespace {

constexpr Index kChains = 20000;
constexpr Index kSweeps = 3;

/// R chains from uniform p0, kSweeps sweeps of Sampler; returns the chi-square against p_t.
/// Scalar float: float chains on the model's float32 working copy (model.precision = float32).
template <class Sampler, class Model, class Scalar = double>
double chi_square_after_sweeps(const Model& model, std::uint64_t seed) {
  const Index n = model.dim();
  const BinaryP0 p0 = BinaryP0::uniform(model.spin(), n);
  MatrixOf<Scalar> x(n, kChains), work;
  const ChainStreams rng{seed, Purpose::p0, 0, 0, 0};
  p0.draw(x, rng);
  const auto& working = working_precision<Scalar>(model);
  for (Index t = 0; t < kSweeps; ++t)
    Sampler{}.step(working, x, rng.with_purpose(Purpose::sampler).with_time(0, static_cast<std::uint64_t>(t)), work);
  const exact::SweepKernel kernel(exact::pairwise(model), Sampler::dynamics());
  const Vector p = kernel.propagate(exact::product_law(p0.prob_up()), kSweeps);
  REQUIRE(p.minCoeff() * static_cast<double>(kChains) >= 5.0);  // chi-square's approximation holds
  return test::chi_square(test::state_histogram(Matrix(x.template cast<double>()), model.spin()), p, kChains);
}

}  // namespace

// 16 states, R = 20000 independent chains (one draw each): chi-square with 15 degrees of freedom;
// the threshold 44.26 is its upper 1e-4 quantile. Fixed seeds.
TEST_CASE("single-site samplers on a tiny bm match the exact p_t by chi-square", "[sampler][bm]") {
  for (Spin spin : {Spin::pm1, Spin::zero_one}) {
    const BoltzmannMachine bm = test::tiny_bm(4, spin, 17, 0.5, 0.7);
    INFO("spin " << spin_name(spin));
    CHECK(chi_square_after_sweeps<Gibbs>(bm, 1) < test::kChiSquare15At1e4);
    CHECK(chi_square_after_sweeps<GibbsRandom>(bm, 2) < test::kChiSquare15At1e4);
    CHECK(chi_square_after_sweeps<Metropolis>(bm, 3) < test::kChiSquare15At1e4);
    CHECK(chi_square_after_sweeps<MetropolisRandom>(bm, 4) < test::kChiSquare15At1e4);
  }
}

TEST_CASE("float32 single-site samplers on a tiny bm match the exact p_t by chi-square", "[sampler][bm][precision]") {
  // Float chains on BmParametersOf<float>: float uniforms (sequential orders) or the float64 draws
  // compared with float probabilities (random orders) against the law propagated in double. The
  // parameters' float rounding (2^-24 relative) moves p_t by ~1e-8, far below the chi-square's
  // resolution at 20000 chains (~1e-2 per state).
  for (Spin spin : {Spin::pm1, Spin::zero_one}) {
    const BoltzmannMachine bm = test::tiny_bm(4, spin, 17, 0.5, 0.7);
    INFO("spin " << spin_name(spin));
    CHECK(chi_square_after_sweeps<Gibbs, BoltzmannMachine, float>(bm, 11) < test::kChiSquare15At1e4);
    CHECK(chi_square_after_sweeps<GibbsRandom, BoltzmannMachine, float>(bm, 12) < test::kChiSquare15At1e4);
    CHECK(chi_square_after_sweeps<Metropolis, BoltzmannMachine, float>(bm, 13) < test::kChiSquare15At1e4);
    CHECK(chi_square_after_sweeps<MetropolisRandom, BoltzmannMachine, float>(bm, 14) < test::kChiSquare15At1e4);
  }
}

TEST_CASE("single-site samplers on independent spins match the exact p_t by chi-square", "[sampler][spins]") {
  IndependentSpins spins(4, Spin::pm1);
  spins.h() << 0.5, -0.3, 0.9, 0.1;
  CHECK(chi_square_after_sweeps<Metropolis>(spins, 5) < test::kChiSquare15At1e4);
  CHECK(chi_square_after_sweeps<GibbsRandom>(spins, 6) < test::kChiSquare15At1e4);
}

TEST_CASE("RBM block Gibbs matches the exact visible law after t steps by chi-square", "[sampler][rbm]") {
  const BernoulliRbm rbm = test::tiny_rbm(4, 3, 5, 1.0);
  const BinaryP0 p0 = BinaryP0::uniform(Spin::zero_one, 4);
  Matrix v(4, kChains), work;
  const ChainStreams rng{7, Purpose::p0, 0, 0, 0};
  p0.draw(v, rng);
  const Matrix t = exact::rbm_block_gibbs_matrix(rbm);
  Vector p = exact::product_law(p0.prob_up());
  for (Index s = 0; s < 2; ++s) {
    BlockGibbs{}.step(rbm, v, rng.with_purpose(Purpose::sampler).with_time(0, static_cast<std::uint64_t>(s)), work);
    p = t.transpose() * p;
  }
  REQUIRE(p.minCoeff() * static_cast<double>(kChains) >= 5.0);
  CHECK(test::chi_square(test::state_histogram(v, Spin::zero_one), p, kChains) < test::kChiSquare15At1e4);
}

TEST_CASE("a binary chain does not depend on which columns it shares a matrix with", "[sampler]") {
  const BoltzmannMachine bm = test::tiny_bm(6, Spin::pm1, 2);
  const BernoulliRbm rbm = test::tiny_rbm(6, 4, 2);
  const ChainStreams all{9, Purpose::sampler, 0, 1, 0};
  ChainStreams tail_rng = all;
  tail_rng.first_chain = 5;
  Matrix x = Matrix::Constant(6, 8, -1.0), v = Matrix::Zero(6, 8), work;
  Matrix x_tail = x.rightCols(3), v_tail = v.rightCols(3);
  for (std::uint64_t s = 0; s < 4; ++s) {
    MetropolisRandom{}.step(bm, x, all.with_time(1, s), work);
    MetropolisRandom{}.step(bm, x_tail, tail_rng.with_time(1, s), work);
    BlockGibbs{}.step(rbm, v, all.with_time(1, s), work);
    BlockGibbs{}.step(rbm, v_tail, tail_rng.with_time(1, s), work);
  }
  CHECK(x.rightCols(3) == x_tail);
  CHECK(v.rightCols(3) == v_tail);
}

TEST_CASE("binary p0 draws have the stated means and zeros is the all-low state", "[p0]") {
  // R = 40000 draws: standard error of a unit's mean <= 1/sqrt(R) = 0.005 (pm1); 5 standard errors.
  const Vector m = (Vector(3) << -0.6, 0.0, 0.8).finished();
  const BinaryP0 p0 = BinaryP0::data_mean(Spin::pm1, m);
  CHECK((p0.mean() - m).cwiseAbs().maxCoeff() < 1e-15);
  Matrix x(3, 40000);
  p0.draw(x, ChainStreams{3, Purpose::p0, 0, 0, 0});
  CHECK(((x.rowwise().mean() - m).array().abs() < 5.0 / std::sqrt(40000.0)).all());
  BinaryP0::zeros(Spin::zero_one, 3).draw(x, ChainStreams{});
  CHECK(x.cwiseAbs().maxCoeff() == 0.0);
  BinaryP0::zeros(Spin::pm1, 3).draw(x, ChainStreams{});
  CHECK((x.array() == -1.0).all());
}

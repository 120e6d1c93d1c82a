// AIS for the RBM log partition function against exact enumeration over the smaller layer
// (docs/theory.md section 4). Fixed seeds. Accuracy target: the error is within 0.1 nats or within 3
// of AIS's own standard errors, and that standard error is itself below 0.1 nats.
#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include "../support/binary_fixtures.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/theory/ais.hpp"
#include "shortrun/theory/binary_enumeration.hpp"
#include "shortrun/theory/log_likelihood.hpp"

using namespace shortrun;

namespace {

/// W ~ N(0, w_scale^2), a and b ~ N(0, bias_scale^2), from a fixed seed.
BernoulliRbm random_rbm(Index nv, Index nh, std::uint64_t seed, double w_scale, double bias_scale) {
  BernoulliRbm rbm(nv, nh);
  Stream s(seed, Purpose::data, 0);
  for (Index i = 0; i < nv; ++i)
    for (Index j = 0; j < nh; ++j) rbm.W()(i, j) = w_scale * s.normal();
  for (Index i = 0; i < nv; ++i) rbm.a()(i, 0) = bias_scale * s.normal();
  for (Index j = 0; j < nh; ++j) rbm.b()(j, 0) = bias_scale * s.normal();
  return rbm;
}

/// count binary columns of n units, unit i on with probability 0.2 + 0.6 i / n.
Matrix test_binary_columns(Index n, Index count, std::uint64_t seed) {
  Matrix x(n, count);
  for (Index j = 0; j < count; ++j) {
    Stream s(seed, Purpose::data, static_cast<std::uint64_t>(j));
    for (Index i = 0; i < n; ++i)
      x(i, j) = s.uniform() <= 0.2 + 0.6 * static_cast<double>(i) / static_cast<double>(n) ? 1.0 : 0.0;
  }
  return x;
}

void check_against_enumeration(const BernoulliRbm& rbm, const AisOptions& options) {
  const double exact_log_z = exact::rbm_log_partition(rbm);
  const Vector data_mean = exact::rbm_moments(rbm).v_mean;  // data as the model's own samples
  const AisResult ais = rbm_ais_log_partition(rbm, data_mean, options);
  const double error = ais.log_z - exact_log_z;
  INFO("exact " << exact_log_z << " ais " << ais.log_z << " +- " << ais.log_z_stderr
                << " error " << error << " effective runs " << ais.effective_runs);
  CHECK(std::abs(error) < std::max(0.1, 3 * ais.log_z_stderr));
  CHECK(ais.log_z_stderr < 0.1);
}

}  // namespace

TEST_CASE("AIS is exact when the RBM has no couplings and the base has its visible biases", "[ais]") {
  BernoulliRbm rbm(5, 3);
  rbm.a() << 0.3, -1.0, 0.0, 2.0, -0.4;
  rbm.b() << 0.5, -0.2, 1.1;
  const Vector base(rbm.a());
  const Vector log_w = rbm_ais_log_weights(rbm, base, ais_linear_schedule(10), 0, 8, 1);
  const AisResult r = ais_estimate(log_w, ais_base_log_partition(base, 3));
  CHECK(r.log_z == Approx(exact::rbm_log_partition(rbm)).epsilon(1e-13));
  CHECK(r.log_z_stderr < 1e-12);
  CHECK(r.effective_runs == Approx(8.0));
}

TEST_CASE("AIS log-mean-exp and its delta-method error on given weights", "[ais]") {
  Vector log_w(4);
  log_w << 0.0, std::log(2.0), std::log(3.0), std::log(2.0);  // w = 1 2 3 2: mean 2
  const AisResult r = ais_estimate(log_w, 1.5);
  CHECK(r.log_z == Approx(1.5 + std::log(2.0)));
  // r = w / 2 = 0.5 1 1.5 1: sample variance 1/6, error sqrt(1/6 / 4).
  CHECK(r.log_z_stderr == Approx(std::sqrt(1.0 / 24.0)));
  CHECK(r.effective_runs == Approx(16.0 / 4.5));
}

TEST_CASE("AIS runs are a function of the seed and the run index - not of how runs are split", "[ais]") {
  const BernoulliRbm rbm = random_rbm(6, 5, 3, 0.5, 0.3);
  const Vector base = ais_base_bias(Vector::Constant(6, 0.4));
  const Vector betas = ais_linear_schedule(50);
  const Vector all = rbm_ais_log_weights(rbm, base, betas, 0, 10, 7);
  CHECK(rbm_ais_log_weights(rbm, base, betas, 0, 10, 7) == all);
  const Vector head = rbm_ais_log_weights(rbm, base, betas, 0, 4, 7);
  const Vector tail = rbm_ais_log_weights(rbm, base, betas, 4, 6, 7);
  // Equal up to rounding: Eigen's products take other kernels for other column counts.
  CHECK((head - all.head(4)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((tail - all.tail(6)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(rbm_ais_log_weights(rbm, base, betas, 0, 10, 8) != all);
}

TEST_CASE("AIS log Z of a 16x16 RBM is within 0.1 nats of enumeration", "[ais][rbm]") {
  // W ~ N(0, 0.5^2): couplings strong enough that p_B is far from any independent law.
  const BernoulliRbm rbm = random_rbm(16, 16, 21, 0.5, 0.5);
  check_against_enumeration(rbm, {1000, 200, 5, 1e-3});
}

TEST_CASE("AIS log Z of a 20x64 RBM is within 0.1 nats of enumeration", "[ais][rbm]") {
  // W ~ N(0, 0.3^2) over 64 hidden units: hidden inputs of sd ~0.3 sqrt(10), the regime of a
  // partly trained model.
  const BernoulliRbm rbm = random_rbm(20, 64, 22, 0.3, 0.5);
  check_against_enumeration(rbm, {1000, 200, 6, 1e-3});
}

TEST_CASE("AIS log Z of a multimodal trained-looking 16x16 RBM is within 0.1 nats of enumeration", "[ais][rbm]") {
  // Hidden unit j is a template detector: W(:, j) = g (2 t_j - 1) for a random binary template t_j,
  // b_j = -g |t_j| + g/2 + 12, so p(v) has 16 sharp modes (g = 4 per mismatched bit) holding most of
  // the mass above the flat bulk, as a model trained on clustered data does. Here runs can miss a
  // mode, and then the weights' spread understates the error: on other template draws the
  // data-mean base gave log Z low by ~0.04 nats at 8-10 of its standard errors, for any number of
  // temperatures (1000 to 20000) and runs (100 to 2000). So only the 0.1-nat bound is checked.
  BernoulliRbm rbm(16, 16);
  Stream s(41, Purpose::data, 0);
  const double g = 4.0;
  for (Index j = 0; j < 16; ++j) {
    double ones = 0;
    for (Index i = 0; i < 16; ++i) {
      const double t = s.uniform() <= 0.5 ? 1.0 : 0.0;
      ones += t;
      rbm.W()(i, j) = g * (2.0 * t - 1.0);
    }
    rbm.b()(j, 0) = -g * ones + 0.5 * g + 12.0;
  }
  const double exact_log_z = exact::rbm_log_partition(rbm);
  const AisResult ais = rbm_ais_log_partition(rbm, exact::rbm_moments(rbm).v_mean, {1000, 200, 7, 1e-3});
  INFO("exact " << exact_log_z << " ais " << ais.log_z << " +- " << ais.log_z_stderr << " effective runs "
                << ais.effective_runs);
  CHECK(std::abs(ais.log_z - exact_log_z) < 0.1);
}

TEST_CASE("AIS rejects data means of the wrong size or with NaN and too few runs", "[ais][bad_input]") {
  const BernoulliRbm rbm = random_rbm(4, 3, 1, 0.5, 0.5);
  CHECK_THROWS_AS(rbm_ais_log_partition(rbm, Vector::Constant(5, 0.5)), BadInput);
  Vector mean = Vector::Constant(4, 0.5);
  mean[2] = std::nan("");
  CHECK_THROWS_AS(rbm_ais_log_partition(rbm, mean), BadInput);
  mean[2] = 0.5;
  CHECK_THROWS_AS(rbm_ais_log_partition(rbm, mean, {10, 1, 1, 1e-3}), BadInput);
  CHECK_THROWS_AS(rbm_ais_log_partition(rbm, mean, {0, 10, 1, 1e-3}), BadInput);
  CHECK_THROWS_AS(ais_base_bias(mean, 0.7), BadInput);
}

TEST_CASE("data log-likelihood is exact by enumeration and AIS agrees within 0.1 nats", "[ais][loglik]") {
  const BernoulliRbm rbm = random_rbm(12, 30, 31, 0.5, 0.5);
  const Matrix v = test_binary_columns(12, 200, 32);
  const LogLikelihood exact_ll = rbm_log_likelihood(rbm, v);
  CHECK(exact_ll.method == "exact");
  CHECK(exact_ll.std_error == 0.0);
  CHECK(exact_ll.mean == Approx(exact::rbm_log_likelihood(rbm, v)).epsilon(1e-12));
  const LogLikelihood ais_ll = rbm_log_likelihood(rbm, v, {1000, 100, 3, 1e-3}, true);
  CHECK(ais_ll.method == "ais");
  CHECK(std::abs(ais_ll.mean - exact_ll.mean) < 0.1);

  const BoltzmannMachine bm = test::tiny_bm(6, Spin::pm1, 33);
  const Matrix s = (2.0 * test_binary_columns(6, 50, 34).array() - 1.0).matrix();
  CHECK(bm_log_likelihood(bm, s).mean ==
        Approx(exact::log_likelihood(exact::pairwise(bm), s)).epsilon(1e-12));
  CHECK_THROWS_AS(bm_log_likelihood(bm, Matrix::Constant(6, 3, 0.5)), BadInput);
  CHECK_THROWS_AS(rbm_log_likelihood(rbm, Matrix::Constant(12, 3, 0.5)), BadInput);
  CHECK_THROWS_AS(rbm_log_likelihood(rbm, Matrix::Zero(11, 3)), BadInput);
}

// The RBM's hot kernels (block-Gibbs step, gradient statistics) are templates over the scalar
// type. The float64 instantiation is what training runs, and must give bit for bit what the
// kernels gave before they were templated (resumed and repeated runs are compared bitwise, and
// results must not move between versions without a reason): the oracle below is the earlier code,
// kept verbatim. The float32 instantiation (timed by `shortrun bench`) must agree with float64 to
// float precision.
#include <cmath>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "../support/binary_fixtures.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/block_gibbs.hpp"

using namespace shortrun;

namespace {

// ---- The kernels as they were before the scalar-type templates (the oracle) ----
Matrix legacy_hidden_input(const BernoulliRbm& rbm, const Matrix& v) {
  Matrix in = rbm.W().transpose() * v;
  in.colwise() += rbm.b().col(0);
  return in;
}
Matrix legacy_visible_input(const BernoulliRbm& rbm, const Matrix& hid) {
  Matrix in = rbm.W() * hid;
  in.colwise() += rbm.a().col(0);
  return in;
}
void legacy_step(const BernoulliRbm& rbm, Matrix& v, const ChainStreams& rng, Matrix& work) {
  const Index nv = v.rows(), nh = rbm.n_hidden(), n = v.cols();
  Matrix uniforms(nh + nv, n);
  for (Index j = 0; j < n; ++j) {
    Stream s = rng.chain(j);
    for (Index r = 0; r < nh + nv; ++r) uniforms(r, j) = s.uniform();
  }
  work = legacy_hidden_input(rbm, v);
  for (Index j = 0; j < n; ++j)
    for (Index k = 0; k < nh; ++k) work(k, j) = uniforms(k, j) <= sigmoid(work(k, j)) ? 1.0 : 0.0;
  const Matrix in = legacy_visible_input(rbm, work);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < nv; ++i) v(i, j) = uniforms(nh + i, j) <= sigmoid(in(i, j)) ? 1.0 : 0.0;
}
void legacy_accumulate_grad_energy(const BernoulliRbm& rbm, const Matrix& v, double weight, Vector& grad) {
  const Matrix p = legacy_hidden_input(rbm, v).unaryExpr([](double x) { return sigmoid(x); });
  view(grad, rbm.layout().blocks()[0]).noalias() -= weight * v * p.transpose();
  view(grad, rbm.layout().blocks()[1]).noalias() -= weight * v.rowwise().sum();
  view(grad, rbm.layout().blocks()[2]).noalias() -= weight * p.rowwise().sum();
}
// ----

struct Size {
  Index nv, nh, chains;
};
// Tiny sizes take Eigen's coefficient-wise product, the others its blocked GEMM; odd sizes
// exercise the vectorised loops' remainders.
constexpr Size kSizes[] = {{4, 3, 5}, {37, 23, 41}, {196, 64, 300}};

}  // namespace

TEST_CASE("float64 block-Gibbs steps are bitwise those of the earlier kernel", "[rbm][kernels]") {
  for (const Size& z : kSizes) {
    INFO("Nv " << z.nv << " Nh " << z.nh << " chains " << z.chains);
    const BernoulliRbm rbm = test::tiny_rbm(z.nv, z.nh, 71, 0.3);
    const ChainStreams rng{5, Purpose::sampler, 11, 0, 0};
    Matrix v(z.nv, z.chains);
    BinaryP0::uniform(Spin::zero_one, z.nv).draw(v, rng.with_purpose(Purpose::p0));
    Matrix v_old = v, work, work_old;
    const BlockGibbs gibbs;  // one sampler for all steps: its scratch is reused, as in training
    for (std::uint64_t s = 0; s < 5; ++s) {
      gibbs.step(rbm, v, rng.with_time(1, s), work);
      legacy_step(rbm, v_old, rng.with_time(1, s), work_old);
      REQUIRE(test::bitwise_equal(v, v_old));
      REQUIRE(test::bitwise_equal(work, work_old));
    }
  }
}

TEST_CASE("float64 RBM gradient statistics are bitwise those of the earlier kernel", "[rbm][kernels]") {
  for (const Size& z : kSizes) {
    INFO("Nv " << z.nv << " Nh " << z.nh << " chains " << z.chains);
    const BernoulliRbm rbm = test::tiny_rbm(z.nv, z.nh, 73, 0.3);
    Matrix v(z.nv, z.chains);
    BinaryP0::uniform(Spin::zero_one, z.nv).draw(v, ChainStreams{6, Purpose::p0, 0, 0, 0});
    Vector g = Vector::LinSpaced(rbm.params().size(), -1.0, 1.0), g_old = g;
    rbm.accumulate_grad_energy(v, 1.0 / 3.0, g);
    legacy_accumulate_grad_energy(rbm, v, 1.0 / 3.0, g_old);
    rbm.accumulate_grad_energy(v, -0.7, g);
    legacy_accumulate_grad_energy(rbm, v, -0.7, g_old);
    CHECK(test::bitwise_equal(g, g_old));
    CHECK(test::bitwise_equal(rbm.hidden_input(v), legacy_hidden_input(rbm, v)));
    CHECK(test::bitwise_equal(rbm.visible_input(v.topRows(z.nh)), legacy_visible_input(rbm, v.topRows(z.nh))));
  }
}

TEST_CASE("float32 RBM kernels agree with float64 to float precision", "[rbm][kernels]") {
  const Size z{196, 64, 300};
  const BernoulliRbm rbm = test::tiny_rbm(z.nv, z.nh, 79, 0.2);
  const RbmParametersOf<float> rbm32(rbm);
  REQUIRE(rbm32.params().size() == rbm.params().size());
  const ChainStreams rng{8, Purpose::sampler, 0, 0, 0};
  Matrix v(z.nv, z.chains);
  BinaryP0::uniform(Spin::zero_one, z.nv).draw(v, rng.with_purpose(Purpose::p0));

  // Gradient statistics of the same batch: float sums of a few hundred terms of size <= 1.
  Vector g = Vector::Zero(rbm.params().size());
  VectorOf<float> g32 = VectorOf<float>::Zero(rbm.params().size());
  MatrixOf<float> p32;
  const MatrixOf<float> v32 = v.cast<float>();
  rbm.accumulate_grad_energy(v, 1.0 / static_cast<double>(z.chains), g);
  rbm32.accumulate_grad_energy(v32, 1.0f / static_cast<float>(z.chains), g32, p32);
  CHECK((g32.cast<double>() - g).cwiseAbs().maxCoeff() < 1e-5);

  // One step from the same state with the same draws: a unit differs only where its uniform falls
  // within float rounding (~1e-7) of its probability, or downstream of such a hidden unit.
  const BlockGibbs gibbs;
  Matrix work;
  MatrixOf<float> work32, v_next32 = v32;
  Matrix v_next = v;
  gibbs.step(rbm, v_next, rng.with_time(1, 0), work);
  gibbs.step(rbm32.weights(), v_next32, rng.with_time(1, 0), work32);
  const double hidden_differ = (work32.cast<double>() - work).cwiseAbs().sum() / static_cast<double>(work.size());
  const double visible_differ = (v_next32.cast<double>() - v_next).cwiseAbs().sum() / static_cast<double>(v.size());
  INFO("hidden units differing " << hidden_differ << " visible " << visible_differ);
  CHECK(hidden_differ < 1e-3);
  CHECK(visible_differ < 1e-2);
  CHECK(((v_next32.array() == 0.0f) || (v_next32.array() == 1.0f)).all());
}

namespace {

// Stream::uniform() is r123::u01: in [2^-65, 1] (the float kernels round it to float).
template <class Scalar>
const Scalar kSmallestUniform = static_cast<Scalar>(std::ldexp(1.0, -65));

// The scalar decision the vectorised draw must reproduce exactly.
template <class Scalar>
Scalar scalar_draw(Scalar x, Scalar u) {
  return u <= sigmoid(x) ? Scalar(1) : Scalar(0);
}

template <class Scalar>
void check_bernoulli_of_sigmoid() {
  // Hard cases: uniforms exactly at, one ulp above and one ulp below sigmoid(x); saturated,
  // overflowing and non-finite inputs; u at its extremes. Then many random ones.
  std::vector<Scalar> xs, us;
  const Scalar inf = std::numeric_limits<Scalar>::infinity();
  for (Scalar x : {Scalar(0), Scalar(-0.0), Scalar(1e-30), Scalar(-1e-30), Scalar(0.3), Scalar(-2.5), Scalar(17),
                   Scalar(-17), Scalar(40), Scalar(-40), Scalar(88), Scalar(-88), Scalar(100), Scalar(-100),
                   Scalar(709.5), Scalar(-709.5), Scalar(745), Scalar(-745), Scalar(1e30), Scalar(-1e30), inf, -inf}) {
    const Scalar s = sigmoid(x);
    for (Scalar u : {s, std::nextafter(s, Scalar(2)), std::nextafter(s, Scalar(-1)), Scalar(1), Scalar(0.5),
                     Scalar(std::ldexp(1.0, -65)), Scalar(1e-30)}) {
      if (!(u >= kSmallestUniform<Scalar>) || u > 1) continue;
      xs.push_back(x);
      us.push_back(u);
    }
  }
  xs.push_back(std::numeric_limits<Scalar>::quiet_NaN());
  us.push_back(Scalar(0.5));
  Stream s(13, Purpose::data, 0);
  for (int i = 0; i < 20000; ++i) {
    const Scalar x = static_cast<Scalar>((i % 4 == 0 ? 30.0 : 3.0) * s.normal());
    // Half of them within a few ulp of the probability, where an approximation would err.
    const Scalar u = i % 2 ? static_cast<Scalar>(s.uniform())
                           : std::nextafter(sigmoid(x), i % 3 ? Scalar(2) : Scalar(-1));
    if (!(u >= kSmallestUniform<Scalar>) || u > 1) continue;
    xs.push_back(x);
    us.push_back(u);
  }
  const auto n = static_cast<Index>(xs.size());
  VectorOf<Scalar> out(n), in_place = Eigen::Map<VectorOf<Scalar>>(xs.data(), n), p;
  bernoulli_of_sigmoid(xs.data(), us.data(), out.data(), n, p);
  bernoulli_of_sigmoid(in_place.data(), us.data(), in_place.data(), n, p);  // out aliasing x
  Index wrong = 0;
  for (Index i = 0; i < n; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const Scalar expected = scalar_draw(xs[k], us[k]);
    if (out[i] != expected || in_place[i] != expected) {
      ++wrong;
      UNSCOPED_INFO("x " << xs[k] << " u " << us[k] << " expected " << expected << " got " << out[i]);
    }
  }
  CHECK(wrong == 0);
}

}  // namespace

TEST_CASE("vectorised Bernoulli draws decide every unit as the scalar sigmoid does", "[rbm][kernels]") {
  check_bernoulli_of_sigmoid<double>();
  check_bernoulli_of_sigmoid<float>();
}

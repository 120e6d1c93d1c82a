// The RBM's hot kernels (block-Gibbs step, gradient statistics) are templates over the scalar
// type. The float64 instantiation is what training runs, and must give bit for bit what the
// kernels gave before they were templated (resumed and repeated runs are compared bitwise, and
// results must not move between versions without a reason): the oracle below is the earlier code,
// kept verbatim. The float32 instantiation draws its own uniforms (byte-first: a byte of the
// chain's stream, refined from a second sequence only where the byte does not decide the unit),
// so its chains are another sample of the same Markov chain: it must decide every unit as a plain
// loop of the documented rule does, and give the exact unit means and the exact joint law of
// (h_t, v_t) on a small RBM, as float64 does; its gradient statistics agree with float64's to
// float precision.
#include <algorithm>
#include <cstdint>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "../support/binary_fixtures.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/block_gibbs.hpp"
#include "shortrun/theory/binary_enumeration.hpp"

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

TEST_CASE("float32 RBM gradient statistics agree with float64 to float precision", "[rbm][kernels]") {
  const Size z{196, 64, 300};
  const BernoulliRbm rbm = test::tiny_rbm(z.nv, z.nh, 79, 0.2);
  const RbmParametersOf<float> rbm32(rbm);
  REQUIRE(rbm32.params().size() == rbm.params().size());
  Matrix v(z.nv, z.chains);
  BinaryP0::uniform(Spin::zero_one, z.nv).draw(v, ChainStreams{8, Purpose::p0, 0, 0, 0});

  // Gradient statistics of the same batch: float sums of a few hundred terms of size <= 1.
  Vector g = Vector::Zero(rbm.params().size());
  VectorOf<float> g32 = VectorOf<float>::Zero(rbm.params().size());
  MatrixOf<float> p32;
  const MatrixOf<float> v32 = v.cast<float>();
  rbm.accumulate_grad_energy(v, 1.0 / static_cast<double>(z.chains), g);
  rbm32.accumulate_grad_energy(v32, 1.0f / static_cast<float>(z.chains), g32, p32);
  CHECK((g32.cast<double>() - g).cwiseAbs().maxCoeff() < 1e-5);
}

TEST_CASE("float32 statistics added to a double gradient block by block equal a whole float gradient widened", "[rbm][kernels]") {
  // Training's overload (double gradient) widens each block of kChainChunk visible rows as soon as
  // its float product is done, instead of filling a float gradient of the model's size first. The
  // float values are the same products, so W's sums must be bitwise those of the whole float
  // gradient widened and added. 300 visible units: two full row blocks and a partial one; two
  // batches added in turn onto a gradient that is not zero.
  const Index nv = 300, nh = 37, chains = 250;
  REQUIRE(nv > 2 * kChainChunk);
  const BernoulliRbm rbm = test::tiny_rbm(nv, nh, 31, 0.3);
  const RbmParametersOf<float> rbm32(rbm);
  const Index n = rbm.params().size();
  Vector start(n);
  for (Index i = 0; i < n; ++i) start[i] = std::sin(0.37 * static_cast<double>(i));
  Vector blockwise = start, whole = start;
  for (std::uint64_t batch = 0; batch < 2; ++batch) {
    Matrix v(nv, chains);
    BinaryP0::uniform(Spin::zero_one, nv).draw(v, ChainStreams{batch + 3, Purpose::p0, 0, 0, 0});
    const MatrixOf<float> v32 = v.cast<float>();
    const double weight = batch == 0 ? 1.0 / chains : -0.5 / chains;
    rbm32.accumulate_grad_energy(v32, weight, blockwise);
    VectorOf<float> g32 = VectorOf<float>::Zero(n);
    MatrixOf<float> p32;
    rbm32.accumulate_grad_energy(v32, static_cast<float>(weight), g32, p32);
    whole += g32.cast<double>();
  }
  const Index n_w = nv * nh;
  CHECK(test::bitwise_equal(blockwise.head(n_w), whole.head(n_w)));
  // a and b: row sums of v and of p, whose vectorised float sum Eigen splits by where the
  // destination starts in memory (aligned or not), so only float rounding is the same: each sum
  // has at most 250 terms of size <= 1 / 250, relative error a few float epsilons.
  CHECK((blockwise.tail(n - n_w) - whole.tail(n - n_w)).cwiseAbs().maxCoeff() < 1e-6);
  CHECK(!test::bitwise_equal(blockwise, start));
}

namespace {

// ---- The float32 step as a plain loop (the oracle of the float32 kernel) ----
// One float32 unit as block_gibbs.hpp documents it: U = (B + V) / 256, up iff U <= s =
// sigmoid(z) in float; V (the next uniform of `fine`) drawn only when B alone does not decide.
float documented_byte_draw(float z, std::uint8_t byte, Stream& fine) {
  const double s = static_cast<double>(sigmoid(z));
  if ((byte + 1.0) / 256.0 <= s) return 1.0f;
  if (byte / 256.0 >= s) return 0.0f;
  return (byte + fine.uniform()) / 256.0 <= s ? 1.0f : 0.0f;
}

// Per chain, one stream: byte_words(Nh) words of bytes for h, then byte_words(Nv) for v
// (Stream::fill_bytes); the undecided units' V from the stream's second sequence, h first.
void rbm_kernels_reference_step_f32(const RbmParametersOf<float>& rbm, MatrixOf<float>& v, const ChainStreams& rng,
                                    MatrixOf<float>& hid) {
  const RbmWeights<float> w = rbm.weights();
  const Index nv = v.rows(), nh = w.n_hidden(), n = v.cols();
  const MatrixOf<float> in_h = w.W.transpose() * v;
  hid.resize(nh, n);
  std::vector<std::uint8_t> bh(static_cast<std::size_t>(nh)), bv(static_cast<std::size_t>(nv));
  std::vector<std::vector<std::uint8_t>> visible_bytes;
  std::vector<Stream> fine;
  for (Index j = 0; j < n; ++j) {
    Stream s = rng.chain(j);
    fine.push_back(s.second_sequence());
    s.fill_bytes(bh.data(), nh);
    s.fill_bytes(bv.data(), nv);
    visible_bytes.push_back(bv);
    for (Index k = 0; k < nh; ++k)
      hid(k, j) = documented_byte_draw(static_cast<float>(in_h(k, j) + w.b(k, 0)), bh[static_cast<std::size_t>(k)],
                                       fine.back());
  }
  const MatrixOf<float> in_v = w.W * hid;
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < nv; ++i)
      v(i, j) = documented_byte_draw(static_cast<float>(in_v(i, j) + w.a(i, 0)),
                                     visible_bytes[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)],
                                     fine[static_cast<std::size_t>(j)]);
}

}  // namespace

TEST_CASE("float32 block-Gibbs steps decide every unit as a scalar loop on the same bytes", "[rbm][kernels]") {
  for (const Size& z : kSizes) {
    INFO("Nv " << z.nv << " Nh " << z.nh << " chains " << z.chains);
    const RbmParametersOf<float> rbm(test::tiny_rbm(z.nv, z.nh, 83, 0.3));
    const ChainStreams rng{7, Purpose::sampler, 13, 0, 0};
    MatrixOf<float> v(z.nv, z.chains);
    BinaryP0::uniform(Spin::zero_one, z.nv).draw(v, rng.with_purpose(Purpose::p0));
    MatrixOf<float> v_ref = v, work, work_ref;
    const BlockGibbs gibbs;
    Index flips = 0;
    for (std::uint64_t s = 0; s < 5; ++s) {
      const MatrixOf<float> before = v;
      gibbs.step(rbm.weights(), v, rng.with_time(1, s), work);
      rbm_kernels_reference_step_f32(rbm, v_ref, rng.with_time(1, s), work_ref);
      REQUIRE(work == work_ref);
      REQUIRE(v == v_ref);
      flips += (v.array() != before.array()).count();
    }
    CHECK(flips > z.nv * z.chains);  // the chains did move (about half the units per step)
  }
}

TEST_CASE("float32 and float64 block Gibbs give the exact unit means of p_t on a small RBM", "[rbm][kernels]") {
  // Nv = 6, Nh = 4: p_t = p0 T^t exactly over the 64 visible states (T: the block-Gibbs kernel),
  // and the hidden units of step t are drawn from P(h | v_{t-1}). R = 40000 independent chains per
  // precision from uniform p0 (float32 with its own float p0 and step draws, float64 with
  // Stream::uniform()'s), fixed seeds. Each unit mean is a binomial proportion with sd
  // sqrt(m (1 - m) / R) <= 0.0025: every mean must lie within 5 sd of the exact one, and the
  // two precisions within 5 sqrt(2) sd of each other (their draws come from the same Philox words,
  // so the independent-sample sd is an upper bound).
  const Index nv = 6, nh = 4, chains = 40000;
  const BernoulliRbm rbm = test::tiny_rbm(nv, nh, 91, 0.9);
  const RbmParametersOf<float> rbm32(rbm);
  const ChainStreams rng{17, Purpose::sampler, 0, 0, 0};
  Matrix v(nv, chains), work;
  MatrixOf<float> v32(nv, chains), work32;
  const BinaryP0 p0 = BinaryP0::uniform(Spin::zero_one, nv);
  p0.draw(v, rng.with_purpose(Purpose::p0));
  p0.draw(v32, rng.with_purpose(Purpose::p0));

  const Matrix t_matrix = exact::rbm_block_gibbs_matrix(rbm);
  const Matrix states = exact::states(nv, Spin::zero_one, 0, Index(1) << nv);
  // P(h_k = 1 | v) for every visible state, (Nh x 2^Nv).
  const Matrix hidden_given_v =
      ((rbm.W().transpose() * states).colwise() + rbm.b().col(0)).unaryExpr([](double x) { return sigmoid(x); });
  Vector p = exact::product_law(p0.prob_up());
  const BlockGibbs gibbs;
  const double r = static_cast<double>(chains);
  for (std::uint64_t t = 1; t <= 4; ++t) {
    const Vector hidden_mean = hidden_given_v * p;  // h of step t from p_{t-1}
    p = (p.transpose() * t_matrix).transpose();
    const Vector visible_mean = exact::law_moments(p, nv, Spin::zero_one).mean;
    gibbs.step(rbm, v, rng.with_time(1, t), work);
    gibbs.step(rbm32.weights(), v32, rng.with_time(1, t), work32);
    if (t != 1 && t != 4) continue;
    INFO("t = " << t);
    auto check_means = [&](const Vector& exact_mean, const Vector& m64, const Vector& m32) {
      for (Index i = 0; i < exact_mean.size(); ++i) {
        const double sd = std::sqrt(exact_mean[i] * (1.0 - exact_mean[i]) / r);
        INFO("unit " << i << " exact " << exact_mean[i] << " float64 " << m64[i] << " float32 " << m32[i] << " sd " << sd);
        CHECK(std::abs(m64[i] - exact_mean[i]) < 5 * sd);
        CHECK(std::abs(m32[i] - exact_mean[i]) < 5 * sd);
        CHECK(std::abs(m32[i] - m64[i]) < 5 * std::sqrt(2.0) * sd);
      }
    };
    check_means(visible_mean, v.rowwise().mean(), v32.cast<double>().rowwise().mean());
    check_means(hidden_mean, work.rowwise().mean(), work32.cast<double>().rowwise().mean());
  }
}

TEST_CASE("float32 block Gibbs gives the exact joint law of (h_t, v_t) on a small RBM by chi-square",
          "[rbm][kernels]") {
  // Unit means (above) would not see draws that are right one by one but correlated across units
  // or chains. Nv = 4, Nh = 3: the joint law of the hidden draws of step t and the visible state
  // after it, P(h, v) = sum_v' p_{t-1}(v') P(h | v') P(v | h), over all 128 states, computed here
  // from the conditionals alone (not from the library's transfer matrix), in double from the
  // float-rounded parameters. R = 100000 chains (many chunks of the step) from uniform p0, fixed
  // seeds; chi-square with 127 degrees of freedom below its 1 - 1e-4 quantile, 194.98
  // (scipy.stats.chi2.ppf), at t = 1, 2 and 5. Weights of scale 1 put many units' sigmoid(z)
  // away from 1/2, so the byte decides most units and the refined path is taken too.
  const Index nv = 4, nh = 3, chains = 100000, nv_states = Index(1) << nv, nh_states = Index(1) << nh;
  const BernoulliRbm rbm64 = test::tiny_rbm(nv, nh, 23, 1.0);
  const RbmParametersOf<float> rbm32(rbm64);
  const Matrix w = rbm64.W().cast<float>().cast<double>();
  const Vector a = rbm64.a().col(0).cast<float>().cast<double>(), b = rbm64.b().col(0).cast<float>().cast<double>();
  auto bit = [](Index state, Index i) { return static_cast<double>((state >> i) & 1); };
  // cond_h(h, v) = P(h | v), cond_v(v, h) = P(v | h), as products of the units' sigmoids.
  Matrix cond_h(nh_states, nv_states), cond_v(nv_states, nh_states);
  for (Index vs = 0; vs < nv_states; ++vs)
    for (Index hs = 0; hs < nh_states; ++hs) {
      double ph = 1, pv = 1;
      for (Index k = 0; k < nh; ++k) {
        double z = b[k];
        for (Index i = 0; i < nv; ++i) z += w(i, k) * bit(vs, i);
        ph *= bit(hs, k) == 1 ? sigmoid(z) : 1 - sigmoid(z);
      }
      for (Index i = 0; i < nv; ++i) {
        double z = a[i];
        for (Index k = 0; k < nh; ++k) z += w(i, k) * bit(hs, k);
        pv *= bit(vs, i) == 1 ? sigmoid(z) : 1 - sigmoid(z);
      }
      cond_h(hs, vs) = ph;
      cond_v(vs, hs) = pv;
    }
  const ChainStreams rng{29, Purpose::sampler, 0, 0, 0};
  MatrixOf<float> v(nv, chains), hid;
  BinaryP0::uniform(Spin::zero_one, nv).draw(v, rng.with_purpose(Purpose::p0));
  Vector p = Vector::Constant(nv_states, 1.0 / static_cast<double>(nv_states));  // p_0
  const BlockGibbs gibbs;
  for (std::uint64_t t = 1; t <= 5; ++t) {
    Matrix joint(nh_states, nv_states);  // P(h_t, v_t)
    for (Index hs = 0; hs < nh_states; ++hs)
      for (Index vs = 0; vs < nv_states; ++vs) joint(hs, vs) = cond_h.row(hs).dot(p) * cond_v(vs, hs);
    p = joint.colwise().sum().transpose();
    gibbs.step(rbm32.weights(), v, rng.with_time(3, t), hid);
    if (t != 1 && t != 2 && t != 5) continue;
    // States counted at the joint's own (column-major) index hs + nh_states vs.
    Vector observed = Vector::Zero(nh_states * nv_states);
    for (Index c = 0; c < chains; ++c) {
      Index vs = 0, hs = 0;
      for (Index i = 0; i < nv; ++i) vs |= static_cast<Index>(v(i, c) != 0.0f) << i;
      for (Index k = 0; k < nh; ++k) hs |= static_cast<Index>(hid(k, c) != 0.0f) << k;
      observed[hs + nh_states * vs] += 1;
    }
    const Vector law = joint.reshaped();
    INFO("t = " << t << ", smallest expected count " << law.minCoeff() * static_cast<double>(chains));
    REQUIRE(law.minCoeff() * static_cast<double>(chains) >= 5.0);
    CHECK(std::abs(law.sum() - 1.0) < 1e-12);
    CHECK(test::chi_square(observed / static_cast<double>(chains), law, chains) < 194.98);
  }
}

namespace {

// Stream::uniform() is r123::u01: in [2^-65, 1]; the float kernels draw multiples of 2^-24 in (0, 1].
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
                   Scalar(-17), Scalar(-16.6355), Scalar(-16.64), Scalar(40), Scalar(-40), Scalar(88), Scalar(-88),
                   Scalar(100), Scalar(-100),
                   Scalar(709.5), Scalar(-709.5), Scalar(745), Scalar(-745), Scalar(1e30), Scalar(-1e30), inf, -inf}) {
    const Scalar s = sigmoid(x);
    for (Scalar u : {s, std::nextafter(s, Scalar(2)), std::nextafter(s, Scalar(-1)), Scalar(1), Scalar(0.5),
                     Scalar(std::ldexp(1.0, -24)), Scalar(std::ldexp(1.0, -65)), Scalar(1e-30)}) {
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
  if constexpr (std::is_same_v<Scalar, float>) {
    // The float samplers' own uniforms (Stream::fill_float_uniform: multiples of 2^-24 in (0, 1]).
    std::vector<float> float_uniforms(20000);
    Stream(15, Purpose::sampler, 0).fill_float_uniform(float_uniforms.data(), 20000);
    for (float u : float_uniforms) {
      xs.push_back(static_cast<float>(6.0 * s.normal()));
      us.push_back(u);
    }
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

#if defined(__AVX512F__)
TEST_CASE("the byte-first draws' vector exp is within its stated 1e-4 of exp", "[rbm][kernels]") {
  // The vector loop settles a unit only outside a margin of 3e-4 around its thresholds: that is
  // sound only if exp_neg_ps is within 1e-4 relative (bound 5.9e-5 plus float roundings) over
  // every z whose exp(-z) is a normal float. 2^22 + 1 evenly spaced z in [-87, 87] (thousands of
  // points in each period ln 2 of the reduction's remainder), against exp in double.
  double worst = 0;
  float worst_z = 0;
  alignas(64) float z[16], e[16];
  int filled = 0;
  auto flush = [&] {
    _mm512_store_ps(e, detail::exp_neg_ps(_mm512_load_ps(z)));
    for (int k = 0; k < filled; ++k) {
      const double exact = std::exp(-static_cast<double>(z[k]));
      const double rel = std::abs(static_cast<double>(e[k]) - exact) / exact;
      if (!(rel <= worst)) {
        worst = rel;
        worst_z = z[k];
      }
    }
    filled = 0;
  };
  constexpr int kPoints = 1 << 22;
  for (int i = 0; i <= kPoints; ++i) {
    z[filled++] = static_cast<float>(-87.0 + 174.0 * i / kPoints);
    if (filled == 16) flush();
  }
  if (filled > 0) {
    for (int k = filled; k < 16; ++k) z[k] = 0.0f;
    flush();
  }
  INFO("worst relative error " << worst << " at z = " << worst_z);
  CHECK(worst < 1e-4);
  CHECK(worst > 1e-6);  // the degree-4 polynomial really ran (its error is about 6e-5)
}
#endif

TEST_CASE("byte-first float32 draws decide every unit and draw every V as the documented rule", "[rbm][kernels]") {
  // Hard cases: z where 256 sigmoid(z) is an integer (z = 0: 128), one float step either side,
  // saturated, overflowing and non-finite inputs, each with all 256 bytes; then random columns
  // of odd lengths (the vector loop's tail), with and without a bias, out aliasing x. Both the
  // AVX-512 loop (where built) and the portable one must give the documented decision and leave
  // `fine` where the rule leaves it (the same V drawn for the same units).
  std::vector<float> zs;
  for (float z : {0.0f, -0.0f, 1e-30f, 0.3f, -2.5f, 5.5451774f, -5.5451774f, 17.0f, -17.0f, 40.0f, -40.0f, 88.0f,
                  -88.0f, 104.0f, -104.0f, 1e30f, -1e30f, std::numeric_limits<float>::infinity(),
                  -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    zs.push_back(z);
    zs.push_back(std::nextafter(z, 100.0f));
    zs.push_back(std::nextafter(z, -100.0f));
  }
  // z with 256 sigmoid(z) within a few float steps of an integer k (logit(k / 256)).
  for (int k = 1; k < 256; k += 7) {
    const float z = static_cast<float>(std::log(k / (256.0 - k)));
    for (float d = z, i = 0; i < 3; ++i, d = std::nextafter(d, 100.0f)) zs.push_back(d);
    for (float d = z, i = 0; i < 3; ++i, d = std::nextafter(d, -100.0f)) zs.push_back(d);
  }
  std::vector<float> x, bias;
  std::vector<std::uint8_t> bytes;
  for (float z : zs)
    for (int b = 0; b < 256; ++b) {
      x.push_back(z);
      bias.push_back(0.0f);
      bytes.push_back(static_cast<std::uint8_t>(b));
    }
  Stream data(21, Purpose::data, 0);
  for (int i = 0; i < 40000; ++i) {
    x.push_back(static_cast<float>(4.0 * data.normal()));
    bias.push_back(static_cast<float>(data.normal()));
    bytes.push_back(static_cast<std::uint8_t>(data.below(256)));
  }
  // Units whose byte is floor(256 s): s inside the byte's interval, so V is drawn (bar the few
  // within a float step of its ends), and (B + V) / 256 lands near s for some of them (the
  // vector loop's own decision of V within its margin of s: 2 m 256 s of such units, 8 % at
  // s = 1/2).
  const auto random_end = static_cast<Index>(x.size());
  for (int i = 0; i < 60000; ++i) {
    const auto z = static_cast<float>(4.0 * data.normal());
    x.push_back(z);
    bias.push_back(0.0f);
    bytes.push_back(static_cast<std::uint8_t>(std::min(255.0, std::floor(256.0 * static_cast<double>(sigmoid(z))))));
  }
  auto check = [&](Index first, Index rows, bool with_bias, bool portable) {
    INFO("first " << first << " rows " << rows << " bias " << with_bias << " portable " << portable);
    const float* b = with_bias ? bias.data() + first : nullptr;
    Stream fine(5, Purpose::sampler, static_cast<std::uint64_t>(first)), fine_ref = fine;
    std::vector<float> out(static_cast<std::size_t>(rows)), in_place(x.begin() + first, x.begin() + first + rows);
    VectorOf<float> d;
    if (portable) bernoulli_of_sigmoid_bytes_portable(x.data() + first, b, bytes.data() + first, out.data(), rows, fine, d);
    else bernoulli_of_sigmoid_bytes(x.data() + first, b, bytes.data() + first, out.data(), rows, fine, d);
    Stream fine_alias(5, Purpose::sampler, static_cast<std::uint64_t>(first));
    bernoulli_of_sigmoid_bytes(in_place.data(), b, bytes.data() + first, in_place.data(), rows, fine_alias, d);
    Index wrong = 0;
    for (Index i = 0; i < rows; ++i) {
      const auto k = static_cast<std::size_t>(first + i);
      const float z = with_bias ? x[k] + bias[k] : x[k];
      const float expected = documented_byte_draw(z, bytes[k], fine_ref);
      if (out[static_cast<std::size_t>(i)] != expected || in_place[static_cast<std::size_t>(i)] != expected) {
        ++wrong;
        UNSCOPED_INFO("z " << z << " byte " << int(bytes[k]) << " expected " << expected << " got "
                           << out[static_cast<std::size_t>(i)]);
      }
    }
    CHECK(wrong == 0);
    const double next = fine_ref.uniform();
    CHECK(fine.uniform() == next);
    CHECK(fine_alias.uniform() == next);
  };
  const auto hard = static_cast<Index>(zs.size() * 256), all = static_cast<Index>(x.size());
  for (bool portable : {false, true}) {
    check(0, hard, false, portable);
    for (Index rows : {Index(1), Index(15), Index(16), Index(17), Index(500), Index(784), Index(40000)})
      for (bool with_bias : {false, true}) check(hard, std::min(rows, random_end - hard), with_bias, portable);
    check(random_end, all - random_end, false, portable);
  }
}

// The fast paths of the binary samplers against their plain references: the blocked sequential
// sweep of the Boltzmann machine (delayed updates, chains vectorised) against the per-site loop,
// the biased Bernoulli draw against the scalar sigmoid, and thread-count invariance of every
// sampler that splits its chains over OpenMP threads (a build with SHORTRUN_OPENMP=ON; without
// OpenMP the thread counts below all run the same serial loops and the checks hold trivially).
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "../support/binary_fixtures.hpp"
#include "../support/thread_invariance.hpp"
#include "shortrun/core/matrix_backend.hpp"
#include "shortrun/core/threads.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/models/boltzmann_machine.hpp"
#include "shortrun/samplers/bernoulli_draw.hpp"
#include "shortrun/samplers/binary_p0.hpp"
#include "shortrun/samplers/block_gibbs.hpp"
#include "shortrun/samplers/single_site.hpp"

using namespace shortrun;

namespace {

// Couplings of SK scale: fields of order 1, so a sizeable share of units flips every sweep.
BoltzmannMachine sk_bm(Index n, Spin spin, std::uint64_t seed) {
  BoltzmannMachine bm(n, spin);
  Stream s(seed, Purpose::teacher, 0);
  const double scale = 1.0 / std::sqrt(static_cast<double>(n));
  for (Index i = 0; i < n; ++i) {
    bm.h()(i, 0) = 0.3 * s.normal();
    for (Index j = i + 1; j < n; ++j) bm.J()(i, j) = bm.J()(j, i) = scale * s.normal();
  }
  return bm;
}

template <class Sampler, class Scalar = double>
void check_blocked_matches_per_site(Index n, Index chains, Spin spin) {
  INFO("N " << n << " chains " << chains << " spin " << spin_name(spin));
  const BoltzmannMachine bm = sk_bm(n, spin, 31 + static_cast<std::uint64_t>(n));
  const auto& working = working_precision<Scalar>(bm);  // float: BmParametersOf<float>
  const ChainStreams rng{12, Purpose::sampler, 7, 0, 0};
  MatrixOf<Scalar> x(n, chains), work;
  BinaryP0::uniform(spin, n).draw(x, rng.with_purpose(Purpose::p0));
  MatrixOf<Scalar> x_ref = x;
  const Sampler sampler;
  Index flips = 0;
  for (std::uint64_t s = 0; s < 4; ++s) {
    const MatrixOf<Scalar> before = x;
    sampler.step(working, x, rng.with_time(2, s), work);
    sampler.per_site_sweep(working, x_ref, rng.with_time(2, s), work);
    flips += (x.array() != before.array()).count();
    // A decision could differ only if a uniform fell within ~1e-16 of its probability (the
    // fields are summed in another order): with these fixed seeds none does.
    REQUIRE(x == x_ref);
  }
  CHECK(flips > n * chains / 10);  // the sweeps did move
}

}  // namespace

TEST_CASE("blocked sequential sweeps of a bm give the chains of the per-site loop", "[sampler][bm][kernels]") {
  // N below, at and across the site block (48); chains below and across a chunk (128).
  for (Spin spin : {Spin::pm1, Spin::zero_one}) {
    for (Index n : {Index(1), Index(5), Index(48), Index(100)}) {
      check_blocked_matches_per_site<Gibbs>(n, 7, spin);
      check_blocked_matches_per_site<Metropolis>(n, 7, spin);
    }
    check_blocked_matches_per_site<Gibbs>(130, 300, spin);
    check_blocked_matches_per_site<Metropolis>(130, 300, spin);
  }
}

TEST_CASE("float32 blocked sequential sweeps of a bm give the chains of the float per-site loop",
          "[sampler][bm][kernels][precision]") {
  // The same comparison on the float working copy: both draw each chain's N float uniforms of a
  // sweep (two per word) and decide in float. A decision could differ only where a uniform falls
  // within float rounding of the field sums (~1e-6 relative here) of its probability; the float
  // uniforms are multiples of 2^-24, and with these fixed seeds none does.
  for (Spin spin : {Spin::pm1, Spin::zero_one}) {
    for (Index n : {Index(1), Index(5), Index(49), Index(100)}) {
      check_blocked_matches_per_site<Gibbs, float>(n, 7, spin);
      check_blocked_matches_per_site<Metropolis, float>(n, 7, spin);
    }
    check_blocked_matches_per_site<Gibbs, float>(130, 300, spin);
    check_blocked_matches_per_site<Metropolis, float>(130, 300, spin);
  }
}

TEST_CASE("the biased Bernoulli draw decides as the scalar sigmoid of x plus b", "[rbm][kernels]") {
  Stream s(4, Purpose::data, 0);
  const Index n = 5000;
  Vector x(n), b(n), u(n), out(n), p;
  for (Index i = 0; i < n; ++i) {
    x[i] = 4.0 * s.normal();
    b[i] = 2.0 * s.normal();
    const double exact = sigmoid(x[i] + b[i]);
    // A third on the probability itself or one ulp either side, where an approximation would err.
    u[i] = i % 3 == 0 ? s.uniform() : std::nextafter(exact, i % 3 == 1 ? 2.0 : -1.0);
    if (i % 7 == 0) u[i] = exact;
  }
  bernoulli_of_sigmoid(x.data(), b.data(), u.data(), out.data(), n, p);
  Index wrong = 0;
  for (Index i = 0; i < n; ++i) wrong += out[i] != (u[i] <= sigmoid(x[i] + b[i]) ? 1.0 : 0.0);
  CHECK(wrong == 0);
  // The float32 instantiation, with the same contract.
  const VectorOf<float> xf = x.cast<float>(), bf = b.cast<float>();
  VectorOf<float> uf(n), outf(n), pf;
  for (Index i = 0; i < n; ++i) {
    const float exact = sigmoid(static_cast<float>(xf[i] + bf[i]));
    uf[i] = i % 3 == 0 ? static_cast<float>(u[i]) : std::nextafter(exact, i % 3 == 1 ? 2.0f : -1.0f);
    if (!(uf[i] > 0.0f)) uf[i] = 1e-30f;
  }
  bernoulli_of_sigmoid(xf.data(), bf.data(), uf.data(), outf.data(), n, pf);
  wrong = 0;
  for (Index i = 0; i < n; ++i)
    wrong += outf[i] != (uf[i] <= sigmoid(static_cast<float>(xf[i] + bf[i])) ? 1.0f : 0.0f);
  CHECK(wrong == 0);
}

TEST_CASE("binary samplers give bitwise the same chains on any number of threads", "[sampler][kernels][threads]") {
  // 300 chains: three chunks of the per-chain loops, the last one short.
  const BernoulliRbm rbm = test::tiny_rbm(40, 30, 5, 0.4);
  const RbmParametersOf<float> rbm32(rbm);
  const BoltzmannMachine bm = sk_bm(70, Spin::pm1, 9);
  const ChainStreams rng{21, Purpose::sampler, 3, 0, 0};
  set_product_threads(1);  // as main() does: Eigen's or OpenBLAS's threading rounds with the thread count
  auto run = [&] {
    std::vector<Matrix> out;
    Matrix v(40, 300), x(70, 300), work;
    BinaryP0::uniform(Spin::zero_one, 40).draw(v, rng.with_purpose(Purpose::p0));
    BinaryP0::uniform(Spin::pm1, 70).draw(x, rng.with_purpose(Purpose::p0));
    out.push_back(v);
    out.push_back(x);
    MatrixOf<float> p0_32(40, 300);  // float32 p0: its own float uniforms
    BinaryP0::uniform(Spin::zero_one, 40).draw(p0_32, rng.with_purpose(Purpose::p0));
    out.push_back(p0_32.cast<double>());
    MatrixOf<float> v32 = v.cast<float>(), work32;
    const BmParametersOf<float> bm32(bm);  // model.precision = float32: float chains of the bm
    MatrixOf<float> x32 = x.cast<float>(), work_x32;
    const BlockGibbs gibbs;
    const Gibbs bm_gibbs;
    const Metropolis bm_metropolis;
    const GibbsRandom bm_gibbs_random;  // random orders: the per-chain loop split over threads
    const MetropolisRandom bm_metropolis_random;
    for (std::uint64_t s = 0; s < 3; ++s) {
      gibbs.step(rbm, v, rng.with_time(1, s), work);
      gibbs.step(rbm32.weights(), v32, rng.with_time(1, s), work32);
      bm_gibbs.step(bm, x, rng.with_time(1, s), work);
      bm_metropolis.step(bm, x, rng.with_time(2, s), work);
      bm_gibbs_random.step(bm, x, rng.with_time(3, s), work);
      bm_metropolis_random.step(bm, x, rng.with_time(4, s), work);
      bm_gibbs.step(bm32, x32, rng.with_time(1, s), work_x32);
      bm_metropolis.step(bm32, x32, rng.with_time(2, s), work_x32);
      bm_gibbs_random.step(bm32, x32, rng.with_time(3, s), work_x32);
      bm_metropolis_random.step(bm32, x32, rng.with_time(4, s), work_x32);
    }
    Vector g = Vector::Zero(rbm.params().size());
    rbm.accumulate_grad_energy(v, 0.25, g);
    // The gradient statistics split chains (p) and visible rows (gW) over the threads: 200 visible
    // units are two row blocks; float32 and float64.
    const BernoulliRbm wide = test::tiny_rbm(200, 20, 7, 0.3);
    Matrix vw(200, 300);
    BinaryP0::uniform(Spin::zero_one, 200).draw(vw, rng.with_purpose(Purpose::p0));
    Vector gw = Vector::Zero(wide.params().size()), gw32 = gw;
    wide.accumulate_grad_energy(vw, 0.5, gw);
    RbmParametersOf<float>(wide).accumulate_grad_energy(MatrixOf<float>(vw.cast<float>()), 0.5, gw32);
    out.push_back(gw);
    out.push_back(gw32);
    out.push_back(v);
    out.push_back(v32.cast<double>());
    out.push_back(x);
    out.push_back(x32.cast<double>());
    out.push_back(g);
    return out;
  };
  test::check_bitwise_same_on_any_thread_count(run);
}

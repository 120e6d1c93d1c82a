// ConvNet EBM trained with short runs (docs/theory.md sections 1 and 4): after rdm training, fresh chains
// from p0 moved k ULA steps have the data's mean energy, and clearly not at t = 4k. Also the pieces
// that make the image path: uniform p0, blobs images, data noise.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include "shortrun/core/error.hpp"
#include "shortrun/core/reducer.hpp"
#include "shortrun/data/blobs.hpp"
#include "shortrun/estimators/data_term.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/measure/dynamics.hpp"
#include "shortrun/models/conv_net.hpp"
#include "shortrun/optim/adam.hpp"
#include "shortrun/samplers/langevin.hpp"
#include "shortrun/samplers/p0.hpp"
#include "shortrun/training/trainer.hpp"

using namespace shortrun;

namespace {

/// Blobs mapped to [-1, 1], as the app gives them to the convnet.
Dataset blobs_in_unit_box(Index side, Index n, std::uint64_t seed) {
  BlobsSpec spec;
  spec.side = side;
  spec.n_samples = n;
  spec.seed = seed;
  Dataset d = make_blobs_data(spec).data;
  d.x = 2.0 * d.x.array() - 1.0;
  compute_moments(d);
  return d;
}

}  // namespace

TEST_CASE("uniform p0 draws on -1 to 1 with mean 0 and variance 1/3", "[convnet][p0]") {
  const P0 p0(P0::Kind::uniform, 5.0);  // sigma is ignored
  Matrix x(50, 400);
  ChainStreams rng;
  rng.seed = 3;
  rng.purpose = Purpose::p0;
  p0.draw(x, rng);
  CHECK(x.minCoeff() >= -1.0);
  CHECK(x.maxCoeff() <= 1.0);
  const double n = static_cast<double>(x.size());
  // Uniform on [-1, 1]: variance 1/3, fourth moment 1/5; 5 standard errors.
  CHECK(std::abs(x.mean()) < 5 * std::sqrt(1.0 / 3.0 / n));
  CHECK(std::abs(x.array().square().mean() - 1.0 / 3.0) < 5 * std::sqrt((1.0 / 5.0 - 1.0 / 9.0) / n));
}

TEST_CASE("blobs images are reproducible one-blob images in the unit range", "[convnet][data]") {
  BlobsSpec spec;
  spec.side = 8;
  spec.n_samples = 50;
  const ImageData a = make_blobs_data(spec), b = make_blobs_data(spec);
  CHECK(a.height == 8);
  CHECK(a.width == 8);
  CHECK(a.data.x == b.data.x);
  CHECK(a.data.x.minCoeff() >= 0.0);
  CHECK(a.data.x.maxCoeff() <= 1.0);
  // Every image peaks near 1 (centre within half a pixel of a grid point) and is dark far away.
  for (Index j = 0; j < a.data.n_samples(); ++j) {
    CHECK(a.data.x.col(j).maxCoeff() > std::exp(-0.5 / (2 * 0.7 * 0.7)) - 1e-12);
    CHECK(a.data.x.col(j).minCoeff() < 1e-3);
  }
  spec.seed = 2;
  CHECK(make_blobs_data(spec).data.x != a.data.x);
  spec.n_samples = 0;
  CHECK_THROWS_AS(make_blobs_data(spec), BadInput);
}

TEST_CASE("data noise adds fresh Gaussian noise per update whatever the team size", "[convnet][data]") {
  const Dataset d = blobs_in_unit_box(8, 40, 1);
  DataTerm whole(d, 0, 9, 0, 1);
  whole.set_noise(0.1);
  const Matrix noisy1 = whole.local_batch(1);
  const Matrix noisy2 = whole.local_batch(2);
  const Matrix diff = noisy1 - d.x;
  const double n = static_cast<double>(diff.size());
  CHECK(std::abs(diff.mean()) < 5 * 0.1 / std::sqrt(n));
  CHECK(std::abs(diff.array().square().mean() - 0.01) < 5 * 0.01 * std::sqrt(2.0 / n));
  CHECK((noisy2 - noisy1).cwiseAbs().maxCoeff() > 0);
  // Rank 1 of 2 gets exactly the second half of the one-rank batch.
  DataTerm half(d, 0, 9, 1, 2);
  half.set_noise(0.1);
  CHECK(half.local_batch(1) == noisy1.rightCols(20));
}

TEST_CASE("rdm-trained ConvNet: energy of chains from p0 meets the data energy at t = k and not at 4k", "[convnet][measure]") {
  // A tiny network on 8 x 8 blobs: 8 -> 4 -> 2 pixels through 8 and 16 channels.
  const Dataset data = blobs_in_unit_box(8, 500, 3);
  ConvNetShape shape;
  shape.height = 8;
  shape.width = 8;
  shape.channels = {8, 16};
  ConvNet<float> model(shape);
  model.init_params(1);

  // ULA with step 0.1 and noise 0.01 per step (T = 5e-4), from uniform noise, k = 10; Adam with the
  // learning rate lowered from 1e-2 to 1e-3 halfway, full data batch, R = 200 chains per update.
  const Index k = 10, n_train_chains = 200, updates = 200;
  const Langevin ula(0.1, 5e-4);
  const P0 p0(P0::Kind::uniform, 0.0);
  LocalReducer team;
  DataTerm data_term(data, 0, 1, 0, 1);
  SampledChains<Langevin> chains(Scheme::rdm, k, n_train_chains, model.dim(), p0, ula, 1, 0, 1);
  Adam fast(1e-2);
  TrainPlan plan{updates, {updates}, updates};
  REQUIRE(train(model, data_term, chains, fast, team, plan, TrainObserver{}).status == RunStatus::completed);
  Adam slow(1e-3);
  plan.first_step = updates + 1;
  plan.updates = 2 * updates;
  plan.checkpoint_steps = {2 * updates};
  REQUIRE(train(model, data_term, chains, slow, team, plan, TrainObserver{}).status == RunStatus::completed);

  const DataReference ref = make_reference(model, data);
  DynamicsSpec spec;
  spec.n_chains = 1000;
  spec.times = {0, k / 2, k, 2 * k, 4 * k};
  spec.seed = 77;
  const DynamicsResult dyn = measure_dynamics(model, ula, p0, ref, spec, team);
  REQUIRE_FALSE(dyn.overflow);
  REQUIRE(dyn.t == spec.times);
  const auto at = [&](Index t) {
    return dyn.stats[static_cast<std::size_t>(std::find(dyn.t.begin(), dyn.t.end(), t) - dyn.t.begin())];
  };
  // The trained parameters satisfy <E>_data = <E>_{p_k} only up to the noise of the negative phases
  // that trained them (about sd/sqrt(R_train)); the measurement adds sd/sqrt(R_measure).
  const auto se = [&](const ChainStatistics& s) {
    return s.energy_std * std::sqrt(1.0 / static_cast<double>(n_train_chains) + 1.0 / static_cast<double>(spec.n_chains));
  };
  const double gap_k = at(k).energy_mean - ref.energy_mean;
  const double gap_4k = at(4 * k).energy_mean - ref.energy_mean;
  INFO("data energy " << ref.energy_mean << "; E(k) " << at(k).energy_mean << " (se " << se(at(k)) << "), E(4k) "
                      << at(4 * k).energy_mean << " (se " << se(at(4 * k)) << ")");
  CHECK(std::abs(gap_k) < 4 * se(at(k)));
  CHECK(std::abs(gap_4k) > 20 * se(at(4 * k)));
  // The data's pixel means too are met best at t = k among the recorded times.
  for (const Index t : spec.times)
    if (t != k) CHECK(at(k).mean_err < at(t).mean_err);
}

TEST_CASE("ConvNet Langevin noise is float Box-Muller addressed by seed and chain and time only", "[convnet][langevin]") {
  static_assert(std::is_same_v<LangevinNoiseOf<ConvNet<float>>, float>);
  static_assert(std::is_same_v<LangevinNoiseOf<ConvNet<double>>, double>);
  // A network with zero parameters has dE/dx = 0 exactly, so a step from x = 0 leaves exactly the
  // noise sqrt(2 eta T) xi: xi must be the float normals of chain j's own stream
  // (seed, sampler, global chain index, time, sub), whatever the columns are split into (ranks,
  // chunks of the network's batches).
  ConvNetShape shape;
  shape.height = 8;
  shape.width = 8;
  shape.channels = {4, 8};
  const ConvNet<float> net(shape);
  const Langevin ula(0.3, 0.02);
  const double noise = std::sqrt(2.0 * 0.3 * 0.02);
  const Index n = 50, split = 20;
  const ChainStreams all{31, Purpose::sampler, 100, 0, 0};
  ChainStreams tail = all;
  tail.first_chain = all.first_chain + static_cast<std::uint64_t>(split);
  std::vector<float> z(static_cast<std::size_t>(net.dim()));
  for (const std::uint64_t t : {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{9}}) {
    INFO("time " << t);
    Matrix x = Matrix::Zero(net.dim(), n), head = Matrix::Zero(net.dim(), split),
           rest = Matrix::Zero(net.dim(), n - split), work;
    ula.step(net, x, all.with_time(t, 3), work);
    ula.step(net, head, all.with_time(t, 3), work);
    ula.step(net, rest, tail.with_time(t, 3), work);
    CHECK(x.leftCols(split) == head);
    CHECK(x.rightCols(n - split) == rest);
    Matrix expected(net.dim(), n);
    for (Index j = 0; j < n; ++j) {
      Stream(31, Purpose::sampler, 100 + static_cast<std::uint64_t>(j), t, 3).fill_float_normal(z.data(), net.dim());
      for (Index i = 0; i < net.dim(); ++i) expected(i, j) = noise * static_cast<double>(z[static_cast<std::size_t>(i)]);
    }
    CHECK(x == expected);
    // And the noise has the right scale: 3200 draws, variance within 5 sd (sd of z^2 is sqrt 2).
    const double var = x.array().square().mean() / (noise * noise);
    CHECK(std::abs(var - 1.0) < 5 * std::sqrt(2.0 / static_cast<double>(x.size())));
  }
}

// A team of 2 ranks trains the same configuration as 1 rank: chains and minibatch entries are
// addressed by global index, so parameters agree to summation order (1e-10 relative).
#include <catch2/catch.hpp>

#include "../support/gaussian_fixtures.hpp"
#include "shortrun/families/composition.hpp"
#include "shortrun/measure/dynamics.hpp"
#include "shortrun/measure/equilibrium.hpp"
#include "shortrun/parallel/mpi.hpp"
#include "shortrun/samplers/block_gibbs.hpp"
#include "shortrun/samplers/single_site.hpp"

using namespace shortrun;

TEST_CASE("a 2-rank team equals 1 rank for rdm and pcd and cd with minibatches", "[mpi]") {
  mpi::Communicator world = mpi::Communicator::world();
  REQUIRE(world.size() == 2);
  const auto d = test::population_data({0.5, 1.0, 2.0}, {0.2, 0.0, -0.3}, /*n_samples=*/500);
  for (Scheme scheme : {Scheme::rdm, Scheme::pcd, Scheme::cd}) {
    test::TrainSpec s;
    s.scheme = scheme;
    s.k = 5;
    s.lr = 0.1;
    s.updates = 20;
    s.chains = 101;  // odd: the ranks hold different numbers of chains
    s.batch = 37;
    const Vector team = test::train_sampled(d.data, s, world).params();
    const Vector alone = test::train_sampled(d.data, s, LocalReducer{}).params();
    INFO("scheme " << static_cast<int>(scheme) << " rank " << world.rank());
    CHECK((team - alone).norm() <= 1e-10 * alone.norm());
    // Same rank count, same seed: bitwise identical.
    const Vector again = test::train_sampled(d.data, s, world).params();
    CHECK(again == team);
  }
}

namespace {

/// A configuration of family `Family` trained through the composition by `team` (1 rank: MPI_COMM_SELF).
/// One family and one reducer type per instantiation: with_run_types over every family, with a
/// second reducer type, made this the slowest file of the build.
template <class Family>
Vector train_composed(const RunConfig& c, const Dataset& data, mpi::Communicator team) {
  const int rank = team.rank(), size = team.size();
  return families::with_family_run_types<Family>(c, data, {rank, size}, [&](auto, auto& model, const auto&,
                                                                          const auto&, auto& est, auto& opt) {
    using Scalar = ScalarOf<std::remove_cvref_t<decltype(est)>>;
    DataTermOf<Scalar> data_term(data, c.batch, static_cast<std::uint64_t>(c.seed), rank, size);
    TrainPlan plan;
    plan.updates = 20;
    REQUIRE(train(model, data_term, est, opt, team, plan, TrainObserver{}).status == RunStatus::completed);
    return Vector(model.params());
  });
}

}  // namespace

TEST_CASE("parallel tempering: a 2-rank team equals 1 rank (whole ladders per rank, adaptive ladder)", "[mpi][pt]") {
  mpi::Communicator world = mpi::Communicator::world();
  REQUIRE(world.size() == 2);
  const Index n = 24;
  BoltzmannMachine bm(n, Spin::pm1);  // a Curie-Weiss magnet at beta = 1.5: the ladder grows
  bm.J().setConstant(1.5 / static_cast<double>(n));
  bm.J().diagonal().setZero();
  bm.h().setConstant(0.05);
  Dataset data;
  data.x = -Matrix::Ones(n, 3);
  data.x(0, 0) = 1;
  compute_moments(data);
  const DataReference ref = make_reference(bm, data);
  LongRunSpec spec;
  spec.n_chains = 21;  // odd: the ranks hold different numbers of ladders
  spec.burn_in = 200;
  spec.window = 100;
  spec.seed = 3;
  spec.data_start = &data.x;
  spec.pt.replicas = 3;
  spec.pt.beta_min = 0.05;
  const BinaryP0 p0 = BinaryP0::uniform(Spin::pm1, n);
  const EquilibriumResult team = pt_equilibrium(bm, MetropolisRandom{}, p0, ref, spec, world);
  LocalReducer one;
  const EquilibriumResult alone = pt_equilibrium(bm, MetropolisRandom{}, p0, ref, spec, one);
  INFO("rank " << world.rank() << ": " << alone.note);
  CHECK(alone.tempering.inserted > 0);
  CHECK(team.tempering.betas == alone.tempering.betas);
  CHECK(team.tempering.acceptance == alone.tempering.acceptance);
  CHECK(team.tempering.round_trips == alone.tempering.round_trips);
  CHECK(team.tempering.first_round_trip == alone.tempering.first_round_trip);
  CHECK((team.stats.mean - alone.stats.mean).norm() <= 1e-12 * (1 + alone.stats.mean.norm()));
  CHECK(team.stats.energy_mean == Approx(alone.stats.energy_mean).epsilon(1e-12));
  CHECK(team.check.rhat_max == Approx(alone.check.rhat_max).epsilon(1e-10));

  BernoulliRbm rbm(6, 4);
  Stream draw(5, Purpose::data, 0);
  for (Index i = 0; i < rbm.params().size(); ++i) rbm.params()[i] = draw.normal();
  Dataset bits;
  bits.x = Matrix::Zero(6, 2);
  bits.x(0, 0) = 1;
  compute_moments(bits);
  const DataReference rbm_ref = make_reference(rbm, bits);
  spec.data_start = &bits.x;
  spec.pt.betas = {0.3, 0.6, 1.0};
  const BinaryP0 p0_rbm = BinaryP0::uniform(Spin::zero_one, 6);
  const EquilibriumResult rbm_team = pt_equilibrium(rbm, BlockGibbs{}, p0_rbm, rbm_ref, spec, world);
  const EquilibriumResult rbm_alone = pt_equilibrium(rbm, BlockGibbs{}, p0_rbm, rbm_ref, spec, one);
  CHECK(rbm_team.tempering.acceptance == rbm_alone.tempering.acceptance);
  CHECK(rbm_team.tempering.round_trips == rbm_alone.tempering.round_trips);
  CHECK((rbm_team.stats.mean - rbm_alone.stats.mean).norm() <= 1e-12 * (1 + rbm_alone.stats.mean.norm()));
  CHECK((rbm_team.stats.h_mean - rbm_alone.stats.h_mean).norm() <= 1e-12 * (1 + rbm_alone.stats.h_mean.norm()));
  // float32 replicas (model.precision = float32): each chain's ladder steps on its own, so the same.
  const EquilibriumResult f32_team = pt_equilibrium<float>(rbm, BlockGibbs{}, p0_rbm, rbm_ref, spec, world);
  const EquilibriumResult f32_alone = pt_equilibrium<float>(rbm, BlockGibbs{}, p0_rbm, rbm_ref, spec, one);
  CHECK(f32_team.tempering.acceptance == f32_alone.tempering.acceptance);
  CHECK(f32_team.tempering.round_trips == f32_alone.tempering.round_trips);
  CHECK((f32_team.stats.mean - f32_alone.stats.mean).norm() <= 1e-12 * (1 + f32_alone.stats.mean.norm()));
  CHECK(f32_team.stats.mean != rbm_team.stats.mean);  // the float32 replicas drew other numbers
}

TEST_CASE("float32 training: a 2-rank team equals 1 rank to float summation order", "[mpi][precision]") {
  // The chains' float32 statistics are summed per rank, then over the team: the parameters differ by
  // float rounding only (~1e-7 relative per update), as long as no unit's uniform falls within that
  // distance of its probability (about 1e-7 odds per draw: a few 1e5 draws here).
  mpi::Communicator world = mpi::Communicator::world();
  mpi::Communicator self(MPI_COMM_SELF);
  for (Scheme scheme : {Scheme::rdm, Scheme::pcd, Scheme::cd}) {
    RunConfig c;
    c.run_name = "r";
    c.model_type = ModelType::rbm;
    c.n_hidden = 5;
    c.data_source = DataSource::spins;
    c.magnetization = {-0.6, -0.2, 0.1, 0.4, 0.7, 0.2, 0.0, 0.5};
    c.n_samples = 300;
    c.precision = Precision::float32;
    c.scheme = scheme;
    c.k = 3;
    c.lr = 0.05;
    c.chains = 101;  // odd: the ranks hold different numbers of chains
    c.batch = 37;
    families::resolve_and_validate(c);
    const Dataset data = families::make_data(c);
    const Vector team = train_composed<families::Rbm>(c, data, world);
    const Vector alone = train_composed<families::Rbm>(c, data, self);
    INFO("scheme " << name_of(scheme) << " rank " << world.rank());
    CHECK((team - alone).norm() <= 1e-5 * alone.norm());
    CHECK((team - alone).norm() > 0);  // float sums in another order: not bitwise (the check is not vacuous)
    CHECK(train_composed<families::Rbm>(c, data, world) == team);  // same team: bitwise
  }
}

TEST_CASE("float32 training of the bm and the convnet: a 2-rank team equals 1 rank", "[mpi][precision]") {
  // bm: its float statistics are exact integers, so team and alone differ only where the double
  // sums round differently (and a float copy of parameters that differ in the last double bits
  // rounds the same almost always): 1e-10 relative. convnet: each rank runs its own chunks of the
  // network in float (another split of the columns into GEMMs), so float rounding (~1e-7 per
  // update) enters the chains and the gradient; 20 updates stay within 1e-4 relative.
  mpi::Communicator world = mpi::Communicator::world();
  mpi::Communicator self(MPI_COMM_SELF);
  for (Scheme scheme : {Scheme::rdm, Scheme::pcd, Scheme::cd}) {
    for (SamplerType sampler : {SamplerType::gibbs, SamplerType::metropolis_random}) {
      RunConfig c;
      c.run_name = "b";
      c.model_type = ModelType::bm;
      c.n_visible = 7;
      c.data_source = DataSource::ising;
      c.beta = 0.6;
      c.n_samples = 300;
      c.sampler_type = sampler;
      c.precision = Precision::float32;
      c.scheme = scheme;
      c.k = 3;
      c.lr = 0.05;
      c.chains = 101;  // odd: the ranks hold different numbers of chains
      c.batch = 37;
      families::resolve_and_validate(c);
      const Dataset data = families::make_data(c);
      const Vector team = train_composed<families::Bm>(c, data, world);
      const Vector alone = train_composed<families::Bm>(c, data, self);
      INFO("bm scheme " << name_of(scheme) << " sampler " << name_of(sampler) << " rank " << world.rank());
      CHECK((team - alone).norm() <= 1e-10 * alone.norm());
      CHECK(train_composed<families::Bm>(c, data, world) == team);  // same team: bitwise
    }
    RunConfig n;
    n.run_name = "n";
    n.model_type = ModelType::convnet;
    n.data_source = DataSource::blobs;
    n.n_visible = 64;
    n.n_samples = 60;
    n.channels = {4, 8};
    n.precision = Precision::float32;
    n.scheme = scheme;
    n.k = 3;
    n.step = 0.01;
    n.lr = 0.01;
    n.chains = 41;
    n.batch = 23;
    families::resolve_and_validate(n);
    const Dataset images = families::make_data(n);
    const Vector team = train_composed<families::ConvNetFamily>(n, images, world);
    const Vector alone = train_composed<families::ConvNetFamily>(n, images, self);
    INFO("convnet scheme " << name_of(scheme) << " rank " << world.rank());
    CHECK((team - alone).norm() <= 1e-4 * alone.norm());
    CHECK(train_composed<families::ConvNetFamily>(n, images, world) == team);
  }
}

TEST_CASE("float32 dynamics measurement: a 2-rank team equals 1 rank", "[mpi][precision]") {
  // Each chain steps on its own (its column of the products, its own streams), so the ranks' float
  // chains are those of one rank; the statistics are summed in double, per rank then over the team:
  // equal to summation order (1e-12 relative), bitwise for the same team.
  mpi::Communicator world = mpi::Communicator::world();
  LocalReducer one;
  BernoulliRbm rbm(30, 20);
  Stream draw(9, Purpose::data, 0);
  for (Index i = 0; i < rbm.params().size(); ++i) rbm.params()[i] = 0.3 * draw.normal();
  Dataset bits;
  bits.x = Matrix::Zero(30, 4);
  bits.x.topRows(10).setOnes();
  compute_moments(bits);
  const DataReference ref = make_reference(rbm, bits);
  const BinaryP0 p0 = BinaryP0::uniform(Spin::zero_one, 30);
  DynamicsSpec spec;
  spec.n_chains = 301;  // odd: the ranks hold different numbers of chains
  spec.times = {0, 1, 4, 10};
  spec.seed = 11;
  spec.sample_times = {4};
  spec.n_kept = 5;
  const DynamicsResult team = measure_dynamics<float>(rbm, BlockGibbs{}, p0, ref, spec, world);
  const DynamicsResult alone = measure_dynamics<float>(rbm, BlockGibbs{}, p0, ref, spec, one);
  REQUIRE(team.t == alone.t);
  for (std::size_t i = 0; i < team.t.size(); ++i) {
    INFO("t = " << team.t[i] << " rank " << world.rank());
    CHECK((team.stats[i].mean - alone.stats[i].mean).norm() <= 1e-12 * alone.stats[i].mean.norm());
    CHECK((team.stats[i].cov - alone.stats[i].cov).norm() <= 1e-12 * alone.stats[i].cov.norm());
    CHECK(team.stats[i].vh_err == Approx(alone.stats[i].vh_err).epsilon(1e-12));
  }
  REQUIRE(team.samples.size() == 1);
  CHECK(team.samples[0].x == alone.samples[0].x);
  const DynamicsResult again = measure_dynamics<float>(rbm, BlockGibbs{}, p0, ref, spec, world);
  CHECK(again.stats.back().mean == team.stats.back().mean);
}

#include <algorithm>

#include <catch2/catch.hpp>

#include "shortrun/config/names.hpp"
#include "shortrun/config/run_config.hpp"
#include "shortrun/core/error.hpp"
#include "shortrun/families/composition.hpp"

using shortrun::BadInput;
using shortrun::RunConfig;
namespace sr = shortrun;

namespace {
RunConfig valid() {
  RunConfig c;
  c.run_name = "x";
  c.model_type = sr::ModelType::gaussian;
  c.spectrum = {1.0, 2.0};
  sr::families::resolve_and_validate(c);
  return c;
}

/// Does validating `c` fail with a message that starts with "key:"?
bool fails_with(RunConfig c, const std::string& key) {
  try {
    sr::families::resolve_and_validate(c);
  } catch (const BadInput& e) {
    return std::string(e.what()).rfind(key + ":", 0) == 0;
  }
  return false;
}
}  // namespace

TEST_CASE("a valid config passes and bad values name their key", "[config]") {
  CHECK_NOTHROW(valid());
  RunConfig c = valid();
  c.k = 0;
  CHECK(fails_with(c, "train.k"));
  c = valid();
  c.lr = -0.1;
  CHECK(fails_with(c, "train.lr"));
  c = valid();
  c.run_name = "../evil";
  CHECK(fails_with(c, "run.name"));
  c = valid();
  c.spectrum = {1.0, -2.0};
  CHECK(fails_with(c, "data.spectrum"));
  c = valid();
  c.n_visible = 3;
  CHECK(fails_with(c, "model.n_visible"));
  c = valid();
  c.model_type.reset();
  CHECK(fails_with(c, "model.type"));
  c = valid();
  c.sampler_type = sr::SamplerType::gibbs;
  CHECK(fails_with(c, "sampler.type"));
}

TEST_CASE("names parse once into enums, and an unknown name names its key and the choices", "[config]") {
  CHECK(sr::parse_name<sr::Scheme>("train.scheme", "pcd") == sr::Scheme::pcd);
  CHECK(sr::parse_name<sr::Spin>("model.spin", "01") == sr::Spin::zero_one);
  CHECK(sr::parse_name<sr::SamplerType>("sampler.type", "metropolis-random") == sr::SamplerType::metropolis_random);
  CHECK_THROWS_WITH(sr::parse_name<sr::Scheme>("train.scheme", "cdd"),
                    "train.scheme: expected one of rdm, cd, pcd, exact, got 'cdd'");
  CHECK_THROWS_WITH(sr::parse_name<sr::IsingGraph>("data.graph", "3d"),
                    Catch::StartsWith("data.graph: expected one of curie-weiss, 2d, sk"));
  // Every name reads back as its value: the tables have no duplicate and no gap.
  for (const auto& [value, name] : sr::EnumNames<sr::DataSource>::kTable)
    CHECK(sr::parse_name<sr::DataSource>("data.source", name) == value);
  for (const auto& [value, name] : sr::EnumNames<sr::EquilibriumMethod>::kTable)
    CHECK(std::string(sr::name_of(value)) == name);
}

TEST_CASE("model-dependent defaults: langevin and gaussian p0 for gaussian and gibbs and uniform p0 for bm", "[config]") {
  RunConfig g = valid();
  CHECK(g.sampler() == sr::SamplerType::langevin);
  CHECK(g.p0() == sr::P0Type::gaussian);
  CHECK_FALSE(g.spin.has_value());
  RunConfig b;
  b.run_name = "b";
  b.model_type = sr::ModelType::bm;
  b.magnetization = {0.1, 0.2};
  sr::families::resolve_and_validate(b);
  CHECK(b.sampler() == sr::SamplerType::gibbs);
  CHECK(b.p0() == sr::P0Type::uniform);
  CHECK(b.units() == sr::Spin::pm1);
  RunConfig r;
  r.run_name = "r";
  r.model_type = sr::ModelType::rbm;
  r.n_hidden = 2;
  r.magnetization = {0.1, 0.2};
  sr::families::resolve_and_validate(r);
  CHECK(r.sampler() == sr::SamplerType::block_gibbs);
  CHECK(r.units() == sr::Spin::zero_one);
}

TEST_CASE("the resolved INI text holds every key with a value that reads back", "[config]") {
  RunConfig c = valid();
  c.lr = 0.05;
  const std::string ini = c.to_ini();
  CHECK(ini.find("[train]\n") != std::string::npos);
  CHECK(ini.find("lr = 0.05\n") != std::string::npos);
  CHECK(ini.find("spectrum = 1,2\n") != std::string::npos);
  CHECK(ini.find("scheme = rdm\n") != std::string::npos);
  CHECK(ini.find("type = langevin\n") != std::string::npos);
  CHECK(ini.find("spin = \n") != std::string::npos);  // unset for the gaussian model
}

TEST_CASE("run identity: result keys differ by name with both values, operational keys do not count", "[config]") {
  const RunConfig stored = valid();
  const std::string ini = stored.to_ini();
  CHECK(stored.differences(ini).empty());
  CHECK(stored.differences(ini, sr::Identity::operational).empty());

  // Every operational key may change: where the output goes, how often it checkpoints, what is measured.
  RunConfig moved = stored;
  moved.run_out = "/elsewhere/spelled/differently";
  moved.run_name = "y";
  moved.checkpoint_every = 5;
  moved.max_memory_gib = 3;
  moved.log_every = 7;
  moved.t_points = 99;
  moved.measure_chains = 12;
  moved.equilibrium = sr::EquilibriumMethod::none;
  CHECK(moved.differences(ini).empty());
  const auto ops = moved.differences(ini, sr::Identity::operational);
  CHECK(ops.size() == 7);  // run.max_memory is not in the INI text (a resource limit)
  CHECK(std::find(ops.begin(), ops.end(), "measure.t_points = 40 (now 99)") != ops.end());

  // Each result key is named with the stored value and the new one, in key order.
  RunConfig other = stored;
  other.lr = 0.2;
  other.seed = 9;
  other.scheme = sr::Scheme::pcd;
  const auto diff = other.differences(ini);
  REQUIRE(diff.size() == 3);
  CHECK(diff[0] == "run.seed = 1 (now 9)");
  CHECK(diff[1] == "train.scheme = rdm (now pcd)");
  CHECK(diff[2] == "train.lr = 0.1 (now 0.2)");

  // A key the stored text lacks (a file of an older release) counts as different.
  std::string without = ini;
  const auto at = without.find("lr = 0.1\n");
  REQUIRE(at != std::string::npos);
  without.erase(at, std::string("lr = 0.1\n").size());
  const auto missing = stored.differences(without);
  REQUIRE(missing.size() == 1);
  CHECK(missing[0] == "train.lr = (absent) (now 0.1)");
}

TEST_CASE("convnet keys: defaults and bad values name their key", "[config][convnet]") {
  RunConfig c;
  c.run_name = "x";
  c.model_type = sr::ModelType::convnet;
  sr::families::resolve_and_validate(c);
  CHECK(c.source() == sr::DataSource::fashion_mnist);
  CHECK(c.sampler() == sr::SamplerType::langevin);
  CHECK(c.p0() == sr::P0Type::uniform);
  CHECK(c.channels == std::vector<double>{16, 32, 64});
  c.n_samples = 0;  // every image of the file
  CHECK_NOTHROW(sr::families::resolve_and_validate(c));
  for (const std::vector<double>& channels : {std::vector<double>{}, {16, 0}, {16, 2.5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
    RunConfig bad = c;
    bad.channels = channels;
    CHECK(fails_with(bad, "model.channels"));
  }
  RunConfig bad = c;
  bad.data_source = sr::DataSource::blobs;
  bad.n_samples = 0;
  CHECK(fails_with(bad, "data.n_samples"));
  bad = c;
  bad.scheme = sr::Scheme::exact;
  CHECK(fails_with(bad, "train.scheme"));
  bad = c;
  bad.moments = sr::MomentsMode::exact;
  CHECK(fails_with(bad, "train.moments"));
  bad = c;
  bad.init_type = sr::P0Type::zeros;
  CHECK(fails_with(bad, "init.type"));
  bad = c;
  bad.data_noise = -0.1;
  CHECK(fails_with(bad, "data.noise"));
  RunConfig gaussian = valid();
  gaussian.data_noise = 0.1;
  CHECK(fails_with(gaussian, "data.noise"));
}

TEST_CASE("a sweep's work estimate counts training and the measurement as documented", "[config][sweep]") {
  // Study 4's configuration (Fashion-MNIST at 14 x 14: Nv = 196, Nh = 200, float32, pt beyond
  // enumeration), whose measurement took 200-280 s against 24-226 s of training.
  RunConfig c;
  c.run_name = "w";
  c.model_type = sr::ModelType::rbm;
  c.n_visible = 196;
  c.n_hidden = 200;
  c.data_source = sr::DataSource::bars_stripes;
  c.precision = sr::Precision::float32;
  c.updates = 2000;
  c.chains = 500;
  c.batch = 500;
  c.k = 10;
  c.t_max = 1000;
  c.measure_chains = 500;
  c.equilibrium_sweeps = 1000;
  sr::families::resolve_and_validate(c);
  const auto work = [](const RunConfig& x) { return sr::families::work_estimate(x, 196); };
  const double sweep = 196.0 * 200.0, training = 2000.0 * 10 * 500 * sweep;
  // The documented terms: t_max x chains (float32, as training); pt: two chain sets over burn-in
  // and window, with the ladder halfway between pt_replicas (8) and its cap (32); AIS forward and
  // reverse runs x temperatures; the last two at float64 weight, 2.
  const double measurement = (1000.0 * 500 + 2 * (2.0 * 500 * 2 * 1000 * (8 + 32) / 2 + 2.0 * 100 * 1000)) * sweep;
  CHECK(work(c) == Approx(training + measurement).epsilon(1e-12));
  // Measurement that does not depend on k: k = 100 costs far less than 10x k = 10 (the training-only
  // estimate before), and the difference is training's alone.
  RunConfig k100 = c;
  k100.k = 100;
  CHECK(work(k100) - work(c) == Approx(9 * training).epsilon(1e-12));
  CHECK(work(k100) / work(c) < 2.5);
  // measure.at = all measures every checkpoint: the measurement term times train.checkpoints.
  RunConfig all = c;
  all.measure_at = sr::MeasureAt::all;
  CHECK(work(all) - training == Approx(static_cast<double>(c.checkpoints) * measurement).epsilon(1e-12));
  // Training-dominated runs (no equilibrium, no AIS, a short measurement) scale as k and as Nh.
  RunConfig quiet = c;
  quiet.equilibrium = sr::EquilibriumMethod::none;
  quiet.ais_runs = 0;
  quiet.t_max = 1;
  quiet.measure_chains = 1;
  RunConfig quiet_k50 = quiet;
  quiet_k50.k = 50;
  CHECK(work(quiet_k50) / work(quiet) == Approx(5).epsilon(1e-6));
  RunConfig quiet_wide = quiet;
  quiet_wide.n_hidden = 400;
  CHECK(work(quiet_wide) / work(quiet) == Approx(2).epsilon(1e-6));
  // An enumerable rbm (Nh = 10): the exact reference costs 2^10 sweeps and runs no AIS.
  RunConfig small = c;
  small.n_hidden = 10;
  small.equilibrium = sr::EquilibriumMethod::automatic;
  RunConfig small_no_ais = small;
  small_no_ais.ais_runs = 0;
  CHECK(work(small) == work(small_no_ais));
  CHECK(work(small) == Approx(2000.0 * 10 * 500 * 1960 + (1000.0 * 500 + 2 * 1024) * 1960).epsilon(1e-12));
}

#include <catch2/catch.hpp>

#include "shortrun/core/config.hpp"
#include "shortrun/core/error.hpp"

using shortrun::BadInput;
using shortrun::RunConfig;

namespace {
RunConfig valid() {
  RunConfig c;
  c.run_name = "x";
  c.model_type = "gaussian";
  c.spectrum = {1.0, 2.0};
  c.resolve_defaults();
  return c;
}
}  // namespace

TEST_CASE("a valid config passes and bad values name their key", "[config]") {
  CHECK_NOTHROW(valid().validate());
  auto fails_with = [](RunConfig c, const std::string& key) {
    try {
      c.validate();
    } catch (const BadInput& e) {
      return std::string(e.what()).rfind(key + ":", 0) == 0;
    }
    return false;
  };
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
  c.scheme = "cdd";
  CHECK(fails_with(c, "train.scheme"));
  c = valid();
  c.spectrum = {1.0, -2.0};
  CHECK(fails_with(c, "data.spectrum"));
  c = valid();
  c.n_visible = 3;
  CHECK(fails_with(c, "model.n_visible"));
  c = valid();
  c.model_type = "";
  CHECK(fails_with(c, "model.type"));
  c = valid();
  c.sampler_type = "gibbs";
  CHECK(fails_with(c, "sampler.type"));
}

TEST_CASE("model-dependent defaults: langevin and gaussian p0 for gaussian and gibbs and uniform p0 for bm", "[config]") {
  RunConfig g;
  g.model_type = "gaussian";
  g.resolve_defaults();
  CHECK(g.sampler_type == "langevin");
  CHECK(g.init_type == "gaussian");
  RunConfig b;
  b.model_type = "bm";
  b.resolve_defaults();
  CHECK(b.sampler_type == "gibbs");
  CHECK(b.init_type == "uniform");
  CHECK(b.spin == "pm1");
  RunConfig r;
  r.model_type = "rbm";
  r.resolve_defaults();
  CHECK(r.sampler_type == "block-gibbs");
  CHECK(r.spin == "01");
}

TEST_CASE("the resolved INI text holds every key with a value that reads back", "[config]") {
  RunConfig c = valid();
  c.lr = 0.05;
  const std::string ini = c.to_ini();
  CHECK(ini.find("[train]\n") != std::string::npos);
  CHECK(ini.find("lr = 0.05\n") != std::string::npos);
  CHECK(ini.find("spectrum = 1,2\n") != std::string::npos);
}

TEST_CASE("convnet keys: defaults and bad values name their key", "[config][convnet]") {
  RunConfig c;
  c.run_name = "x";
  c.model_type = "convnet";
  c.resolve_defaults();
  CHECK(c.data_source == "fashion-mnist");
  CHECK(c.sampler_type == "langevin");
  CHECK(c.init_type == "uniform");
  CHECK(c.channels == std::vector<double>{16, 32, 64});
  CHECK_NOTHROW(c.validate());
  c.n_samples = 0;  // every image of the file
  CHECK_NOTHROW(c.validate());
  auto fails_with = [](RunConfig bad, const std::string& key) {
    try {
      bad.validate();
    } catch (const BadInput& e) {
      return std::string(e.what()).rfind(key + ":", 0) == 0;
    }
    return false;
  };
  for (const std::vector<double>& channels : {std::vector<double>{}, {16, 0}, {16, 2.5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
    RunConfig bad = c;
    bad.channels = channels;
    CHECK(fails_with(bad, "model.channels"));
  }
  RunConfig bad = c;
  bad.data_source = "blobs";
  bad.n_samples = 0;
  CHECK(fails_with(bad, "data.n_samples"));
  bad = c;
  bad.activation = "tanh";
  CHECK(fails_with(bad, "model.activation"));
  bad = c;
  bad.scheme = "exact";
  CHECK(fails_with(bad, "train.scheme"));
  bad = c;
  bad.moments = "exact";
  CHECK(fails_with(bad, "train.moments"));
  bad = c;
  bad.init_type = "zeros";
  CHECK(fails_with(bad, "init.type"));
  bad = c;
  bad.data_noise = -0.1;
  CHECK(fails_with(bad, "data.noise"));
  RunConfig gaussian = valid();
  gaussian.data_noise = 0.1;
  CHECK(fails_with(gaussian, "data.noise"));
}

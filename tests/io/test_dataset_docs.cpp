// The dataset table (io/dataset_docs.hpp): its matcher, its coverage of the sweep axes, and
// describe_datasets() on a small file (attributes, fallback, dimension scales).

#include <filesystem>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "shortrun/config/run_config.hpp"
#include "shortrun/io/dataset_docs.hpp"
#include "shortrun/io/h5.hpp"
#include "../support/scratch_dir.hpp"

using namespace shortrun;
namespace fs = std::filesystem;

namespace {
// One fresh directory per test process, removed when it exits.
std::string temp_file(const std::string& name) {
  static const testing::ScratchDir dir("shortrun_io_docs_");
  return dir.file(name);
}
}  // namespace

TEST_CASE("path patterns match component by component, '*' within one component", "[dataset_docs]") {
  using io::path_matches;
  CHECK(path_matches("/train/step", "/train/step"));
  CHECK_FALSE(path_matches("/train/step", "/train/steps"));
  CHECK_FALSE(path_matches("/train/step", "/train"));
  CHECK_FALSE(path_matches("/train", "/train/step"));
  CHECK(path_matches("/dynamics/*/t", "/dynamics/1200/t"));
  CHECK_FALSE(path_matches("/dynamics/*/t", "/dynamics/t"));          // '*' needs a component
  CHECK_FALSE(path_matches("/dynamics/*/t", "/dynamics/12/00/t"));    // and does not cross '/'
  CHECK(path_matches("/checkpoints/*/params/conv*_W", "/checkpoints/3/params/conv1_W"));
  CHECK(path_matches("/checkpoints/*/params/conv*_W", "/checkpoints/3/params/conv12_W"));
  CHECK_FALSE(path_matches("/checkpoints/*/params/conv*_W", "/checkpoints/3/params/conv1_b"));
  CHECK_FALSE(path_matches("/checkpoints/*/params/conv*_W", "/checkpoints/3/params/W"));
  CHECK(path_matches("/runs/train.k", "/runs/train.k"));
  CHECK_FALSE(path_matches("/runs/train.k", "/runs/train.kk"));
}

TEST_CASE("the table finds the entry of each kind of path, and none for an unknown one", "[dataset_docs]") {
  const io::DatasetDoc* mean = io::find_dataset_doc("/dynamics/20/mean");
  REQUIRE(mean != nullptr);
  CHECK(std::string(mean->units) == "1");
  REQUIRE(mean->axis != nullptr);
  CHECK(std::string(mean->axis) == "t");
  const io::DatasetDoc* eq = io::find_dataset_doc("/equilibrium/20/mean");
  REQUIRE(eq != nullptr);
  CHECK(eq->axis == nullptr);  // one state, no time axis
  const io::DatasetDoc* t = io::find_dataset_doc("/dynamics/20/t");
  REQUIRE(t != nullptr);
  CHECK(std::string(t->units) == "sweeps");
  CHECK(std::string(io::find_dataset_doc("/train/wall_s")->units) == "s");
  CHECK(std::string(io::find_dataset_doc("/train/step")->units) == "updates");
  CHECK(std::string(io::find_dataset_doc("/checkpoints/7/params/out_w")->pattern) == "/checkpoints/*/params/out_w");
  CHECK(io::find_dataset_doc("/dynamics/20/no_such_curve") == nullptr);
  CHECK(io::find_dataset_doc("/params") == nullptr);
}

TEST_CASE("every entry has units and a sentence, and every axis it names is in the table", "[dataset_docs]") {
  std::set<std::string> patterns;
  for (const io::DatasetDoc& d : io::dataset_docs()) {
    INFO(d.pattern);
    CHECK(patterns.insert(d.pattern).second);  // no pattern twice
    CHECK(std::string(d.units).size() > 0);
    const std::string desc = d.description;
    CHECK(desc.size() > 10);
    CHECK(desc.back() == '.');
    if (d.axis != nullptr) {
      std::string axis = d.pattern;
      axis = axis.substr(0, axis.find_last_of('/') + 1) + d.axis;
      const io::DatasetDoc* a = io::find_dataset_doc(axis);
      REQUIRE(a != nullptr);
      CHECK((std::string(a->units) == "sweeps" || std::string(a->units) == "updates"));
    }
  }
}

TEST_CASE("every sweepable configuration key has an entry for its manifest column", "[dataset_docs]") {
  int n = 0;
  RunConfig c;
  c.visit([&](const std::string& key, const auto&, const char*, Sweep sweep, Identity) {
    if (sweep != Sweep::yes) return;
    ++n;
    INFO(key);
    const io::DatasetDoc* d = io::find_dataset_doc("/runs/" + key);
    REQUIRE(d != nullptr);
    CHECK(std::string(d->description).find(key) != std::string::npos);
  });
  CHECK(n >= 8);
}

TEST_CASE("describe_datasets writes units and descriptions, a visible fallback, and attaches scales",
          "[dataset_docs]") {
  const std::string path = temp_file("describe.h5");
  {
    h5::File f(path, h5::File::Mode::create);
    h5::Group d = f.create_group("dynamics/20");
    d.write("t", std::vector<std::int64_t>{0, 1, 5, 20});
    d.write("corr_err", std::vector<double>{0.5, 0.3, 0.1, 0.05});
    d.write("mean", Matrix(Matrix::Zero(4, 3)));
    d.write("energy_mean", std::vector<double>{1, 2});  // not indexed by t: no scale
    f.write("stray", std::vector<double>{1.0});         // in no table
    f.create_group("other").soft_link("final", "/dynamics/20");  // soft links are not followed
    const auto undocumented = io::describe_datasets(f);
    CHECK(undocumented == std::vector<std::string>{"/stray"});
    // Again, as `shortrun measure` does on a finished file: same result, no error.
    CHECK(io::describe_datasets(f) == std::vector<std::string>{"/stray"});
    f.close();
  }
  h5::File f(path, h5::File::Mode::read);
  const h5::Object corr = f.open_dataset("dynamics/20/corr_err");
  CHECK(corr.attr_string("units") == "1");
  CHECK(corr.attr_string("description") == io::find_dataset_doc("/dynamics/20/corr_err")->description);
  CHECK(f.open_dataset("dynamics/20/t").attr_string("units") == "sweeps");
  CHECK(f.open_dataset("stray").attr_string("units") == io::kUndocumentedUnits);
  CHECK(f.open_dataset("stray").attr_string("description") == io::kUndocumentedDescription);
  CHECK(f.is_attached("dynamics/20/corr_err", "dynamics/20/t", 0));
  CHECK(f.is_attached("dynamics/20/mean", "dynamics/20/t", 0));
  CHECK_FALSE(f.is_attached("dynamics/20/mean", "dynamics/20/t", 1));
  CHECK_FALSE(f.is_attached("dynamics/20/energy_mean", "dynamics/20/t", 0));
  CHECK(f.open_dataset("dynamics/20/t").attr_string("CLASS") == "DIMENSION_SCALE");
}

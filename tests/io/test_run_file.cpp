#include <filesystem>

#include <catch2/catch.hpp>

#include "shortrun/io/run_file.hpp"
#include "../support/scratch_dir.hpp"

using namespace shortrun;
namespace fs = std::filesystem;

TEST_CASE("a run file is written under a temporary name and renamed when finished", "[run_file]") {
  const testing::ScratchDir dir("shortrun_run_");
  const std::string path = dir.file("r.h5");
  RunConfig config;
  config.run_name = "r";
  config.model_type = ModelType::gaussian;
  config.k = 7;
  config.lr = 0.01;
  config.spectrum = {1.0, 2.0};
  Layout layout;
  layout.add("J", 2, 2);
  layout.add("h", 2);
  Vector theta(6);
  theta << 1, 2, 3, 4, 5, 6;
  {
    io::RunWriter w(path, config, io::RunMeta{"r", 2, {{"argv", "shortrun train r.ini"}}});
    CHECK(fs::exists(path + ".tmp"));
    CHECK_FALSE(fs::exists(path));
    Dataset d;
    d.mean = Vector::Ones(2);
    d.cov = Matrix::Identity(2, 2);
    w.write_data(d);
    w.write_checkpoint(1, layout, theta);
    theta *= 2;
    w.write_checkpoint(10, layout, theta);
    w.write_train_log({{1, 0.5, 3.0, 4.0}, {10, 1.0, 0.1, 5.0}});
    w.finish(RunStatus::completed, "");
  }
  CHECK_FALSE(fs::exists(path + ".tmp"));
  h5::File f(path, h5::File::Mode::read);
  CHECK_NOTHROW(io::check_run_schema(f));
  CHECK(f.attr_string("status") == "completed");
  CHECK(f.attr_int("schema_version") == io::kRunSchemaVersion);
  CHECK(f.attr_int("mpi_ranks") == 2);
  // Provenance: the app's (argv here) and the build's own.
  CHECK(f.attr_string("argv") == "shortrun train r.ini");
  for (const char* key : {"build_flags", "compiler", "git_dirty", "eigen_version", "hdf5_version", "matrix_products"})
    CHECK_FALSE(f.attr_string(key).empty());
  CHECK(f.attr_string("hdf5_version").rfind("1.", 0) == 0);
  CHECK_FALSE(f.attr_string("finished").empty());
  CHECK(f.attr_string("config").find("k = 7") != std::string::npos);
  const h5::Group cfg = f.open_group("config");
  CHECK(cfg.attr_int("train.k") == 7);
  CHECK(cfg.attr_double("train.lr") == 0.01);
  CHECK(cfg.attr_string("model.type") == "gaussian");
  CHECK(cfg.attr_doubles("data.spectrum") == std::vector<double>{1.0, 2.0});
  CHECK(f.link_target("final") == "/checkpoints/10");
  Matrix J(2, 2);
  J << 2, 6, 4, 8;  // column-major view of theta[0..3] = 2,4,6,8
  CHECK(f.read_matrix("final/params/J") == J);
  CHECK(f.read_vector("checkpoints/1/params/h") == Vector::LinSpaced(2, 5, 6));
  CHECK(f.read_ints("train/step") == std::vector<std::int64_t>{1, 10});
  CHECK(f.read_vector("data/mean") == Vector::Ones(2));
}

TEST_CASE("a file of another schema is refused with its path", "[run_file]") {
  const testing::ScratchDir dir("shortrun_other_");
  const std::string path = dir.file("other.h5");
  {
    h5::File f(path, h5::File::Mode::create);
    f.attr("schema", "something.else");
  }
  h5::File f(path, h5::File::Mode::read);
  CHECK_THROWS_WITH(io::check_run_schema(f), Catch::Contains(path));
}

TEST_CASE("a run file of another schema_version, or without one, is refused naming the file and both versions",
          "[run_file]") {
  const testing::ScratchDir dir("shortrun_version_");
  const std::string newer = dir.file("newer.h5"), bare = dir.file("bare.h5");
  {
    h5::File f(newer, h5::File::Mode::create);
    f.attr("schema", io::kRunSchema);
    f.attr("schema_version", io::kRunSchemaVersion + 1);
    h5::File g(bare, h5::File::Mode::create);
    g.attr("schema", io::kRunSchema);
  }
  const std::string expected = "schema_version " + std::to_string(io::kRunSchemaVersion + 1) +
                               " of shortrun.run, but this shortrun reads version " +
                               std::to_string(io::kRunSchemaVersion);
  h5::File f(newer, h5::File::Mode::read);
  CHECK_THROWS_AS(io::check_run_schema(f), BadInput);
  CHECK_THROWS_WITH(io::check_run_schema(f), Catch::StartsWith(newer) && Catch::Contains(expected));
  h5::File g(bare, h5::File::Mode::read);
  CHECK_THROWS_WITH(io::check_run_schema(g), Catch::StartsWith(bare) && Catch::Contains("schema_version missing"));
}

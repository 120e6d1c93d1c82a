#include <filesystem>

#include <catch2/catch.hpp>

#include "shortrun/io/h5.hpp"
#include "../support/scratch_dir.hpp"

using namespace shortrun;
namespace fs = std::filesystem;

namespace {
// One fresh directory per test process, removed when it exits.
std::string temp_file(const std::string& name) {
  static const testing::ScratchDir dir("shortrun_io_");
  return dir.file(name);
}
}  // namespace

TEST_CASE("every dataset and attribute type round-trips", "[h5]") {
  const std::string path = temp_file("roundtrip.h5");
  Matrix m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  Vector v(4);
  v << 0.5, -1.25, 1e-300, 3e300;
  {
    h5::File f(path, h5::File::Mode::create);
    f.attr("text", "hello\nworld");
    f.attr("count", std::int64_t{-42});
    f.attr("value", 0.1);
    f.attr("list", std::vector<double>{1.5, 2.5});
    f.attr("empty_list", std::vector<double>{});
    h5::Group g = f.create_group("a/b");
    g.write("m", m);
    g.write("v", v);
    g.write("ints", std::vector<std::int64_t>{1, 2, 3});
    g.write("doubles", std::vector<double>{});
    f.soft_link("link", "/a/b");
    f.close();
  }
  h5::File f(path, h5::File::Mode::read);
  CHECK(f.attr_string("text") == "hello\nworld");
  CHECK(f.attr_int("count") == -42);
  CHECK(f.attr_double("value") == 0.1);
  CHECK(f.attr_doubles("list") == std::vector<double>{1.5, 2.5});
  CHECK(f.attr_doubles("empty_list").empty());
  CHECK(f.attr_names() == std::vector<std::string>{"text", "count", "value", "list", "empty_list"});
  CHECK(f.attr_as_text("count") == "-42");
  const h5::Group g = f.open_group("a/b");
  CHECK(g.shape("m") == std::vector<hsize_t>{2, 3});  // row-major on disk: [rows, cols]
  CHECK(g.read_matrix("m") == m);
  CHECK(g.read_vector("v") == v);
  CHECK(g.read_ints("ints") == std::vector<std::int64_t>{1, 2, 3});
  CHECK(g.read_vector("doubles").size() == 0);
  CHECK(f.exists("a/b/m"));
  CHECK_FALSE(f.exists("a/c/m"));
  CHECK(f.exists("link/m"));
  CHECK(f.link_target("link") == "/a/b");
  CHECK(f.open_group("a").children() == std::vector<std::string>{"b"});
}

TEST_CASE("HDF5 failures become one readable exception naming the file", "[h5]") {
  try {
    h5::File f("/nonexistent-dir/x.h5", h5::File::Mode::read);
    FAIL("no exception");
  } catch (const h5::Error& e) {
    const std::string msg = e.what();
    CHECK(msg.find("/nonexistent-dir/x.h5") != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
  }
  const std::string path = temp_file("errors.h5");
  h5::File f(path, h5::File::Mode::create);
  CHECK_THROWS_AS(f.open_group("missing"), h5::Error);
  CHECK_THROWS_AS(f.attr_int("missing"), h5::Error);
}

TEST_CASE("copy_from copies a dataset with its attributes from another file, and names what it lacks", "[h5]") {
  const std::string from_path = temp_file("copy_from.h5"), to_path = temp_file("copy_to.h5");
  Vector v(5);
  v << 1.0, -2.5, 1e-300, 3e300, 0.1;
  {
    h5::File f(from_path, h5::File::Mode::create);
    f.create_group("checkpoints").write("7", v);
    f.open_group("checkpoints").open_dataset("7").attr("step", std::int64_t{7});
  }
  const h5::File from(from_path, h5::File::Mode::read);
  {
    h5::File to(to_path, h5::File::Mode::create);
    h5::Group ck = to.create_group("checkpoints");
    ck.copy_from(from, "checkpoints/7", "7");
    ck.copy_from(from.open_group("checkpoints"), "7", "seven");
    try {
      ck.copy_from(from, "checkpoints/8", "8");
      FAIL("no exception");
    } catch (const h5::Error& e) {
      const std::string msg = e.what();
      CHECK(msg.find("checkpoints/8") != std::string::npos);
      CHECK(msg.find('\n') == std::string::npos);
    }
  }
  const h5::File to(to_path, h5::File::Mode::read);
  CHECK(to.read_vector("checkpoints/7") == v);  // bit for bit: the extreme values too
  CHECK(to.read_vector("checkpoints/seven") == v);
  CHECK(to.open_group("checkpoints").open_dataset("7").attr_int("step") == 7);
  CHECK_FALSE(to.exists("checkpoints/8"));
}

// Data loaders of the io layer: IDX (plain and gzipped), the Fashion-MNIST locator and HDF5
// sample matrices. Every file is written here, in a temporary folder; every bad file must give
// BadInput naming the file.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>


#include <catch2/catch.hpp>

#include "shortrun/core/error.hpp"
#include "shortrun/io/fashion_mnist.hpp"
#include "shortrun/io/h5.hpp"
#include "shortrun/io/hdf5_data.hpp"
#include "shortrun/io/idx.hpp"
#include "../support/scratch_dir.hpp"

using namespace shortrun;
namespace fs = std::filesystem;

namespace {

// One fresh directory per test process, removed when it exits.
std::string temp_path(const std::string& name) {
  static const testing::ScratchDir dir("shortrun_data_");
  return dir.file(name);
}

/// n images of h x w u8 pixels, pixel (s, r, c) = (s * 31 + r * 7 + c * 3) % 256.
std::vector<std::uint8_t> pattern(Index n, Index h, Index w) {
  std::vector<std::uint8_t> v;
  for (Index s = 0; s < n; ++s)
    for (Index r = 0; r < h; ++r)
      for (Index c = 0; c < w; ++c) v.push_back(static_cast<std::uint8_t>((s * 31 + r * 7 + c * 3) % 256));
  return v;
}

double pixel(Index s, Index r, Index c) { return static_cast<double>((s * 31 + r * 7 + c * 3) % 256) / 255.0; }

std::vector<char> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("IDX images round-trip plain and gzipped as columns scaled to the unit interval", "[idx]") {
  for (bool gzip : {false, true}) {
    const std::string path = temp_path(gzip ? "img.idx3.gz" : "img.idx3");
    io::write_idx_u8(path, {5, 4, 6}, pattern(5, 4, 6), gzip);
    if (gzip) {
      const auto bytes = file_bytes(path);
      REQUIRE(static_cast<unsigned char>(bytes[0]) == 0x1f);
      REQUIRE(static_cast<unsigned char>(bytes[1]) == 0x8b);
    }
    const ImageData img = io::read_idx_images(path);
    CHECK(img.height == 4);
    CHECK(img.width == 6);
    REQUIRE(img.data.x.rows() == 24);
    REQUIRE(img.data.x.cols() == 5);
    double worst = 0;
    for (Index s = 0; s < 5; ++s)
      for (Index r = 0; r < 4; ++r)
        for (Index c = 0; c < 6; ++c) worst = std::max(worst, std::abs(img.data.x(r * 6 + c, s) - pixel(s, r, c)));
    CHECK(worst == 0.0);
    CHECK(img.data.mean.isApprox(img.data.x.rowwise().mean()));
    CHECK(img.data.cov.rows() == 24);
  }
}

TEST_CASE("IDX labels round-trip and are capped", "[idx]") {
  const std::string path = temp_path("labels.idx1.gz");
  io::write_idx_u8(path, {4}, {3, 1, 4, 1}, true);
  CHECK(io::read_idx_labels(path) == std::vector<std::int64_t>{3, 1, 4, 1});
  CHECK(io::read_idx_labels(path, 2) == std::vector<std::int64_t>{3, 1});
  CHECK_THROWS_AS(io::read_idx_images(path), BadInput);  // 1-D: not images
}

TEST_CASE("IDX downscale averages blocks and binarize thresholds after it and the cap keeps the first images", "[idx]") {
  const std::string path = temp_path("down.idx3");
  io::write_idx_u8(path, {3, 4, 8}, pattern(3, 4, 8), false);
  for (Index f : {2, 4}) {
    ImagePreprocess p;
    p.downscale = f;
    p.max_samples = 2;
    const ImageData img = io::read_idx_images(path, p);
    CHECK(img.height == 4 / f);
    CHECK(img.width == 8 / f);
    REQUIRE(img.data.x.cols() == 2);
    for (Index s = 0; s < 2; ++s)
      for (Index r = 0; r < 4 / f; ++r)
        for (Index c = 0; c < 8 / f; ++c) {
          double block = 0;
          for (Index dr = 0; dr < f; ++dr)
            for (Index dc = 0; dc < f; ++dc) block += pixel(s, r * f + dr, c * f + dc);
          CHECK(img.data.x(r * (8 / f) + c, s) == Approx(block / static_cast<double>(f * f)).margin(1e-15));
        }
    p.binarize = 0.4;
    const ImageData bin = io::read_idx_images(path, p);
    CHECK(bin.data.x == img.data.x.unaryExpr([](double v) { return v > 0.4 ? 1.0 : 0.0; }));
  }
  ImagePreprocess odd;
  odd.downscale = 4;
  io::write_idx_u8(path, {1, 6, 8}, pattern(1, 6, 8), false);  // 6 is not a multiple of 4
  CHECK_THROWS_WITH(io::read_idx_images(path, odd), Catch::Contains(path) && Catch::Contains("data.downscale"));
  odd.downscale = 3;
  CHECK_THROWS_WITH(io::read_idx_images(path, odd), Catch::Contains("data.downscale"));
  ImagePreprocess bad_threshold;
  bad_threshold.binarize = 1.0;
  CHECK_THROWS_WITH(io::read_idx_images(path, bad_threshold), Catch::Contains("data.binarize"));
}

TEST_CASE("bad IDX files give BadInput naming the file", "[idx][bad_input]") {
  const std::string good = temp_path("good.idx3");
  io::write_idx_u8(good, {2, 3, 3}, pattern(2, 3, 3), false);
  const std::vector<char> bytes = file_bytes(good);

  const std::string missing = temp_path("missing.idx3");
  CHECK_THROWS_WITH(io::read_idx_images(missing), Catch::Contains(missing));

  const std::string truncated = temp_path("truncated.idx3");
  write_bytes(truncated, std::vector<char>(bytes.begin(), bytes.end() - 5));
  CHECK_THROWS_WITH(io::read_idx_images(truncated), Catch::Contains(truncated) && Catch::Contains("truncated"));

  const std::string short_header = temp_path("short_header.idx3");
  write_bytes(short_header, std::vector<char>(bytes.begin(), bytes.begin() + 9));
  CHECK_THROWS_WITH(io::read_idx_images(short_header), Catch::Contains(short_header) && Catch::Contains("truncated"));

  const std::string trailing = temp_path("trailing.idx3");
  std::vector<char> longer = bytes;
  longer.push_back(7);
  write_bytes(trailing, longer);
  CHECK_THROWS_WITH(io::read_idx_images(trailing), Catch::Contains(trailing) && Catch::Contains("after the data"));

  const std::string magic = temp_path("magic.idx3");
  std::vector<char> wrong = bytes;
  wrong[0] = 'P';
  write_bytes(magic, wrong);
  CHECK_THROWS_WITH(io::read_idx_images(magic), Catch::Contains(magic) && Catch::Contains("magic"));

  const std::string empty_file = temp_path("empty_file.idx3");
  write_bytes(empty_file, {});
  CHECK_THROWS_WITH(io::read_idx_images(empty_file), Catch::Contains(empty_file));

  const std::string no_images = temp_path("no_images.idx3");
  io::write_idx_u8(no_images, {0, 3, 3}, {}, false);
  CHECK_THROWS_WITH(io::read_idx_images(no_images), Catch::Contains(no_images));

  const std::string wrong_rank = temp_path("wrong_rank.idx2");
  io::write_idx_u8(wrong_rank, {2, 9}, pattern(2, 3, 3), false);
  CHECK_THROWS_WITH(io::read_idx_images(wrong_rank), Catch::Contains(wrong_rank) && Catch::Contains("3-D"));

  // A gzip stream cut short, and gzip garbage after a valid magic.
  const std::string gz = temp_path("good.idx3.gz");
  io::write_idx_u8(gz, {2, 3, 3}, pattern(2, 3, 3), true);
  const std::vector<char> gz_bytes = file_bytes(gz);
  const std::string gz_cut = temp_path("cut.idx3.gz");
  write_bytes(gz_cut, std::vector<char>(gz_bytes.begin(), gz_bytes.begin() + static_cast<long>(gz_bytes.size() / 2)));
  CHECK_THROWS_WITH(io::read_idx_images(gz_cut), Catch::Contains(gz_cut));
  const std::string gz_junk = temp_path("junk.idx3.gz");
  std::vector<char> junk = {'\x1f', '\x8b'};
  for (int i = 0; i < 40; ++i) junk.push_back(static_cast<char>(i * 37));
  write_bytes(gz_junk, junk);
  CHECK_THROWS_WITH(io::read_idx_images(gz_junk), Catch::Contains(gz_junk));
}

TEST_CASE("the fashion-mnist locator finds the train images or says which package to install", "[idx][fashion]") {
  const fs::path root = fs::path(temp_path("fashion_root"));
  fs::create_directories(root);
  fs::remove(root / "train-images-idx3-ubyte.gz");
  CHECK_THROWS_WITH(io::locate_fashion_mnist_images("train", {root.string()}),
                    Catch::Contains("apt-get install dataset-fashion-mnist"));
  io::write_idx_u8((root / "train-images-idx3-ubyte.gz").string(), {2, 28, 28}, pattern(2, 28, 28), true);
  CHECK(io::locate_fashion_mnist_images("train", {"/nonexistent", root.string()}) ==
        (root / "train-images-idx3-ubyte.gz").string());
  ImagePreprocess p;
  p.downscale = 4;
  const ImageData img = io::load_fashion_mnist(p, "train", {root.string()});
  CHECK(img.height == 7);
  CHECK(img.data.x.cols() == 2);
  CHECK_THROWS_AS(io::locate_fashion_mnist_images("validation", {root.string()}), BadInput);
}

TEST_CASE("the installed fashion-mnist package loads when present", "[idx][fashion]") {
  std::string path;
  try {
    path = io::locate_fashion_mnist_images();
  } catch (const BadInput&) {
    WARN("dataset-fashion-mnist is not installed: the real-file check is skipped");
    return;
  }
  ImagePreprocess p;
  p.max_samples = 100;
  p.downscale = 2;
  p.binarize = 0.5;
  const ImageData img = io::read_idx_images(path, p);
  CHECK(img.height == 14);
  CHECK(img.width == 14);
  CHECK(img.data.x.cols() == 100);
  CHECK((img.data.x.array() * (1.0 - img.data.x.array())).abs().maxCoeff() == 0.0);  // 0 or 1
}

TEST_CASE("HDF5 samples read with rows as samples and capped", "[hdf5_data]") {
  const std::string path = temp_path("samples.h5");
  Matrix rows(4, 3);
  rows << 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12;
  {
    h5::File f(path, h5::File::Mode::create);
    f.write("data/x", rows);
    f.write("vec", Vector(Vector::Ones(3)));
    Matrix bad = rows;
    bad(1, 1) = std::nan("");
    f.write("nan", bad);
    f.write("empty", Matrix(0, 3));
    f.write("names", std::vector<std::string>{"a", "b"});
    f.close();
  }
  const Dataset d = io::read_hdf5_samples(path + ":/data/x");
  CHECK(d.x == rows.transpose());
  CHECK(d.mean.isApprox(Vector(rows.colwise().mean().transpose())));
  CHECK(io::read_hdf5_samples(path + ":/data/x", 2).x == rows.topRows(2).transpose());

  CHECK_THROWS_WITH(io::read_hdf5_samples(path + ":/vec"), Catch::Contains(path) && Catch::Contains("2-D"));
  CHECK_THROWS_WITH(io::read_hdf5_samples(path + ":/nan"), Catch::Contains(path) && Catch::Contains("NaN"));
  CHECK_THROWS_WITH(io::read_hdf5_samples(path + ":/empty"), Catch::Contains(path));
  CHECK_THROWS_WITH(io::read_hdf5_samples(path + ":/names"), Catch::Contains(path));
  CHECK_THROWS_WITH(io::read_hdf5_samples(path + ":/missing"), Catch::Contains(path));
  CHECK_THROWS_WITH(io::read_hdf5_samples(temp_path("nofile.h5") + ":/x"), Catch::Contains("nofile.h5"));
  CHECK_THROWS_WITH(io::read_hdf5_samples(path), Catch::Contains("data.path"));
  const std::string not_h5 = temp_path("not.h5");
  write_bytes(not_h5, {'h', 'e', 'l', 'l', 'o'});
  CHECK_THROWS_AS(io::read_hdf5_samples(not_h5 + ":/x"), BadInput);
  CHECK(io::split_hdf5_path("C:/a.h5:/g/x").first == "C:/a.h5");
}

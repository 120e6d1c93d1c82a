#include "shortrun/io/idx.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>

#include <zlib.h>

#include "shortrun/core/error.hpp"

namespace shortrun::io {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw BadInput("IDX file " + path + ": " + what);
}

/// The largest IDX file read, compressed or not (README, Errors: caps).
constexpr std::size_t kMaxIdxBytes = std::size_t{4} << 30;

std::vector<unsigned char> read_plain(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open it; expected a readable IDX file (data.path)");
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail(path, "read error");
  return bytes;
}

std::vector<unsigned char> inflate_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) fail(path, "cannot open it for gzip decompression");
  std::vector<unsigned char> out;
  std::array<unsigned char, 1 << 16> buf{};
  for (;;) {
    const int got = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    if (got < 0) {
      int code = 0;
      const std::string msg = gzerror(f, &code);
      gzclose_r(f);
      fail(path, "gzip data are corrupt or truncated (" + msg + ")");
    }
    if (got == 0) break;
    if (out.size() + static_cast<std::size_t>(got) > kMaxIdxBytes)
      fail(path, "decompresses to more than " + std::to_string(kMaxIdxBytes >> 30) +
                     " GiB (the cap on IDX files; README, Errors)");
    out.insert(out.end(), buf.begin(), buf.begin() + got);
  }
  if (gzclose_r(f) != Z_OK) fail(path, "gzip data are corrupt or truncated");
  return out;
}

std::size_t element_size(std::uint8_t type) {
  switch (type) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    default: return 0;
  }
}

std::uint64_t big_endian(const unsigned char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

double element(std::uint8_t type, const unsigned char* p) {
  switch (type) {
    case 0x08: return p[0];
    case 0x09: return static_cast<std::int8_t>(p[0]);
    case 0x0B: return static_cast<std::int16_t>(static_cast<std::uint16_t>(big_endian(p, 2)));
    case 0x0C: return static_cast<std::int32_t>(static_cast<std::uint32_t>(big_endian(p, 4)));
    case 0x0D: {
      const auto bits = static_cast<std::uint32_t>(big_endian(p, 4));
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    default: {
      const std::uint64_t bits = big_endian(p, 8);
      double d;
      std::memcpy(&d, &bits, 8);
      return d;
    }
  }
}

std::string shape_text(const std::vector<Index>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + std::to_string(dims[i]);
  return s;
}

}  // namespace

namespace {

/// A whole IDX file checked against its header, elements not yet converted.
struct RawIdx {
  std::uint8_t type = 0;
  std::vector<Index> dims;
  std::vector<unsigned char> bytes;
  std::size_t header = 0;
  std::size_t element_size = 0;
  double at(std::size_t i) const { return element(type, &bytes[header + i * element_size]); }
};

RawIdx read_raw(const std::string& path) {
  RawIdx a;
  {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory; expected an IDX file (data.path)");
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > kMaxIdxBytes)
      fail(path, std::to_string(size) + " bytes, above the cap of " + std::to_string(kMaxIdxBytes >> 30) +
                     " GiB (README, Errors)");
    std::ifstream probe(path, std::ios::binary);
    if (!probe) fail(path, "cannot open it; expected a readable IDX file (data.path)");
    unsigned char magic[2] = {0, 0};
    probe.read(reinterpret_cast<char*>(magic), 2);
    const bool gzip = probe.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    probe.close();
    a.bytes = gzip ? inflate_gzip(path) : read_plain(path);
  }
  const auto& bytes = a.bytes;
  if (bytes.size() < 4)
    fail(path, "truncated header (" + std::to_string(bytes.size()) + " bytes); expected an IDX file");
  a.type = bytes[2];
  a.element_size = element_size(a.type);
  if (bytes[0] != 0 || bytes[1] != 0 || a.element_size == 0)
    fail(path, "wrong magic number; expected 00 00 <type 08/09/0B/0C/0D/0E> <rank> (an IDX file)");
  const std::size_t rank = bytes[3];
  if (rank == 0) fail(path, "rank 0; expected at least one dimension");
  a.header = 4 + 4 * rank;
  if (bytes.size() < a.header) fail(path, "truncated header; expected " + std::to_string(a.header) + " bytes");
  std::size_t count = 1;
  bool too_big = false;  // the header announces more elements than the file could hold
  for (std::size_t d = 0; d < rank; ++d) {
    const auto n = static_cast<Index>(big_endian(&bytes[4 + 4 * d], 4));
    a.dims.push_back(n);
    if (n != 0 && count > bytes.size() / static_cast<std::size_t>(n)) too_big = true;
    count *= static_cast<std::size_t>(n);
  }
  if (too_big)
    fail(path, "truncated: " + std::to_string(bytes.size()) + " bytes; the header announces " +
                   shape_text(a.dims) + " elements");
  const std::size_t expected = a.header + count * a.element_size;
  if (bytes.size() < expected)
    fail(path, "truncated: " + std::to_string(bytes.size()) + " bytes; the header (" + shape_text(a.dims) +
                   ") announces " + std::to_string(expected));
  if (bytes.size() > expected)
    fail(path, std::to_string(bytes.size() - expected) + " bytes after the data; the header (" +
                   shape_text(a.dims) + ") announces " + std::to_string(expected) + " in all");
  return a;
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  const RawIdx raw = read_raw(path);
  IdxArray a;
  a.type = raw.type;
  a.dims = raw.dims;
  const std::size_t count = (raw.bytes.size() - raw.header) / raw.element_size;
  a.values.resize(count);
  for (std::size_t i = 0; i < count; ++i) a.values[i] = raw.at(i);
  return a;
}

void write_idx_u8(const std::string& path, const std::vector<Index>& dims,
                  const std::vector<std::uint8_t>& values, bool gzip) {
  std::vector<unsigned char> bytes = {0, 0, 0x08, static_cast<unsigned char>(dims.size())};
  for (Index d : dims)
    for (int shift = 24; shift >= 0; shift -= 8)
      bytes.push_back(static_cast<unsigned char>((static_cast<std::uint64_t>(d) >> shift) & 0xff));
  bytes.insert(bytes.end(), values.begin(), values.end());
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    if (f == nullptr) throw BadInput("IDX file " + path + ": cannot create it");
    const int put = gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    if (gzclose(f) != Z_OK || put != static_cast<int>(bytes.size()))
      throw BadInput("IDX file " + path + ": cannot write it");
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw BadInput("IDX file " + path + ": cannot write it");
}

ImageData read_idx_images(const std::string& path, const ImagePreprocess& p) {
  check_image_preprocess(p);
  const RawIdx a = read_raw(path);
  if (a.dims.size() != 3)
    fail(path, "shape " + shape_text(a.dims) + "; expected images n x H x W (a 3-D IDX file)");
  const Index n_file = a.dims[0], height = a.dims[1], width = a.dims[2];
  // Each side is at most 2^32 - 1, so their product can overflow (an empty file may declare any
  // size): sides are capped first (found by fuzzing, tests/fuzz/corpus/idx).
  constexpr Index kMaxSide = 1 << 16;
  if (height > kMaxSide || width > kMaxSide)
    fail(path, "images of " + std::to_string(height) + " x " + std::to_string(width) + " pixels; expected sides of at most " +
                   std::to_string(kMaxSide));
  const Index pixels = height * width;
  if (n_file == 0 || pixels == 0) fail(path, "shape " + shape_text(a.dims) + "; expected at least one image and pixel");
  const bool bytes = a.type == 0x08;
  if (!bytes && a.type != 0x0D && a.type != 0x0E)
    fail(path, "element type " + std::to_string(a.type) + "; expected u8 (08) or float (0D/0E) pixels");
  const Index n = p.max_samples > 0 ? std::min(p.max_samples, n_file) : n_file;
  Matrix x(pixels, n);
  for (Index s = 0; s < n; ++s)
    for (Index k = 0; k < pixels; ++k) {
      const double v = a.at(static_cast<std::size_t>(s * pixels + k));
      if (!bytes && !(v >= 0.0 && v <= 1.0))
        fail(path, "image " + std::to_string(s) + " has pixel value " + std::to_string(v) +
                       "; expected float pixels in [0, 1]");
      x(k, s) = bytes ? v / 255.0 : v;
    }
  return preprocess_images(std::move(x), height, width, p, "IDX file " + path);
}

std::vector<std::int64_t> read_idx_labels(const std::string& path, Index max_labels) {
  const RawIdx a = read_raw(path);
  if (a.dims.size() != 1) fail(path, "shape " + shape_text(a.dims) + "; expected labels (a 1-D IDX file)");
  if (a.type == 0x0D || a.type == 0x0E) fail(path, "float elements; expected integer labels");
  if (a.dims[0] == 0) fail(path, "no labels; expected at least one");
  const Index n = max_labels > 0 ? std::min(max_labels, a.dims[0]) : a.dims[0];
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int64_t>(a.at(i));
  return labels;
}

}  // namespace shortrun::io

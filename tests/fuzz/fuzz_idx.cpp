// libFuzzer target: the IDX reader (io/idx.cpp). Input: byte 0 chooses gzip (bit 0) and the reader
// (bits 1-2: raw array, images, labels); the rest is the file's content (gzipped when chosen).
// Accepted outcomes: the data, or BadInput.
#include <unistd.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "shortrun/core/error.hpp"
#include "shortrun/io/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const std::string path = "/tmp/shortrun-fuzz-idx-" + std::to_string(::getpid()) + ".idx";
  const bool gzip = (data[0] & 1) != 0;
  const int reader = (data[0] >> 1) & 3;
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    if (f == nullptr) return 0;
    if (size > 1) gzwrite(f, data + 1, static_cast<unsigned>(size - 1));
    gzclose(f);
  } else {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return 0;
    std::fwrite(data + 1, 1, size - 1, f);
    std::fclose(f);
  }
  try {
    if (reader == 0) (void)shortrun::io::read_idx(path);
    if (reader == 1 || reader == 3) {
      shortrun::ImagePreprocess p;
      p.max_samples = reader == 3 ? 2 : 0;
      p.downscale = reader == 3 ? 2 : 1;
      (void)shortrun::io::read_idx_images(path, p);
    }
    if (reader == 2) (void)shortrun::io::read_idx_labels(path, 0);
  } catch (const shortrun::BadInput&) {
  }
  return 0;
}

#include "shortrun/io/fashion_mnist.hpp"

#include <filesystem>
#include <string>

#include "shortrun/core/error.hpp"
#include "shortrun/io/idx.hpp"

namespace shortrun::io {

std::vector<std::string> fashion_mnist_default_roots() {
  return {"/usr/share/datasets/fashion-mnist", "/usr/local/share/datasets/fashion-mnist"};
}

std::string locate_fashion_mnist_images(const std::string& split, const std::vector<std::string>& roots) {
  if (split != "train" && split != "t10k")
    throw BadInput("fashion-mnist split " + split + "; expected train or t10k");
  const std::string stem = split + "-images-idx3-ubyte";
  std::string tried;
  for (const std::string& root : roots)
    for (const std::string& name : {stem + ".gz", stem}) {
      const std::filesystem::path p = std::filesystem::path(root) / name;
      std::error_code ec;
      if (std::filesystem::is_regular_file(p, ec)) return p.string();
      tried += (tried.empty() ? "" : ", ") + p.string();
    }
  throw BadInput("data.source = fashion-mnist: no " + stem + "[.gz] found (tried " + tried +
                 "); expected Debian's package: apt-get install dataset-fashion-mnist");
}

ImageData load_fashion_mnist(const ImagePreprocess& p, const std::string& split,
                             const std::vector<std::string>& roots) {
  return read_idx_images(locate_fashion_mnist_images(split, roots), p);
}

}  // namespace shortrun::io

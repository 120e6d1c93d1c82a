#pragma once
/// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) as Debian's `dataset-fashion-mnist` package installs
/// it: /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz.
/// 60000 training and 10000 test images of 28 x 28 u8 pixels (config: data.source = fashion-mnist).
#include <string>
#include <vector>

#include "shortrun/data/images.hpp"

namespace shortrun::io {

/// Folders searched, in order: /usr/share/datasets/fashion-mnist, /usr/local/share/datasets/fashion-mnist.
std::vector<std::string> fashion_mnist_default_roots();

/// Path of `<split>-images-idx3-ubyte[.gz]` (split: train or t10k) in the first root that has it.
/// Throws BadInput naming the paths tried and saying `apt-get install dataset-fashion-mnist`.
std::string locate_fashion_mnist_images(const std::string& split = "train",
                                        const std::vector<std::string>& roots = fashion_mnist_default_roots());

/// read_idx_images(locate_fashion_mnist_images(split, roots), p).
ImageData load_fashion_mnist(const ImagePreprocess& p = {}, const std::string& split = "train",
                             const std::vector<std::string>& roots = fashion_mnist_default_roots());

}  // namespace shortrun::io

#include "shortrun/families/convnet.hpp"

#include <array>
#include <cmath>
#include <stdexcept>

#include "shortrun/core/error.hpp"
#include "shortrun/data/bars_stripes.hpp"
#include "shortrun/data/blobs.hpp"
#include "shortrun/io/fashion_mnist.hpp"
#include "shortrun/io/idx.hpp"

namespace shortrun::families {

void ConvNetFamily::resolve_defaults(RunConfig& c) {
  if (!c.data_source) c.data_source = DataSource::fashion_mnist;
  if (!c.sampler_type) c.sampler_type = SamplerType::langevin;
  if (!c.init_type) c.init_type = P0Type::uniform;
}

void ConvNetFamily::validate(const RunConfig& c) {
  const DataSource source = c.source();
  expect_one_of("data.source", source, std::array{DataSource::fashion_mnist, DataSource::idx, DataSource::blobs});
  if (source == DataSource::idx) expect(!c.data_path.empty(), "data.path", "an IDX file");
  if (source == DataSource::blobs)
    expect(c.n_samples >= 1, "data.n_samples",
           "at least 1 blobs image (an empty data set cannot be trained on), got " + std::to_string(c.n_samples));
  if (source != DataSource::blobs) {
    expect(c.downscale == 1 || c.downscale == 2 || c.downscale == 4, "data.downscale", "1, 2 or 4");
    expect(c.binarize < 1, "data.binarize", "a threshold in [0, 1), or < 0 for grey levels");
  }
  std::string list;
  bool integers = !c.channels.empty();
  for (double ch : c.channels) {
    list += (list.empty() ? "" : ",") + format_value(ch);
    integers = integers && std::isfinite(ch) && ch >= 1 && ch <= 1024 && ch == std::floor(ch);
  }
  expect(integers && c.channels.size() <= 8, "model.channels",
         "a list of 1 to 8 integers in [1, 1024] (channels per conv layer, e.g. 16,32,64), got '" + list + "'");
  expect_one_of("sampler.type", c.sampler(), std::array{SamplerType::langevin});
  expect_one_of("init.type", c.p0(), std::array{P0Type::uniform, P0Type::gaussian});
  expect(c.scheme != Scheme::exact && c.moments == MomentsMode::sampled,
         c.scheme != Scheme::exact ? "train.moments" : "train.scheme",
         "sampled chains for the convnet (rdm, cd or pcd): it has no exact moments");
}

Dataset ConvNetFamily::make_data(const RunConfig& c) {
  ImageData images;
  if (c.source() == DataSource::blobs) {
    BlobsSpec spec;
    spec.side = c.n_visible > 0 ? square_side(c.n_visible) : 8;
    spec.n_samples = c.n_samples;
    spec.seed = static_cast<std::uint64_t>(c.data_seed);
    images = make_blobs_data(spec);
  } else {
    ImagePreprocess pre;
    pre.max_samples = c.n_samples;
    pre.downscale = c.downscale;
    if (c.binarize >= 0) pre.binarize = c.binarize;
    images = c.source() == DataSource::idx ? io::read_idx_images(c.data_path, pre) : io::load_fashion_mnist(pre);
    if (c.n_visible > 0 && c.n_visible != images.data.dim())
      throw BadInput("model.n_visible: expected " + std::to_string(images.data.dim()) + " (the data's " +
                     std::to_string(images.height) + " x " + std::to_string(images.width) + " pixels), got " +
                     std::to_string(c.n_visible));
  }
  if (images.data.n_samples() < 1) throw BadInput("data.n_samples: the data set is empty; expected at least one image");
  if (images.height != images.width)
    throw BadInput((c.data_path.empty() ? std::string(name_of(c.source())) : c.data_path) + ": images of " +
                   std::to_string(images.height) + " x " + std::to_string(images.width) +
                   " pixels; the convnet needs square images");
  // x -> 2 x - 1 maps the moments exactly: no second pass over the data.
  images.data.x = 2.0 * images.data.x.array() - 1.0;
  images.data.mean = 2.0 * images.data.mean.array() - 1.0;
  images.data.cov *= 4.0;
  shape(c, images.data.dim()).check();
  return std::move(images.data);
}

void ConvNetFamily::check_measurement(const RunConfig& c, Index) {
  if (c.measurement_path() == MomentsMode::exact)
    throw BadInput("measure.moments: the convnet has no exact law p_t; use measure.moments = sampled");
  if (c.equilibrium == EquilibriumMethod::theory)
    throw BadInput("measure.equilibrium: theory exists for gaussian and spins only, not convnet; use auto, "
                   "long-run, pt or none");
  if (c.equilibrium == EquilibriumMethod::exact)
    throw BadInput("measure.equilibrium: exact enumeration is for binary models; use long-run, pt or none for the convnet");
  if (c.equilibrium == EquilibriumMethod::ptt)
    throw BadInput("measure.equilibrium: ptt (trajectory tempering) is for binary models (spins, bm, rbm); use pt "
                   "(Langevin at temperatures T / beta), long-run or none for the convnet");
}

ConvNetShape ConvNetFamily::shape(const RunConfig& c, Index dim) {
  const Index side = square_side(dim, "model.n_visible");
  ConvNetShape s;
  s.height = side;
  s.width = side;
  s.channels.clear();
  for (double ch : c.channels) s.channels.push_back(static_cast<Index>(ch));
  s.activation = c.activation;
  return s;
}

DynamicsResult ConvNetFamily::exact_dynamics(const RunConfig&, const ConvNet<float>&, const Langevin&, const P0&,
                                             const std::vector<Index>&, const DataReference&) {
  throw std::logic_error("the convnet has no exact law p_t (check_measurement refuses it)");
}

}  // namespace shortrun::families

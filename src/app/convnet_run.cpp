#include "shortrun/app/convnet_run.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "shortrun/core/error.hpp"
#include "shortrun/data/blobs.hpp"
#include "shortrun/data/bars_stripes.hpp"
#include "shortrun/estimators/sampled_chains.hpp"
#include "shortrun/io/fashion_mnist.hpp"
#include "shortrun/io/idx.hpp"
#include "shortrun/samplers/langevin.hpp"
#include "shortrun/samplers/p0.hpp"

namespace shortrun::cli {

ImageData make_convnet_data(const RunConfig& config) {
  ImageData images;
  if (config.data_source == "blobs") {
    BlobsSpec spec;
    spec.side = config.n_visible > 0 ? square_side(config.n_visible) : 8;
    spec.n_samples = config.n_samples;
    spec.seed = static_cast<std::uint64_t>(config.data_seed);
    images = make_blobs_data(spec);
  } else {
    ImagePreprocess pre;
    pre.max_samples = config.n_samples;
    pre.downscale = config.downscale;
    if (config.binarize >= 0) pre.binarize = config.binarize;
    images = config.data_source == "idx" ? io::read_idx_images(config.data_path, pre) : io::load_fashion_mnist(pre);
    if (config.n_visible > 0 && config.n_visible != images.data.dim())
      throw BadInput("model.n_visible: expected " + std::to_string(images.data.dim()) + " (the data's " +
                     std::to_string(images.height) + " x " + std::to_string(images.width) + " pixels), got " +
                     std::to_string(config.n_visible));
  }
  if (images.data.n_samples() < 1)
    throw BadInput("data.n_samples: the data set is empty; expected at least one image");
  if (images.height != images.width)
    throw BadInput((config.data_path.empty() ? config.data_source : config.data_path) + ": images of " +
                   std::to_string(images.height) + " x " + std::to_string(images.width) +
                   " pixels; the convnet needs square images");
  // x -> 2 x - 1 maps the moments exactly: no second pass over the data.
  images.data.x = 2.0 * images.data.x.array() - 1.0;
  images.data.mean = 2.0 * images.data.mean.array() - 1.0;
  images.data.cov *= 4.0;
  convnet_shape(config, images.data.dim()).check();
  return images;
}

ConvNetShape convnet_shape(const RunConfig& config, Index dim) {
  const Index side = square_side(dim, "model.n_visible");
  ConvNetShape shape;
  shape.height = side;
  shape.width = side;
  shape.channels.clear();
  for (double c : config.channels) shape.channels.push_back(static_cast<Index>(c));
  shape.activation = conv::activation_from_name(config.activation);
  return shape;
}

ModelOutcome train_convnet(const RunConfig& config, const Dataset& data, mpi::Communicator& team,
                           const TrainHooks& hooks) {
  const auto seed = static_cast<std::uint64_t>(config.seed);
  ConvNet<float> model(convnet_shape(config, data.dim()));
  model.init_params(seed);
  const Index n = model.dim();
  DataTerm data_term(data, config.batch, seed, team.rank(), team.size());
  data_term.set_noise(config.data_noise);
  using Chains = SampledChains<Langevin>;
  Chains est(scheme_from_name(config.scheme), config.k, config.chains, n,
             P0::from_name(config.init_type, config.init_sigma), Langevin(config.step, config.temperature), seed,
             team.rank(), team.size());
  auto run = [&](auto& optimizer) {
    return train_with_hooks(model, data_term, est, optimizer, team, config, hooks,
                            chains_saver<Chains>(team, n, config.chains), chains_restorer<Chains>(team, config.chains));
  };
  TrainRecord record;
  if (config.optimizer == "adam") {
    Adam adam(config.lr, 0.9, 0.999, 1e-8, config.l2);
    record = run(adam);
  } else {
    Sgd sgd(config.lr, config.momentum, config.l2);
    record = run(sgd);
  }
  return {std::move(record), model.layout(), model.params()};
}

void write_image_examples(h5::Group& data_group, const Dataset& data, Index n) {
  const Index kept = std::min(n, data.n_samples());
  const auto side = static_cast<hsize_t>(square_side(data.dim(), "model.n_visible"));
  // Sample columns of L L pixels (row-major) are, in memory, the C-order array [n, L, L].
  data_group.write_array("examples", std::vector<double>(data.x.data(), data.x.data() + kept * data.dim()),
                         {static_cast<hsize_t>(kept), side, side});
  data_group.attr("height", static_cast<std::int64_t>(side));
  data_group.attr("width", static_cast<std::int64_t>(side));
}

}  // namespace shortrun::cli

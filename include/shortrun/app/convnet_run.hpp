#pragma once
/// Composition of a ConvNet EBM run (model.type = convnet): image data mapped to [-1, 1], the
/// network shape from the config, ULA chains from a uniform or Gaussian p0, rdm / cd / pcd, SGD or
/// Adam; and the data images kept in the run file.
#include "shortrun/app/train_loop.hpp"
#include "shortrun/core/config.hpp"
#include "shortrun/data/images.hpp"
#include "shortrun/io/h5.hpp"
#include "shortrun/models/conv_net.hpp"
#include "shortrun/parallel/mpi.hpp"

namespace shortrun::cli {

/// Images of the config's data.source (fashion-mnist, idx or blobs) with pixels mapped from
/// [0, 1] to [-1, 1] (x -> 2 x - 1) and their moments; model.n_visible and model.channels checked
/// against the image size. BadInput naming the key or file.
ImageData make_convnet_data(const RunConfig& config);

/// The network of a config for images of height x width (throws BadInput naming model.channels).
ConvNetShape convnet_shape(const RunConfig& config, Index height, Index width);

/// Trains a convnet configuration on `team` (collective); parameters start from
/// ConvNet::init_params(run.seed).
/// `data` holds images of height x width pixels as columns.
ModelOutcome train_convnet(const RunConfig& config, const Dataset& data, Index height, Index width,
                           mpi::Communicator& team, const TrainHooks& hooks);

/// Images kept in a run file's /data: examples [n, H, W], the first n data images (at most all),
/// and attributes height, width.
void write_image_examples(h5::Group& data_group, const Dataset& data, Index height, Index width, Index n);

}  // namespace shortrun::cli

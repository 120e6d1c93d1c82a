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
/// against the image size. The images must be square (L x L; the measurement and checkpoints infer
/// L from N = L^2). BadInput naming the key or file.
ImageData make_convnet_data(const RunConfig& config);

/// The network of a config for square images of `dim` = L^2 pixels (BadInput naming model.channels
/// when they are too small for the layers).
ConvNetShape convnet_shape(const RunConfig& config, Index dim);

/// Trains a convnet configuration on `team` (collective); parameters start from
/// ConvNet::init_params(run.seed). `data` holds square images as columns.
ModelOutcome train_convnet(const RunConfig& config, const Dataset& data, mpi::Communicator& team,
                           const TrainHooks& hooks);

/// Images kept in a run file's /data: examples [n, L, L], the first n data images (at most all),
/// and attributes height, width (= L).
void write_image_examples(h5::Group& data_group, const Dataset& data, Index n);

}  // namespace shortrun::cli

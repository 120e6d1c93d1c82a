#pragma once
/// The dynamics-versus-equilibrium measurement of a trained run (docs/theory.md section 5), as the app
/// composes it: for each measured checkpoint, the model is rebuilt from its parameters through the
/// composition (families/composition.hpp), fresh
/// chains from the training p0 are moved by the training sampler (or the exact law p_t is
/// propagated) for t = 0 .. t_max, an equilibrium reference is obtained, and the solvable models
/// get their theory curves for those parameters. Written to /dynamics/<step> and
/// /equilibrium/<step> (docs/hdf5-schema.md). Used after training (`train`, `sweep`) and by
/// `shortrun measure` on an existing run file.
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "shortrun/config/run_config.hpp"
#include "shortrun/data/dataset.hpp"
#include "shortrun/io/h5.hpp"
#include "shortrun/measure/checkpoint_measurement.hpp"
#include "shortrun/parallel/mpi.hpp"

namespace shortrun::cli {

/// The recorded times: log_grid(t_max, t_points) with 0, k and t_max, plus the image sample times.
std::vector<Index> measurement_times(const RunConfig& config, Index dim);
/// Image side length when the data are square images (idx, fashion-mnist, blobs), else 0.
Index image_side(const RunConfig& config, Index dim);

/// Measures the given checkpoints (step, parameters) of a run of `config` on data `data`.
/// `trajectory`: all the run's stored checkpoints, increasing in step (measure.equilibrium = ptt
/// takes its ladder from those before the measured one; unused otherwise). Collective over `team`;
/// every rank returns the same result. Progress lines on stdout (leader) when show_progress.
std::vector<CheckpointMeasurement> measure_checkpoints(const RunConfig& config, const Dataset& data,
                                                       const std::vector<std::pair<Index, Vector>>& checkpoints,
                                                       const std::vector<std::pair<Index, Vector>>& trajectory,
                                                       mpi::Communicator& team, bool show_progress,
                                                       const std::string& label);

/// The headline numbers of one measured checkpoint: the error (corr_err; mean_err for spins) at
/// t = k, its minimum over the recorded t and where, and at equilibrium (NaN: none).
struct MeasuredErrors {
  bool corr = true;  ///< corr_err (else mean_err)
  double at_k = std::numeric_limits<double>::quiet_NaN();
  double min = std::numeric_limits<double>::quiet_NaN();
  Index min_t = -1;
  double equilibrium = std::numeric_limits<double>::quiet_NaN();
  /// Standard errors of at_k, min (that of the error at min_t) and equilibrium; 0 for an exact law.
  double at_k_se = std::numeric_limits<double>::quiet_NaN();
  double min_se = std::numeric_limits<double>::quiet_NaN();
  double equilibrium_se = std::numeric_limits<double>::quiet_NaN();
};
MeasuredErrors measured_errors(const RunConfig& config, const CheckpointMeasurement& m);

/// measured_errors() of the last measured step stored in a run file (/dynamics, /equilibrium); all
/// NaN when the file has no measurement.
MeasuredErrors stored_measured_errors(const h5::File& file, const RunConfig& config);

/// One line per measured checkpoint for the terminal: corr_err (mean_err for spins) at t = k, its
/// minimum over t, and at equilibrium.
std::string measurement_summary(const RunConfig& config, const std::vector<CheckpointMeasurement>& measurements);

}  // namespace shortrun::cli

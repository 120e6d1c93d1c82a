#pragma once
/// The dynamics-versus-equilibrium measurement of a trained run (THEORY.md section 5), as the app
/// composes it: for each measured checkpoint, the model is rebuilt from its parameters, fresh
/// chains from the training p0 are moved by the training sampler (or the exact law p_t is
/// propagated) for t = 0 .. t_max, an equilibrium reference is obtained, and the solvable models
/// get their theory curves for those parameters. Written to /dynamics/<step> and
/// /equilibrium/<step> (docs/hdf5-schema.md). Used after training (`train`, `sweep`) and by
/// `shortrun measure` on an existing run file.
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "shortrun/core/config.hpp"
#include "shortrun/data/gaussian_data.hpp"
#include "shortrun/io/h5.hpp"
#include "shortrun/measure/dynamics.hpp"
#include "shortrun/measure/equilibrium.hpp"
#include "shortrun/parallel/mpi.hpp"

namespace shortrun::cli {

/// One measured checkpoint.
struct CheckpointMeasurement {
  Index step = 0;
  DynamicsResult dynamics;
  EquilibriumResult equilibrium;
  /// Theory curves of the solvable models for these parameters, at theory_t (the recorded times
  /// while the law stays finite): gaussian v_alpha(t) in the data eigenbasis ("mode_var_theory"),
  /// spins m_i(t) ("mean_theory"). Empty for the other models.
  std::string theory_name;
  std::vector<Index> theory_t;
  Matrix theory;
  /// Gaussian: the measured v_alpha(t) = diag(U^T C(t) U) [T, N] and at equilibrium [N].
  Matrix mode_var;
  Vector equilibrium_mode_var;
  /// RBM beyond enumeration (measure.ais_runs > 0): AIS log Z and its standard error; NaN otherwise.
  double ais_log_z = std::numeric_limits<double>::quiet_NaN();
  double ais_log_z_se = std::numeric_limits<double>::quiet_NaN();
  double data_energy = 0;  ///< <E>_D under these parameters (NaN if unknown)
  Matrix components;  ///< data principal components of a projected covariance (N x m); empty if full
  double seconds = 0;
};

/// The recorded times: log_grid(t_max, t_points) with 0, k and t_max, plus the image sample times.
std::vector<Index> measurement_times(const RunConfig& config, Index dim);
/// Image side length when the data are square images (idx, fashion-mnist, blobs), else 0.
Index image_side(const RunConfig& config, Index dim);

/// BadInput naming the measure.* key when the configuration asks for a measurement the model
/// cannot have (exact p_t beyond 12 units, theory equilibrium for a bm, ...). Called before training.
void check_measurement(const RunConfig& config, Index dim);

/// Measures the given checkpoints (step, parameters) of a run of `config` on data `data`.
/// Collective over `team`; every rank returns the same result. Progress lines on stdout (leader)
/// when show_progress.
std::vector<CheckpointMeasurement> measure_checkpoints(const RunConfig& config, const GaussianData& data,
                                                       const std::vector<std::pair<Index, Vector>>& checkpoints,
                                                       mpi::Communicator& team, bool show_progress,
                                                       const std::string& label);

/// The parameter layout of the configuration's model on data of dimension `dim`.
Layout model_layout(const RunConfig& config, Index dim);

/// Reads /checkpoints/<step>/params of a run file into one flat vector of `layout`. BadInput naming
/// the file and block when a block is missing or has the wrong shape.
Vector read_checkpoint_params(const h5::File& file, Index step, const Layout& layout);

/// Writes /dynamics (attrs: the measurement settings) and /equilibrium with one group per step.
void write_measurements(h5::Group& root, const RunConfig& config, Index dim,
                        const std::vector<CheckpointMeasurement>& measurements);

/// The headline numbers of one measured checkpoint: the error (corr_err; mean_err for spins) at
/// t = k, its minimum over the recorded t and where, and at equilibrium (NaN: none).
struct MeasuredErrors {
  bool corr = true;  ///< corr_err (else mean_err)
  double at_k = std::numeric_limits<double>::quiet_NaN();
  double min = std::numeric_limits<double>::quiet_NaN();
  Index min_t = -1;
  double equilibrium = std::numeric_limits<double>::quiet_NaN();
};
MeasuredErrors measured_errors(const RunConfig& config, const CheckpointMeasurement& m);

/// measured_errors() of the last measured step stored in a run file (/dynamics, /equilibrium); all
/// NaN when the file has no measurement.
MeasuredErrors stored_measured_errors(const h5::File& file, const RunConfig& config);

/// One line per measured checkpoint for the terminal: corr_err (mean_err for spins) at t = k, its
/// minimum over t, and at equilibrium.
std::string measurement_summary(const RunConfig& config, const std::vector<CheckpointMeasurement>& measurements);

}  // namespace shortrun::cli

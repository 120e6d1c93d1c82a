#pragma once
/// Composition of the Gaussian model's run: data, estimator choice, training with resume
/// checkpoints, and the /theory group that checks the trained parameters against THEORY.md
/// section 2.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "shortrun/app/train_loop.hpp"
#include "shortrun/core/config.hpp"
#include "shortrun/data/gaussian_data.hpp"
#include "shortrun/io/h5.hpp"
#include "shortrun/io/resume_file.hpp"
#include "shortrun/parallel/mpi.hpp"
#include "shortrun/theory/gaussian_theory.hpp"

namespace shortrun::cli {

GaussianData make_gaussian_data(const RunConfig& config);
gaussian_theory::Ula ula_of(const RunConfig& config);

/// Which closed-form fixed point a scheme should reach, as its /theory dataset name: "J_star",
/// "J_eq" or "J_ml".
const char* expected_fixed_point(const RunConfig& config);

/// Writes /theory: data spectrum c and basis, J_star, J_eq, J_ml, h_star, t and v_theory (v_alpha(t)
/// for J*), and, when J is given, J_trained (diag of U^T J U) and v_trained (v_alpha(t) for J).
void write_gaussian_theory(h5::Group& parent, const RunConfig& config, const GaussianData& data,
                           const Matrix* trained_J);

/// U: the data covariance eigenbasis (ascending eigenvalues) that /theory uses.
Matrix gaussian_basis(const RunConfig& config, const GaussianData& data);
/// Trains on `team` (collective). File writing is left to the caller through hooks.save and the
/// returned outcome.
ModelOutcome train_gaussian(const RunConfig& config, const GaussianData& data,
                               mpi::Communicator& team, const TrainHooks& hooks);

/// Trained vs theory per mode, as a text table; and the largest gap to the expected fixed point.
std::string gaussian_summary_table(const RunConfig& config, const GaussianData& data, const Matrix& J,
                                   double* max_gap);

}  // namespace shortrun::cli

#pragma once
/// One measured checkpoint of a run (the dynamics from p0 against equilibrium, docs/theory.md section 5),
/// as the measurement composes it and the run-file writer stores it under /dynamics/<step> and
/// /equilibrium/<step> (docs/hdf5-schema.md).
#include <limits>
#include <string>
#include <vector>

#include "shortrun/core/types.hpp"
#include "shortrun/measure/dynamics.hpp"
#include "shortrun/measure/equilibrium.hpp"
#include "shortrun/theory/ais.hpp"

namespace shortrun {

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
  /// bm and rbm beyond enumeration: log Z with its bracket (forward/reverse AIS when
  /// measure.ais_runs > 0, bridge sampling along a PT ladder); absent (method "") otherwise.
  LogZReport log_z;
  double data_energy = 0;  ///< <E>_D under these parameters (NaN if unknown)
  /// data.noise > 0: <E> of the data plus Gaussian noise of std data.noise (drawn once, stream
  /// data_noise at update 2^64 - 1, never a training update): the energy training matched; else NaN.
  double data_energy_noisy = std::numeric_limits<double>::quiet_NaN();
  Matrix components;  ///< data principal components of a projected covariance (N x m); empty if full
  double seconds = 0;
};

}  // namespace shortrun

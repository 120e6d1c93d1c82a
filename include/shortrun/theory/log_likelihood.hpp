#pragma once
/// Mean log-likelihood of a data set under a binary model (docs/theory.md section 4):
///   L = (1/n) sum_s log p(x_s) = mean_s(-E(x_s)) - log Z     (RBM: E = free energy F(v)),
/// exact by enumeration where the (smaller) layer has <= exact::kMaxEnumerableUnits units, else
/// (RBM only) with log Z from AIS, the base model's biases set from the data's means. The data
/// term is exact in both cases, so the standard error is AIS's error of log Z.
#include <string>

#include "shortrun/core/types.hpp"
#include "shortrun/models/bernoulli_rbm.hpp"
#include "shortrun/models/boltzmann_machine.hpp"
#include "shortrun/theory/ais.hpp"

namespace shortrun {

struct LogLikelihood {
  double mean = 0;      ///< L, nats per sample
  double std_error = 0;   ///< standard error of L (0 when exact)
  double log_z = 0;     ///< log Z used
  std::string method;   ///< exact or ais
};

/// Exact for N <= 20 units; throws BadInput when N > 20, the data have the wrong number of rows,
/// no column, or a value that is neither low nor 1 in the model's convention.
LogLikelihood bm_log_likelihood(const BoltzmannMachine& bm, const Matrix& x);

/// Exact when min(Nv, Nh) <= 20 and force_ais is false; else AIS with `options`. Throws BadInput
/// on data of the wrong size, empty, or not in {0, 1}.
LogLikelihood rbm_log_likelihood(const BernoulliRbm& rbm, const Matrix& v, const AisOptions& options = {},
                                 bool force_ais = false);

}  // namespace shortrun

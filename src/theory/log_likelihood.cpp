#include "shortrun/theory/log_likelihood.hpp"

#include <algorithm>
#include <string>

#include "shortrun/core/error.hpp"
#include "shortrun/theory/binary_enumeration.hpp"

namespace shortrun {

namespace {

void check_binary_data(const Matrix& x, Index dim, Spin spin, const char* model) {
  if (x.rows() != dim || x.cols() == 0)
    throw BadInput(std::string("log-likelihood data: ") + std::to_string(x.rows()) + " x " +
                   std::to_string(x.cols()) + "; expected " + std::to_string(dim) +
                   " rows (the " + model + "'s units) and at least one sample");
  const double low = spin_low(spin);
  if (!(x.array() == low || x.array() == 1.0).all())
    throw BadInput(std::string("log-likelihood data: values other than ") + (low == 0.0 ? "0" : "-1") +
                   " and 1; expected binary data in the " + model + "'s convention (" + spin_name(spin) +
                   "; images: set data.binarize)");
}

}  // namespace

LogLikelihood bm_log_likelihood(const BoltzmannMachine& bm, const Matrix& x) {
  check_binary_data(x, bm.dim(), bm.spin(), "bm");
  if (bm.dim() > exact::kMaxStreamedUnits)
    throw BadInput("log-likelihood of a bm with " + std::to_string(bm.dim()) + " units; exact only up to " +
                   std::to_string(exact::kMaxStreamedUnits));
  LogLikelihood out;
  out.log_z = exact::log_partition(exact::pairwise(bm));
  out.mean = -bm.energy(x).mean() - out.log_z;
  out.method = "exact";
  return out;
}

LogLikelihood rbm_log_likelihood(const BernoulliRbm& rbm, const Matrix& v, const AisOptions& options,
                                 bool force_ais) {
  check_binary_data(v, rbm.n_visible(), Spin::zero_one, "rbm");
  LogLikelihood out;
  if (!force_ais && std::min(rbm.n_visible(), rbm.n_hidden()) <= exact::kMaxStreamedUnits) {
    out.log_z = exact::rbm_log_partition(rbm);
    out.method = "exact";
  } else {
    const AisResult ais = rbm_ais_log_partition(rbm, v.rowwise().mean(), options);
    out.log_z = ais.log_z;
    out.std_error = ais.log_z_stderr;
    out.method = "ais";
  }
  out.mean = -rbm.energy(v).mean() - out.log_z;
  return out;
}

}  // namespace shortrun

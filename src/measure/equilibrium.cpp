#include "shortrun/measure/equilibrium.hpp"

#include <numbers>

#include <Eigen/Eigenvalues>

namespace shortrun {

namespace {

constexpr Index kChunk = 4096;  // states per block when summing over 2^n states

EquilibriumResult no_equilibrium(EquilibriumMethod method, std::string note) {
  EquilibriumResult out;
  out.method = method;
  out.exists = false;
  out.note = std::move(note);
  out.stats.finite = false;
  return out;
}

double log_sum_exp(const Vector& x) {
  const double top = x.maxCoeff();
  return top + std::log((x.array() - top).exp().sum());
}

}  // namespace

EquilibriumResult gaussian_theory_equilibrium(const GaussianEnergy& model, const gaussian_theory::Ula& ula,
                                              const DataReference& ref) {
  const Matrix J = model.J();
  Eigen::SelfAdjointEigenSolver<Matrix> es(0.5 * (J + J.transpose()));
  const Vector lambda = es.eigenvalues();
  for (Index a = 0; a < lambda.size(); ++a)
    if (!(lambda[a] > 0.0 && lambda[a] < 2.0 / ula.step))
      return no_equilibrium(EquilibriumMethod::theory, "no equilibrium: J has eigenvalue " + std::to_string(lambda[a]) +
                                          " outside (0, 2/eta) = (0, " + std::to_string(2.0 / ula.step) +
                                          "), so ULA has no stationary law");
  EquilibriumResult out;
  out.method = EquilibriumMethod::theory;
  out.stats = gaussian_law_statistics(model, gaussian_theory::stationary(J, model.h(), ula), ref);
  const Vector he = es.eigenvectors().transpose() * Vector(model.h());
  const double temp = ula.temperature;
  // Scalar logs: Eigen's vectorised log trips a GCC 12 -Wuninitialized false positive (AVX-512).
  double log_z = 0;
  for (Index a = 0; a < lambda.size(); ++a)
    log_z += 0.5 * std::log(2.0 * std::numbers::pi * temp / lambda[a]) + he[a] * he[a] / (2.0 * temp * lambda[a]);
  out.log_z = log_z;
  out.note = "stationary law of ULA (step " + std::to_string(ula.step) + ")";
  return out;
}

EquilibriumResult spins_theory_equilibrium(const IndependentSpins& model, const DataReference& ref) {
  const Spin spin = model.spin();
  const Index n = model.dim();
  const double low = spin_low(spin), gap = spin_gap(spin);
  Vector mean(n), var(n);
  double log_z = 0;
  for (Index i = 0; i < n; ++i) {
    const double h = model.h()(i, 0);
    const double p_up = prob_up(spin, h);
    mean[i] = low + gap * p_up;
    var[i] = gap * gap * p_up * (1.0 - p_up);
    // log(e^{h up} + e^{h low}) = h low + softplus(gap h)
    log_z += h * low + softplus(gap * h);
  }
  const Vector h = model.h();
  EquilibriumResult out;
  out.method = EquilibriumMethod::theory;
  out.stats = from_moments(mean, Matrix(var.asDiagonal()), -h.dot(mean),
                           std::sqrt(h.cwiseAbs2().dot(var)), ref);
  out.log_z = log_z;
  out.note = spin == Spin::pm1 ? "independent units: <s_i> = tanh h_i" : "independent units: <s_i> = sigmoid h_i";
  return out;
}

EquilibriumResult exact_equilibrium(const exact::PairwiseModel& model, const DataReference& ref) {
  EquilibriumResult out;
  out.method = EquilibriumMethod::exact;
  const Vector minus_e = exact::log_weights(model);
  out.log_z = log_sum_exp(minus_e);
  const Vector p = (minus_e.array() - out.log_z).exp().matrix();
  out.stats = pairwise_law_statistics(model, p, ref);
  out.note = "enumeration of 2^" + std::to_string(model.dim()) + " states";
  return out;
}

EquilibriumResult exact_equilibrium(const BernoulliRbm& rbm, const DataReference& ref, bool over_hidden) {
  const Index nv = rbm.n_visible(), nh = rbm.n_hidden();
  EquilibriumResult out;
  out.method = EquilibriumMethod::exact;
  out.log_z = exact::rbm_log_partition(rbm);
  if (!over_hidden && nv <= exact::kMaxEnumerableUnits) {
    const Vector minus_f = -rbm.energy(exact::states(nv, Spin::zero_one, 0, Index{1} << nv));
    out.stats = rbm_law_statistics(rbm, (minus_f.array() - out.log_z).exp().matrix(), ref);
    out.note = "enumeration of 2^" + std::to_string(nv) + " visible states";
    return out;
  }
  if (nh > exact::kMaxEnumerableUnits)
    throw std::invalid_argument("exact RBM equilibrium: both layers above " +
                                std::to_string(exact::kMaxEnumerableUnits) + " units");
  // Over the hidden states: p(h) = exp(-F(h)) / Z, F(h) = -b^T h - sum_i softplus((a + W h)_i), and
  // v | h independent with means sigma = sigmoid(a + W h):
  //   <v> = sum p sigma, <v v^T> = sum p (sigma sigma^T + diag(sigma (1 - sigma))), <v h^T> = sum p sigma h^T.
  // <hbar> = <E[h | v]> = <h> and <v hbar^T> = <v h^T>.
  const Index total = Index{1} << nh;
  Vector mean = Vector::Zero(nv), h_mean = Vector::Zero(nh);
  Matrix second = Matrix::Zero(nv, nv), vh = Matrix::Zero(nv, nh);
  for (Index first = 0; first < total; first += kChunk) {
    const Index count = std::min(kChunk, total - first);
    const Matrix hid = exact::states(nh, Spin::zero_one, first, count);
    const Matrix in = rbm.visible_input(hid);
    Vector minus_f = hid.transpose() * Vector(rbm.b());
    for (Index c = 0; c < count; ++c)
      for (Index i = 0; i < nv; ++i) minus_f[c] += softplus(in(i, c));
    const Vector p = (minus_f.array() - out.log_z).exp().matrix();
    const Matrix sig = in.unaryExpr([](double y) { return sigmoid(y); });
    const Matrix sig_p = (sig.array().rowwise() * p.transpose().array()).matrix();
    mean.noalias() += sig * p;
    second.noalias() += sig_p * sig.transpose();
    second.diagonal() += (sig.array() * (1.0 - sig.array())).matrix() * p;
    h_mean.noalias() += hid * p;
    vh.noalias() += sig_p * hid.transpose();
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.stats = from_moments(mean, second - mean * mean.transpose(), nan, nan, ref, h_mean, vh);
  out.note = "enumeration of 2^" + std::to_string(nh) + " hidden states; mean free energy not computed (NaN)";
  return out;
}

}  // namespace shortrun

#include "shortrun/measure/exact_dynamics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "shortrun/theory/binary_transition.hpp"

namespace shortrun {

namespace {

constexpr Index kLawChunk = 4096;  // states per block when summing over 2^N states

/// Mean and standard deviation of the values e under the law p.
std::pair<double, double> law_mean_std(const Vector& p, const Vector& e) {
  const double mean = p.dot(e);
  const double var = p.dot((e.array() - mean).square().matrix());
  return {mean, std::sqrt(std::max(0.0, var))};
}

/// Records stats(t) at every time, propagating with advance(from, to); stops at the first
/// non-finite one.
template <class Advance, class Stats>
DynamicsResult record(const std::vector<Index>& times, Advance advance, Stats stats) {
  check_times(times);
  DynamicsResult out;
  Index t = 0;
  for (const Index target : times) {
    advance(t, target);
    t = target;
    if (!out.record(target, stats(target))) break;
  }
  return out;
}

}  // namespace

ChainStatistics gaussian_law_statistics(const GaussianEnergy& model, const gaussian_theory::Moments& m,
                                        const DataReference& ref) {
  const Matrix J = model.J();
  const Vector h = model.h();
  const Matrix js = J * m.cov;
  const Vector b = J * m.mean - h;
  const double e_mean = 0.5 * js.trace() + 0.5 * m.mean.dot(J * m.mean) - h.dot(m.mean);
  const double e_var = 0.5 * (js * js).trace() + b.dot(m.cov * b);
  const double e_std = e_var >= 0 ? std::sqrt(e_var) : std::numeric_limits<double>::quiet_NaN();
  ChainStatistics s = from_moments(m.mean, m.cov, e_mean, e_std, ref);
  s.finite = s.finite && std::isfinite(e_mean) && std::isfinite(e_std);
  return s;
}

DynamicsResult gaussian_exact_dynamics(const GaussianEnergy& model, const gaussian_theory::Ula& ula,
                                       const P0& p0, const std::vector<Index>& times,
                                       const DataReference& ref) {
  if (p0.kind() == P0::Kind::uniform) throw std::invalid_argument("gaussian_exact_dynamics: p0 must be gaussian or zeros");
  const Index n = model.dim();
  const gaussian_theory::Moments start{Vector::Zero(n), p0.sigma() * p0.sigma() * Matrix::Identity(n, n)};
  const Matrix J = model.J();
  const Vector h = model.h();
  return record(
      times, [](Index, Index) {},
      [&](Index t) {
        return gaussian_law_statistics(model, gaussian_theory::propagate(J, h, start, static_cast<double>(t), ula), ref);
      });
}

ChainStatistics pairwise_law_statistics(const exact::PairwiseModel& model, const Vector& p,
                                        const DataReference& ref) {
  const Index n = model.dim();
  const exact::SpinMoments m = exact::law_moments(p, n, model.spin);
  const auto [e_mean, e_std] = law_mean_std(p, -exact::log_weights(model));
  return from_moments(m.mean, m.cov(), e_mean, e_std, ref);
}

DynamicsResult binary_exact_dynamics(const exact::PairwiseModel& model, SiteDynamics dynamics,
                                     const BinaryP0& p0, const std::vector<Index>& times,
                                     const DataReference& ref) {
  if (p0.spin() != model.spin) throw std::invalid_argument("binary_exact_dynamics: p0 and model disagree on the spin convention");
  const exact::SweepKernel kernel(model, dynamics);
  const Index n = model.dim();
  const Vector minus_e = exact::log_weights(model);
  Vector p = exact::product_law(p0.prob_up());
  return record(
      times, [&](Index from, Index to) { p = kernel.propagate(p, to - from); },
      [&](Index) {
        const exact::SpinMoments m = exact::law_moments(p, n, model.spin);
        const auto [e_mean, e_std] = law_mean_std(p, -minus_e);
        return from_moments(m.mean, m.cov(), e_mean, e_std, ref);
      });
}

ChainStatistics rbm_law_statistics(const BernoulliRbm& rbm, const Vector& p, const DataReference& ref) {
  const Index nv = rbm.n_visible(), nh = rbm.n_hidden();
  if (nv > exact::kMaxEnumerableUnits) throw std::invalid_argument("rbm_law_statistics: too many visible units");
  const Index total = Index{1} << nv;
  if (p.size() != total) throw std::invalid_argument("rbm_law_statistics: law of the wrong size");
  Vector mean = Vector::Zero(nv), h_mean = Vector::Zero(nh);
  Matrix second = Matrix::Zero(nv, nv), vh = Matrix::Zero(nv, nh);
  Vector f(total);
  for (Index first = 0; first < total; first += kLawChunk) {
    const Index count = std::min(kLawChunk, total - first);
    const Matrix v = exact::states(nv, Spin::zero_one, first, count);
    const auto w = p.segment(first, count);
    const Matrix hbar = rbm.hidden_input(v).unaryExpr([](double y) { return sigmoid(y); });
    const Matrix vw = (v.array().rowwise() * w.transpose().array()).matrix();
    mean.noalias() += v * w;
    second.noalias() += vw * v.transpose();
    h_mean.noalias() += hbar * w;
    vh.noalias() += vw * hbar.transpose();
    f.segment(first, count) = rbm.energy(v);
  }
  const auto [e_mean, e_std] = law_mean_std(p, f);
  return from_moments(mean, second - mean * mean.transpose(), e_mean, e_std, ref, h_mean, vh);
}

DynamicsResult rbm_exact_dynamics(const BernoulliRbm& rbm, const BinaryP0& p0,
                                  const std::vector<Index>& times, const DataReference& ref) {
  if (p0.spin() != Spin::zero_one) throw std::invalid_argument("rbm_exact_dynamics: the RBM's units are 01");
  const Matrix kernel_t = exact::rbm_block_gibbs_matrix(rbm).transpose();
  Vector p = exact::product_law(p0.prob_up());
  return record(
      times,
      [&](Index from, Index to) {
        for (Index s = from; s < to; ++s) p = kernel_t * p;
      },
      [&](Index) { return rbm_law_statistics(rbm, p, ref); });
}

}  // namespace shortrun
